import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import {
  Agent,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';
import type { FaultInjector } from '../faults';
import type { CreatedObject } from '../manifest-trigger';
import { IDLE_CONNECTION_MS, readBody, SANDBOX_HOST, sleep, startHttpServer } from '../http';
import { headerValue } from './aws-chunked';
import { spoolBody, type SpooledBody } from './body';
import { ConditionalWrites } from './conditional-writes';
import { copyRangeOf, copySourceOf } from './copy-source';
import { newRequestId, S3RequestError, sendS3Error } from './errors';
import { asListObjectsV1, asListObjectsV2Result } from './list-v2';
import { useKeyPaths } from './key-paths';
import { MultipartUploads } from './multipart';
import { objectAttributesXml } from './object-attributes';
import { ObjectFiles } from './object-files';
import { s3RequestOf, type S3Request } from './operations';
import { useAtomicObjectWrites } from './object-writes';
import { type ObjectName, storedObject } from './stored-object';
import { inS3Namespace, s3XmlDocument } from './xml';

/*
 * The sandbox's S3: s3rver on an internal port, behind a proxy of our own on the public one. The proxy names
 * each request's operation for the fault plan, decodes aws-chunked bodies and verifies them before s3rver
 * sees a byte, puts right what s3rver gets wrong about multipart uploads and S3's XML namespace, and answers
 * what s3rver lacks: UploadPartCopy, GetObjectAttributes and conditional writes.
 */

export interface S3SandboxOptions {
  /** @default 0, a free port */
  readonly port?: number;
  /** Objects live in `<directory>/buckets`; request bodies over 1 MiB are spooled in `<directory>/incoming`. */
  readonly directory: string;
  readonly faults: FaultInjector;
  /** Told of each object a PutObject or CompleteMultipartUpload created, once S3 has answered the request. */
  readonly onObjectCreated?: (object: CreatedObject) => void;
}

export interface RunningS3 {
  readonly endpoint: string;
  /** The stored objects, for in-process readers beside this S3; they bypass the proxy and the fault plan. */
  readonly objects: ObjectFiles;
  /** Stops the proxy and s3rver, and closes every socket of both. */
  close(): Promise<void>;
}

/** s3rver's built-in account: it knows no other access key, and checks no SigV4 signature anyway. */
const S3RVER_ACCESS_KEY = 'S3RVER';
/** A CompleteMultipartUpload of 10,000 parts is about 1 MB of XML. */
const MAX_COMPLETE_REQUEST_BYTES = 4 * 1024 * 1024;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'expect', 'te', 'trailer', 'upgrade']);

function withoutHopByHop<T extends IncomingHttpHeaders>(headers: T): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

/**
 * The path s3rver is asked for: the key in one segment, every `/` and `.` percent-encoded. s3rver's router
 * resolves `..` segments and matches no empty one, so a key such as `a/../b` or `a//b` reached it as another
 * key or none; it decodes the one segment back into the key (see ./key-paths.ts for where that key is stored).
 */
function upstreamPath(url: URL, target: S3Request): string {
  if (target.key === undefined) return target.bucket === undefined ? `${url.pathname}${url.search}` : `/${target.bucket}${url.search}`;
  return `/${target.bucket}/${encodeURIComponent(target.key).replace(/\./g, '%2E')}${url.search}`;
}

/** S3's answer to a request the proxy failed on unexpectedly: its XML InternalError, which SDKs retry. */
function s3InternalError(request: IncomingMessage, response: ServerResponse, error: Error): void {
  sendS3Error(request, response, new S3RequestError('InternalError', 500, `The sandbox failed: ${error.message}`, { cause: error }));
}

function hasBody(request: IncomingMessage): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
}

export async function startS3(options: S3SandboxOptions): Promise<RunningS3> {
  const bucketsDirectory = join(options.directory, 'buckets');
  const incoming = join(options.directory, 'incoming');
  // Spool files left by a crash are bodies nobody will finish.
  await rm(incoming, { recursive: true, force: true });
  await Promise.all([mkdir(bucketsDirectory, { recursive: true }), mkdir(incoming, { recursive: true })]);

  const s3rver = new S3rver({
    address: SANDBOX_HOST,
    port: 0,
    directory: bucketsDirectory,
    silent: true,
    vhostBuckets: false,
  });
  useKeyPaths(s3rver.store);
  useAtomicObjectWrites(s3rver.store);
  const { port: internalPort } = await s3rver.run();
  // The proxy's keep-alive connections to s3rver outlive a pause in traffic, as the proxy's own do (../http.ts).
  if (s3rver.httpServer !== undefined) s3rver.httpServer.keepAliveTimeout = IDLE_CONNECTION_MS;
  const agent = new Agent({ keepAlive: true });
  const multipart = new MultipartUploads(s3rver.store);
  const conditionalWrites = new ConditionalWrites(s3rver.store);

  function forward(request: IncomingMessage, body: SpooledBody | undefined, path = request.url ?? '/') {
    const { authorization, ...headers } = body?.headers ?? request.headers;
    const upstreamPath = path.replace(/([?&]X-Amz-Credential=)[^&/%]+/, `$1${S3RVER_ACCESS_KEY}`);
    return new Promise<IncomingMessage>((resolve, reject) => {
      const upstream = httpRequest(
        {
          host: SANDBOX_HOST,
          port: internalPort,
          method: request.method,
          path: upstreamPath,
          agent,
          headers: {
            ...withoutHopByHop(headers),
            ...(authorization !== undefined && {
              authorization: authorization.replace(/Credential=[^/,\s]+\//, `Credential=${S3RVER_ACCESS_KEY}/`),
            }),
          },
        },
        resolve,
      );
      upstream.once('error', reject);
      if (body === undefined) upstream.end();
      else pipeline(body.read(), upstream).catch(reject);
    });
  }

  /** Answers with s3rver's answer, its XML body rewritten by `rewrite` and put in S3's namespace when it succeeded. */
  async function relayRewritten(upstream: IncomingMessage, response: ServerResponse, rewrite: (xml: string) => string = (xml) => xml) {
    const text = (await readBody(upstream)).toString('utf8');
    const body = upstream.statusCode === 200 ? inS3Namespace(rewrite(text)) : text;
    const { 'content-length': _length, ...headers } = withoutHopByHop(upstream.headers);
    response.writeHead(upstream.statusCode ?? 500, { ...headers, 'content-length': Buffer.byteLength(body) });
    response.end(body);
  }

  async function complete(
    request: IncomingMessage,
    response: ServerResponse,
    target: { bucket: string; key: string; uploadId: string | null },
    body: SpooledBody,
    path: string,
  ) {
    if (body.length > MAX_COMPLETE_REQUEST_BYTES) {
      throw new S3RequestError('MaxMessageLengthExceeded', 400, 'Your request was too big.');
    }
    const etag = await multipart.etagOfCompletion(target.bucket, target.uploadId, (await readBody(body.read())).toString('utf8'));
    const upstream = await conditionalWrites.run(request.headers, target, () => forward(request, body, path));
    if (upstream.statusCode === 200) await multipart.recordEtag(target.bucket, target.key, etag);
    await relayRewritten(upstream, response, (xml) => xml.replace(/<ETag>[^<]*<\/ETag>/, `<ETag>&quot;${etag}&quot;</ETag>`));
    if (upstream.statusCode === 200) options.onObjectCreated?.({ bucket: target.bucket, key: target.key, etag, reason: 'CompleteMultipartUpload' });
  }

  async function listObjectsV2(request: IncomingMessage, response: ServerResponse, url: URL) {
    const v1Path = asListObjectsV1(url);
    if (v1Path === null) throw new S3RequestError('InvalidArgument', 400, 'The continuation token provided is incorrect');
    const upstream = await forward(request, undefined, v1Path);
    await relayRewritten(upstream, response, (xml) => asListObjectsV2Result(xml, url));
  }

  /** An answer of the proxy's own, an XML document. */
  function sendXml(response: ServerResponse, xml: string, headers: OutgoingHttpHeaders = {}) {
    response.writeHead(200, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
    response.end(xml);
  }

  /** https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html#API_UploadPartCopy_ResponseSyntax */
  async function uploadPartCopy(request: IncomingMessage, response: ServerResponse, bucket: string, query: URLSearchParams) {
    const partFile = await multipart.checkPart(bucket, query);
    const source = await storedObject(s3rver.store, copySourceOf(headerValue(request.headers, 'x-amz-copy-source')));
    const range = copyRangeOf(headerValue(request.headers, 'x-amz-copy-source-range'), source.size);
    const part = await multipart.storePart(partFile, source.read(range));
    sendXml(response, s3XmlDocument('CopyPartResult', { LastModified: part.lastModified.toISOString(), ETag: `"${part.etag}"` }));
  }

  async function getObjectAttributes(request: IncomingMessage, response: ServerResponse, object: ObjectName) {
    const stored = await storedObject(s3rver.store, object);
    const xml = objectAttributesXml(headerValue(request.headers, 'x-amz-object-attributes'), stored);
    sendXml(response, xml, { 'last-modified': stored.lastModified.toUTCString() });
  }

  /** Whether s3rver answered with an XML document of S3's: not an object's bytes, which may be XML too. */
  const isS3Document = (request: IncomingMessage, target: S3Request, upstream: IncomingMessage) =>
    request.method !== 'HEAD' && target.operation !== 'GetObject' && /^application\/xml\b/.test(upstream.headers['content-type'] ?? '');

  async function serve(request: IncomingMessage, response: ServerResponse, url: URL, target: S3Request) {
    const query = url.searchParams;
    const path = upstreamPath(url, target);
    if (target.operation === 'ListObjectsV2') {
      await listObjectsV2(request, response, url);
      return;
    }
    if (target.operation === 'AbortMultipartUpload' && target.bucket !== undefined) {
      await multipart.abort(target.bucket, query.get('uploadId'));
      response.writeHead(204).end();
      request.resume();
      return;
    }
    if (target.operation === 'UploadPartCopy' && target.bucket !== undefined) {
      await uploadPartCopy(request, response, target.bucket, query);
      request.resume();
      return;
    }
    if (target.operation === 'GetObjectAttributes' && target.bucket !== undefined && target.key !== undefined) {
      await getObjectAttributes(request, response, { bucket: target.bucket, key: target.key });
      return;
    }
    if (target.operation === 'UploadPart' && target.bucket !== undefined) await multipart.checkPart(target.bucket, query);
    const body = hasBody(request) ? await spoolBody(request, join(incoming, randomUUID())) : undefined;
    try {
      if (target.operation === 'CompleteMultipartUpload' && target.bucket !== undefined && target.key !== undefined) {
        if (body === undefined) throw new S3RequestError('MalformedXML', 400, 'CompleteMultipartUpload needs a part list.');
        await complete(request, response, { bucket: target.bucket, key: target.key, uploadId: query.get('uploadId') }, body, path);
        return;
      }
      const send = () => forward(request, body, path);
      const upstream =
        target.operation === 'PutObject' && target.bucket !== undefined && target.key !== undefined
          ? await conditionalWrites.run(request.headers, { bucket: target.bucket, key: target.key }, send)
          : await send();
      if (isS3Document(request, target, upstream)) {
        await relayRewritten(upstream, response);
      } else {
        response.writeHead(upstream.statusCode ?? 500, withoutHopByHop(upstream.headers));
        await pipeline(upstream, response);
      }
      const etag = upstream.headers.etag;
      if (target.operation === 'PutObject' && upstream.statusCode === 200 && target.bucket !== undefined && target.key !== undefined && etag !== undefined) {
        options.onObjectCreated?.({ bucket: target.bucket, key: target.key, etag, reason: 'PutObject' });
      }
    } finally {
      await body?.discard();
    }
  }

  const proxy = await startHttpServer(async (request, response) => {
    // S3 names every answer's request (SDKs report it as $metadata.requestId); s3rver names none. An error sets its own.
    response.setHeader('x-amz-request-id', newRequestId());
    try {
      const url = new URL(request.url ?? '/', 'http://s3');
      const target = s3RequestOf(request.method ?? 'GET', request.url ?? '/', request.headers);
      const fault = options.faults.onRequest('s3', target.operation);
      if (fault?.delayMs !== undefined) await sleep(fault.delayMs);
      if (fault?.error !== undefined) {
        throw new S3RequestError(fault.error.code, fault.error.status, fault.error.message);
      }
      await serve(request, response, url, target);
    } catch (error) {
      if (!(error instanceof S3RequestError) || response.headersSent) throw error;
      sendS3Error(request, response, error);
    }
  }, options.port, s3InternalError).catch(async (error: unknown) => {
    agent.destroy();
    await s3rver.close();
    throw error;
  });

  return {
    endpoint: proxy.endpoint,
    objects: new ObjectFiles(s3rver.store),
    close: async () => {
      await proxy.close();
      agent.destroy();
      s3rver.httpServer?.closeAllConnections();
      await s3rver.close();
    },
  };
}
