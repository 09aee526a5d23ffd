import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable, Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32 } from 'node:zlib';
import { AwsChunkedDecoder, decodedContentLength, headerValue, isAwsChunked, withoutAwsChunked } from './aws-chunked';
import { S3RequestError } from './errors';

/*
 * A request body is spooled (in memory, or to a file if large), decoded and verified, before any of it reaches s3rver. s3rver
 * writes objects in place, so a body that fails half-way (bad framing, a wrong checksum, a client that hangs
 * up) would otherwise replace the object with a truncated one: S3 is all or nothing.
 */

interface Digest {
  update(chunk: Buffer): void;
  /** base64, as the x-amz-checksum-* headers and Content-MD5 carry it */
  digest(): string;
}

function hashDigest(algorithm: string): Digest {
  const hash = createHash(algorithm);
  return { update: (chunk) => hash.update(chunk), digest: () => hash.digest('base64') };
}

function crc32Digest(): Digest {
  let value = 0;
  return {
    update: (chunk) => {
      value = crc32(chunk, value);
    },
    digest: () => {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32BE(value >>> 0);
      return bytes.toString('base64');
    },
  };
}

/** The checksums verified on arrival; CRC32C and CRC64NVME pass unverified (Node has no built-in for them). */
const DIGESTS: Readonly<Record<string, { label: string; create: () => Digest }>> = {
  'x-amz-checksum-crc32': { label: 'CRC32', create: crc32Digest },
  'x-amz-checksum-sha1': { label: 'SHA1', create: () => hashDigest('sha1') },
  'x-amz-checksum-sha256': { label: 'SHA256', create: () => hashDigest('sha256') },
  'content-md5': { label: 'Content-MD5', create: () => hashDigest('md5') },
};

class BodyDigests extends Transform {
  readonly digests: ReadonlyMap<string, Digest>;

  constructor(names: readonly string[]) {
    super();
    this.digests = new Map(names.filter((name) => name in DIGESTS).map((name) => [name, DIGESTS[name].create()]));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    for (const digest of this.digests.values()) digest.update(chunk);
    callback(null, chunk);
  }
}

export interface SpooledBody {
  /** The object's bytes, framing removed. */
  readonly length: number;
  /** The request's headers as s3rver should see them: plain, with the decoded length. */
  readonly headers: IncomingHttpHeaders;
  /** The bytes, from the first. */
  read(): Readable;
  /** Frees the spool; the body cannot be read after. */
  discard(): Promise<void>;
}

/**
 * A body up to this size is spooled in memory. Creating and removing a spool file costs more than the bytes on
 * most PUTs (a generated asset is a few KB); multipart parts, 5 MiB and up, go to disk.
 */
const MEMORY_SPOOL_BYTES = 1024 * 1024;

/** Where a body's bytes wait: memory for a body announced small, else `file`. */
function spoolFor(announcedLength: number, file: string) {
  if (announcedLength <= MEMORY_SPOOL_BYTES) {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    return {
      sink,
      settled: Promise.resolve(),
      read: () => Readable.from([Buffer.concat(chunks)], { objectMode: false }),
      discard: async () => {
        chunks.length = 0;
      },
    };
  }
  const sink = createWriteStream(file);
  return {
    sink,
    // The spool file opens asynchronously: once it has closed, a removal cannot be followed by its reappearance.
    settled: sink.closed ? Promise.resolve() : new Promise<void>((resolve) => sink.once('close', () => resolve())),
    read: () => createReadStream(file),
    discard: () => rm(file, { force: true }),
  };
}

/**
 * Spools the request's body, decoded from aws-chunked if need be, and checks its length and checksums; a large
 * body is written to `file`. On failure, nothing is left behind.
 */
export async function spoolBody(request: IncomingMessage, file: string): Promise<SpooledBody> {
  const { headers } = request;
  const chunked = isAwsChunked(headers);
  const decoder = chunked ? new AwsChunkedDecoder(decodedContentLength(headers)) : undefined;
  const announcedTrailers = (headerValue(headers, 'x-amz-trailer') ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const digests = new BodyDigests([...Object.keys(headers), ...announcedTrailers]);
  let length = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      length += chunk.length;
      callback(null, chunk);
    },
  });
  // Without a length (a plain chunked transfer), the size is unknown: to disk.
  const announced = chunked ? decodedContentLength(headers) : Number(headers['content-length'] ?? Infinity);
  const spool = spoolFor(Number.isFinite(announced) ? announced : Infinity, file);
  try {
    await pipeline([request, ...(decoder ? [decoder] : []), digests, counter, spool.sink]);
    const plainHeaders = decoder === undefined ? checkPlain(digests, headers) : checkDecoded(decoder, digests, headers, length, announcedTrailers);
    return { length, headers: plainHeaders, read: spool.read, discard: spool.discard };
  } catch (error) {
    await spool.settled;
    await spool.discard();
    if (error instanceof S3RequestError) throw error;
    throw new S3RequestError(
      'IncompleteBody',
      400,
      `The request body ended early, after ${length} bytes: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function checkPlain(digests: BodyDigests, headers: IncomingHttpHeaders): IncomingHttpHeaders {
  verifyDigests(digests, (name) => headerValue(headers, name));
  return headers;
}

function checkDecoded(
  decoder: AwsChunkedDecoder,
  digests: BodyDigests,
  headers: IncomingHttpHeaders,
  length: number,
  announcedTrailers: readonly string[],
): IncomingHttpHeaders {
  if (length !== decoder.decodedBytes || length !== decodedContentLength(headers)) {
    throw new S3RequestError(
      'IncompleteBody',
      400,
      `The aws-chunked body decodes to ${length} bytes, but x-amz-decoded-content-length is ${decodedContentLength(headers)}.`,
    );
  }
  const missing = announcedTrailers.find((name) => !decoder.trailers.has(name));
  if (missing !== undefined) {
    throw new S3RequestError('IncompleteBody', 400, `x-amz-trailer announces ${missing}, but the body ends without it.`);
  }
  verifyDigests(digests, (name) => decoder.trailers.get(name) ?? headerValue(headers, name));
  return withoutAwsChunked(headers, length);
}

function verifyDigests(digests: BodyDigests, expected: (name: string) => string | undefined): void {
  for (const [name, digest] of digests.digests) {
    const declared = expected(name);
    if (declared === undefined) continue;
    const actual = digest.digest();
    if (actual !== declared) {
      throw new S3RequestError(
        'BadDigest',
        400,
        `The ${DIGESTS[name].label} you specified (${declared}) did not match the calculated checksum (${actual}).`,
      );
    }
  }
}
