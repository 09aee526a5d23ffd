import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type S3rver from 's3rver';
import { S3RequestError } from './errors';
import { NOT_FOUND_CODES } from './object-files';

/*
 * An object read straight from s3rver's store by the operations the proxy answers itself (UploadPartCopy,
 * GetObjectAttributes): s3rver has neither. A missing bucket or key fails as S3 fails it.
 */

export interface ObjectName {
  readonly bucket: string;
  readonly key: string;
}

/** Zero-based offsets of the first and the last byte, as an HTTP range names them. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface StoredObject {
  readonly size: number;
  /** The ETag without its quotes: the MD5, or S3's `<md5 of the parts' md5s>-<parts>` for a multipart object. */
  readonly etag: string;
  readonly lastModified: Date;
  /** The object's bytes, or those of `range`. */
  read(range?: ByteRange): Readable;
}

export async function storedObject(store: S3rver['store'], { bucket, key }: ObjectName): Promise<StoredObject> {
  if ((await store.getBucket(bucket)) === null) throw new S3RequestError('NoSuchBucket', 404, 'The specified bucket does not exist');
  const metadata = await store.getMetadata(bucket, key).catch((error: NodeJS.ErrnoException) => {
    if (NOT_FOUND_CODES.has(error.code ?? '')) throw new S3RequestError('NoSuchKey', 404, 'The specified key does not exist.');
    throw error;
  });
  const file = store.getResourcePath(bucket, key, 'object');
  return {
    size: Number(metadata['content-length']),
    etag: metadata.etag.replace(/"/g, ''),
    lastModified: new Date(metadata['last-modified']),
    read: (range) => createReadStream(file, range),
  };
}
