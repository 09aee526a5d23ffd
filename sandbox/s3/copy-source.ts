import { S3RequestError } from './errors';
import { checkBucketName, decodedKey } from './operations';
import type { ByteRange, ObjectName } from './stored-object';

/*
 * What an UploadPartCopy copies, read from its headers as S3 reads them
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_UploadPartCopy.html#API_UploadPartCopy_RequestSyntax).
 */

/**
 * `x-amz-copy-source`: `[/]<bucket>/<key>`, the key URL-encoded, and perhaps `?versionId=<id>`, which the sandbox
 * passes over: it keeps one version of each object.
 */
export function copySourceOf(header: string | undefined): ObjectName {
  const [path] = (header ?? '').split('?');
  const [bucket, ...keyParts] = path.replace(/^\//, '').split('/');
  const key = keyParts.join('/');
  if (bucket === '' || key === '') {
    throw new S3RequestError('InvalidArgument', 400, 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  }
  checkBucketName(bucket);
  return { bucket, key: decodedKey(key) };
}

const RANGE = /^bytes=(\d+)-(\d+)$/;

/**
 * `x-amz-copy-source-range: bytes=<first>-<last>`, zero-based offsets of the first and last bytes to copy, within
 * a source of `size` bytes; without it, the whole source.
 */
export function copyRangeOf(header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined;
  const match = RANGE.exec(header.trim());
  if (match === null) {
    throw new S3RequestError(
      'InvalidArgument',
      400,
      'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy',
    );
  }
  const [start, end] = [Number(match[1]), Number(match[2])];
  if (start > end || end >= size) throw new S3RequestError('InvalidArgument', 400, `Range specified is not valid for source object of size: ${size}`);
  return { start, end };
}
