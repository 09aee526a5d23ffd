import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  paginateListObjectsV2,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createS3Client } from '../../shared/clients/s3';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from '../../sandbox/accounts';
import { FaultInjector } from '../../sandbox/faults';
import { type RunningS3, startS3 } from '../../sandbox/s3/server';

const BUCKET = 'dx-flow-sandbox-data';
const MiB = 1024 * 1024;

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

/** A stream of unknown length to the SDK, in 64 KiB pieces, as a file or socket would deliver it. */
const streamOf = (bytes: Buffer) =>
  Readable.from(Array.from({ length: Math.ceil(bytes.length / 65_536) }, (_, i) => bytes.subarray(i * 65_536, (i + 1) * 65_536)));

/** The headers each request of `client` went out with, after checksums and signing. */
function recordWireHeaders(client: S3Client): Record<string, string>[] {
  const seen: Record<string, string>[] = [];
  client.middlewareStack.add(
    (next) => async (args) => {
      seen.push({ ...(args.request as { headers: Record<string, string> }).headers });
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low' },
  );
  return seen;
}

async function readBack(client: S3Client, key: string): Promise<Buffer> {
  const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; $metadata: { httpStatusCode?: number } }> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: { name: string; $metadata: { httpStatusCode?: number } }) => error,
  );
}

/** A hand-made request, for bodies no SDK would send. */
function rawPut(endpoint: string, key: string, headers: Record<string, string>, body: string | Buffer) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = httpRequest(`${endpoint}/${BUCKET}/${key}`, { method: 'PUT', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

const chunkedHeaders = (decodedLength: number, extra: Record<string, string> = {}) => ({
  'content-encoding': 'aws-chunked',
  'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'x-amz-decoded-content-length': String(decodedLength),
  ...extra,
});

describe('sandbox S3', () => {
  const faults = new FaultInjector();
  let directory: string;
  let s3: RunningS3;
  let client: S3Client;
  let wire: Record<string, string>[];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'dx-flow-s3-'));
    s3 = await startS3({ port: 0, directory, faults });
    // Left out, the checksum settings are the SDK's own default (WHEN_SUPPORTED): the one that sends aws-chunked.
    const {
      AWS_REQUEST_CHECKSUM_CALCULATION: _request,
      AWS_RESPONSE_CHECKSUM_VALIDATION: _response,
      ...env
    } = process.env;
    jest.replaceProperty(process, 'env', {
      ...env,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      AWS_REGION: SANDBOX_REGION,
      AWS_ACCESS_KEY_ID: PROVIDER_ACCOUNT.accessKeyId,
      AWS_SECRET_ACCESS_KEY: PROVIDER_ACCOUNT.secretAccessKey,
    });
    client = createS3Client({ maxAttempts: 1 });
    wire = recordWireHeaders(client);
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  beforeEach(() => {
    faults.clear();
    wire.length = 0;
  });

  afterAll(async () => {
    client.destroy();
    await s3.close();
    await rm(directory, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it('stores a streamed PutObject, sent aws-chunked under the default checksums, as the bytes themselves', async () => {
    const data = randomBytes(3 * MiB + 17);

    const put = await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'streamed/put.bin', Body: streamOf(data), ContentLength: data.length }),
    );

    expect(wire[0]).toMatchObject({
      'content-encoding': 'aws-chunked',
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(data.length),
    });
    expect((await readBack(client, 'streamed/put.bin')).equals(data)).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'streamed/put.bin' }));
    expect(head).toMatchObject({ ContentLength: data.length, ETag: `"${md5(data)}"` });
    expect(head.ContentEncoding).toBeUndefined();
    expect(put.ETag).toBe(`"${md5(data)}"`);
  });

  it('stores a lib-storage Upload of a stream smaller than one part', async () => {
    const data = randomBytes(MiB + 5);

    await new Upload({ client, params: { Bucket: BUCKET, Key: 'streamed/upload.bin', Body: streamOf(data) } }).done();

    expect((await readBack(client, 'streamed/upload.bin')).equals(data)).toBe(true);
  });

  it('assembles a 12 MiB multipart upload byte for byte, with an S3 multipart ETag everywhere', async () => {
    const data = randomBytes(12 * MiB + 3);
    const partDigests = [data.subarray(0, 5 * MiB), data.subarray(5 * MiB, 10 * MiB), data.subarray(10 * MiB)].map((part) =>
      createHash('md5').update(part).digest(),
    );
    const etag = `"${md5(Buffer.concat(partDigests))}-3"`;

    const upload = await new Upload({
      client,
      params: { Bucket: BUCKET, Key: 'multipart/big.bin', Body: streamOf(data) },
      partSize: 5 * MiB,
    }).done();

    expect(wire.filter((headers) => headers['content-encoding'] === 'aws-chunked')).toHaveLength(0);
    expect(upload.ETag).toBe(etag);
    expect((await readBack(client, 'multipart/big.bin')).equals(data)).toBe(true);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'multipart/big.bin' }));
    expect(head).toMatchObject({ ContentLength: data.length, ETag: etag });
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'multipart/' }));
    expect(listed.Contents).toEqual([expect.objectContaining({ Key: 'multipart/big.bin', ETag: etag, Size: data.length })]);
  });

  it('sends streamed uploads plainly under WHEN_REQUIRED, and stores them as well', async () => {
    const whenRequired = createS3Client({ maxAttempts: 1, checksums: 'WHEN_REQUIRED' });
    const seen = recordWireHeaders(whenRequired);
    const data = randomBytes(2 * MiB);

    await whenRequired.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'streamed/when-required.bin', Body: streamOf(data), ContentLength: data.length }),
    );

    expect(seen[0]['content-encoding']).toBeUndefined();
    expect((await readBack(whenRequired, 'streamed/when-required.bin')).equals(data)).toBe(true);
    whenRequired.destroy();
  });

  it('lists with a prefix, page by page', async () => {
    const keys = ['list/a', 'list/b', 'list/c', 'list/d', 'list/e'];
    for (const key of [...keys, 'other/x', 'listing']) {
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    }

    const pages = [];
    for await (const page of paginateListObjectsV2({ client, pageSize: 2 }, { Bucket: BUCKET, Prefix: 'list/' })) {
      pages.push((page.Contents ?? []).map((object) => object.Key));
    }

    expect(pages).toEqual([['list/a', 'list/b'], ['list/c', 'list/d'], ['list/e']]);
  });

  it('names each answer\'s request in x-amz-request-id, as S3 does', async () => {
    const put = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'request-id', Body: 'x' }));
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'request-id' }));
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'request-id' }));

    const ids = [put, listed, head].map((answer) => answer.$metadata.requestId);
    expect(ids).toEqual([expect.stringMatching(/^[0-9A-F]{16}$/), expect.stringMatching(/^[0-9A-F]{16}$/), expect.stringMatching(/^[0-9A-F]{16}$/)]);
    expect(new Set(ids).size).toBe(3);
  });

  it('answers a failure it did not foresee with S3\'s XML InternalError, a 500, and goes on', async () => {
    jest.spyOn(faults, 'onRequest').mockImplementationOnce(() => {
      throw new Error('injected failure');
    });

    await expect(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'request-id' }))).rejects.toMatchObject({
      name: 'InternalError',
      message: 'The sandbox failed: injected failure',
      $metadata: { httpStatusCode: 500 },
    });
    await expect(readBack(client, 'request-id')).resolves.toEqual(Buffer.from('x'));
  });

  it('answers HeadObject of a missing key with 404 NotFound', async () => {
    const error = await errorOf(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing/key' })));

    expect(error.name).toBe('NotFound');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it('injects 503 SlowDown twice on PutObject, then lets the upload through', async () => {
    faults.add([{ service: 's3', operation: 'PutObject', error: 'SlowDown', times: 2, after: 0 }]);
    const put = () => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'faults/slow.txt', Body: 'slow' }));

    const first = await errorOf(put());
    const second = await errorOf(put());
    await put();

    expect([first, second].map((error) => [error.name, error.$metadata.httpStatusCode])).toEqual([
      ['SlowDown', 503],
      ['SlowDown', 503],
    ]);
    expect((await readBack(client, 'faults/slow.txt')).toString()).toBe('slow');
  });

  it('delays a call by the planned delayMs without failing it', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'faults/delayed.txt', Body: 'late' }));
    faults.add([{ service: 's3', operation: 'GetObject', delayMs: 400, times: 1, after: 0 }]);

    const started = Date.now();
    const body = await readBack(client, 'faults/delayed.txt');

    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(body.toString()).toBe('late');
  });

  it('decodes signed aws-chunked bodies, chunk signatures and all', async () => {
    const signature = 'a'.repeat(64);
    const body = `5;chunk-signature=${signature}\r\nhello\r\n6;chunk-signature=${signature}\r\n world\r\n0;chunk-signature=${signature}\r\n\r\n`;

    const response = await rawPut(
      s3.endpoint,
      'raw/signed.txt',
      chunkedHeaders(11, { 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' }),
      body,
    );

    expect(response.status).toBe(200);
    expect((await readBack(client, 'raw/signed.txt')).toString()).toBe('hello world');
  });

  it.each([
    ['a chunk longer than its size', '3\r\nhello\r\n0\r\n\r\n', 5, 'InvalidRequest', /longer than its chunk-size/],
    ['a size line that is not hex', 'zz\r\nhello\r\n0\r\n\r\n', 5, 'InvalidRequest', /hex chunk-size/],
    ['a body cut off inside a chunk', '5\r\nhel', 5, 'IncompleteBody', /ended inside its framing/],
    ['fewer bytes than declared', '5\r\nhello\r\n0\r\n\r\n', 9, 'IncompleteBody', /decodes to 5 bytes/],
    ['more bytes than declared', '5\r\nhello\r\n0\r\n\r\n', 3, 'IncompleteBody', /more than x-amz-decoded-content-length/],
  ])('refuses an aws-chunked body with %s, and stores nothing', async (_case, body, declared, code, message) => {
    const response = await rawPut(s3.endpoint, 'raw/corrupt.txt', chunkedHeaders(declared), body);

    expect(response.status).toBe(400);
    expect(response.body).toContain(`<Code>${code}</Code>`);
    expect(response.body).toMatch(message);
    expect((await errorOf(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'raw/corrupt.txt' })))).name).toBe('NotFound');
    expect(await readdir(join(directory, 'incoming'))).toEqual([]);
  });

  it('refuses a body whose trailing checksum is wrong, leaving the object it would have replaced intact', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/kept.txt', Body: 'original' }));

    const response = await rawPut(
      s3.endpoint,
      'raw/kept.txt',
      chunkedHeaders(5, { 'x-amz-trailer': 'x-amz-checksum-crc32' }),
      '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n',
    );

    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>BadDigest</Code>');
    expect((await readBack(client, 'raw/kept.txt')).toString()).toBe('original');
  });

  it('refuses a body too large to spool in memory whose trailing checksum is wrong, and removes its spool file', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'raw/kept-large.bin', Body: 'original' }));
    const data = Buffer.alloc(2 * MiB, 'x');

    const response = await rawPut(
      s3.endpoint,
      'raw/kept-large.bin',
      chunkedHeaders(data.length, { 'x-amz-trailer': 'x-amz-checksum-crc32' }),
      Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n')]),
    );

    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>BadDigest</Code>');
    expect((await readBack(client, 'raw/kept-large.bin')).toString()).toBe('original');
    expect(await readdir(join(directory, 'incoming'))).toEqual([]);
  });

  it('aborts a multipart upload, after which its parts are refused', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart/aborted.bin' }));
    const part = { Bucket: BUCKET, Key: 'multipart/aborted.bin', UploadId, PartNumber: 1, Body: 'part' };
    await client.send(new UploadPartCommand(part));

    await client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart/aborted.bin', UploadId }));

    const error = await errorOf(client.send(new UploadPartCommand(part)));
    expect([error.name, error.$metadata.httpStatusCode]).toEqual(['NoSuchUpload', 404]);
  });

  it('refuses to complete an upload with a part ETag that does not match', async () => {
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'multipart/wrong.bin' }));
    await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'multipart/wrong.bin', UploadId, PartNumber: 1, Body: 'x' }));

    const error = await errorOf(
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: BUCKET,
          Key: 'multipart/wrong.bin',
          UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: `"${md5(Buffer.from('y'))}"` }] },
        }),
      ),
    );

    expect(error.name).toBe('InvalidPart');
    expect((await errorOf(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'multipart/wrong.bin' })))).name).toBe(
      'NotFound',
    );
  });
});
