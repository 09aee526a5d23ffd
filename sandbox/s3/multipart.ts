import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type S3rver from 's3rver';
import { writeFileAtomic } from '../persist';
import { S3RequestError } from './errors';

/*
 * What s3rver 3.7.1 gets wrong about multipart uploads, put right beside it:
 * - it accepts parts for an upload that does not exist, and any part list on completion;
 * - it has no AbortMultipartUpload, and no UploadPartCopy;
 * - its object ETag is the MD5 of the whole object, where S3's is the MD5 of the parts' MD5s plus `-<parts>`.
 * s3rver keeps each part as `<uploads dir>/<uploadId>/<partNumber>` next to `<partNumber>.md5`, and an
 * object's ETag in `<object>.md5`, which every later HEAD, GET and List reads.
 */

const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PART_NUMBER = 10_000;

interface CompletedPart {
  readonly partNumber: number;
  readonly etag: string;
}

function parseCompleteRequest(xml: string): CompletedPart[] {
  const parts = [...xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map(([, part]) => ({
    partNumber: Number(/<PartNumber>\s*(\d+)\s*<\/PartNumber>/.exec(part)?.[1]),
    etag: (/<ETag>([\s\S]*?)<\/ETag>/.exec(part)?.[1] ?? '').replace(/&quot;|&#34;|"/g, '').trim(),
  }));
  if (parts.length === 0 || parts.some((part) => !Number.isInteger(part.partNumber) || part.etag === '')) {
    throw new S3RequestError(
      'MalformedXML',
      400,
      'The XML you provided was not well-formed or did not validate against our published schema.',
    );
  }
  return parts;
}

export class MultipartUploads {
  constructor(private readonly store: S3rver['store']) {}

  /** Fails unless `uploadId` names an upload in progress in `bucket`. */
  async directoryOf(bucket: string, uploadId: string | null): Promise<string> {
    // s3rver's ids are hex; anything else could walk out of the uploads directory.
    const directory = uploadId !== null && /^[0-9a-f]{1,64}$/.test(uploadId)
      ? join(this.store.getResourcePath(bucket, undefined, 'uploads'), uploadId)
      : undefined;
    const exists = directory !== undefined && (await stat(join(directory, 'key')).then(() => true, () => false));
    if (!exists) {
      throw new S3RequestError(
        'NoSuchUpload',
        404,
        'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
      );
    }
    return directory;
  }

  /** Fails unless the query names an upload in progress and a part number S3 takes; returns the part's file. */
  async checkPart(bucket: string, query: URLSearchParams): Promise<string> {
    const directory = await this.directoryOf(bucket, query.get('uploadId'));
    const partNumber = Number(query.get('partNumber'));
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
      throw new S3RequestError(
        'InvalidArgument',
        400,
        `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive.`,
      );
    }
    return join(directory, String(partNumber));
  }

  /** Stores `bytes` as the part kept in `file` (from checkPart), as s3rver stores an uploaded one; UploadPartCopy's part. */
  async storePart(file: string, bytes: Readable): Promise<{ etag: string; lastModified: Date }> {
    const md5 = createHash('md5');
    const digest = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        md5.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(bytes, digest, createWriteStream(file));
    const etag = md5.digest('hex');
    await writeFileAtomic(`${file}.md5`, etag);
    return { etag, lastModified: (await stat(file)).mtime };
  }

  async abort(bucket: string, uploadId: string | null): Promise<void> {
    await rm(await this.directoryOf(bucket, uploadId), { recursive: true, force: true });
  }

  /** Checks the part list of a CompleteMultipartUpload as S3 does, and returns the object's S3 ETag. */
  async etagOfCompletion(bucket: string, uploadId: string | null, requestXml: string): Promise<string> {
    const directory = await this.directoryOf(bucket, uploadId);
    const parts = parseCompleteRequest(requestXml);
    const digests: Buffer[] = [];
    for (const [index, part] of parts.entries()) {
      if (index > 0 && part.partNumber <= parts[index - 1].partNumber) {
        throw new S3RequestError('InvalidPartOrder', 400, 'The list of parts was not in ascending order.');
      }
      const file = join(directory, String(part.partNumber));
      const stored = await readFile(`${file}.md5`, 'utf8').catch(() => undefined);
      if (stored !== part.etag) {
        throw new S3RequestError(
          'InvalidPart',
          400,
          `One or more of the specified parts could not be found, or its ETag did not match: part ${part.partNumber}.`,
        );
      }
      if (index < parts.length - 1 && (await stat(file)).size < MIN_PART_BYTES) {
        throw new S3RequestError(
          'EntityTooSmall',
          400,
          `Your proposed upload is smaller than the minimum allowed size: part ${part.partNumber} is under 5 MiB.`,
        );
      }
      digests.push(Buffer.from(stored, 'hex'));
    }
    return `${createHash('md5').update(Buffer.concat(digests)).digest('hex')}-${parts.length}`;
  }

  /** Makes `etag` the one every later HEAD, GET, List and Copy of the object reports. */
  async recordEtag(bucket: string, key: string, etag: string): Promise<void> {
    await writeFileAtomic(this.store.getResourcePath(bucket, key, 'object.md5'), etag);
  }
}
