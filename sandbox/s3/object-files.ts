import { constants } from 'node:fs';
import { copyFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { NoSuchBucket, NoSuchKey, NotFound } from '@aws-sdk/client-s3';
import type S3rver from 's3rver';

/*
 * The objects s3rver keeps, read in-process by the emulators that run beside it. A Data Exchange import copies a
 * source with one kernel copy, where a GetObject costs a signed request, the proxy, s3rver's metadata reads and a
 * stream through this process. Failures are the SDK's own, as GetObject and HeadObject throw them.
 */

export interface ObjectAddress {
  readonly Bucket: string;
  readonly Key: string;
}

type Operation = 'GetObject' | 'HeadObject';

/** The errors a read of a missing object's file fails with: no such file, or a folder where it would be. */
export const NOT_FOUND_CODES: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR', 'EISDIR']);

/** Whether `path` is `directory` itself or lies outside it. */
function outside(directory: string, path: string): boolean {
  const inner = relative(directory, path);
  return inner === '' || inner.split(sep)[0] === '..' || isAbsolute(inner);
}

export class ObjectFiles {
  constructor(private readonly store: S3rver['store']) {}

  /** Copies the object's bytes to `file`, a file of its own: a later overwrite or delete of the object leaves it as it is. */
  async copyTo(object: ObjectAddress, file: string): Promise<void> {
    // FICLONE shares blocks copy-on-write where the file system can, and falls back to a plain copy elsewhere.
    await this.onObjectFile(object, 'GetObject', (path) => copyFile(path, file, constants.COPYFILE_FICLONE));
  }

  /** Fails as copyTo would, and reads no bytes. */
  async check(object: ObjectAddress): Promise<void> {
    await this.onObjectFile(object, 'HeadObject', async (path) => {
      if (!(await stat(path)).isFile()) throw await this.notFound(object, 'HeadObject');
    });
  }

  private async onObjectFile(object: ObjectAddress, operation: Operation, use: (path: string) => Promise<void>): Promise<void> {
    const bucketPath = this.store.getBucketPath(object.Bucket);
    const path = this.store.getResourcePath(object.Bucket, object.Key, 'object');
    // A name of `..` segments would reach a file outside the bucket; S3 has no such object.
    if (outside(this.store.rootDirectory, bucketPath) || outside(bucketPath, path)) throw await this.notFound(object, operation);
    try {
      await use(path);
    } catch (error) {
      if (!NOT_FOUND_CODES.has((error as NodeJS.ErrnoException).code ?? '')) throw error;
      throw await this.notFound(object, operation);
    }
  }

  private async notFound(object: ObjectAddress, operation: Operation): Promise<Error> {
    const $metadata = { httpStatusCode: 404 };
    // HEAD answers carry no body, so the SDK knows only the status, for a bucket as for a key.
    if (operation === 'HeadObject') return new NotFound({ message: 'NotFound', $metadata });
    const bucketPath = this.store.getBucketPath(object.Bucket);
    const bucketExists = !outside(this.store.rootDirectory, bucketPath) && (await stat(bucketPath).then((found) => found.isDirectory(), () => false));
    return bucketExists
      ? new NoSuchKey({ message: 'The specified key does not exist.', $metadata })
      : new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata });
  }
}
