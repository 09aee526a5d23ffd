import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import * as path from 'node:path';
import type S3rver from 's3rver';
import S3Object from 's3rver/lib/models/object';
import { DamagedStateFileError, readStateFile, temporaryFor } from '../persist';

/*
 * How s3rver's store writes and reads an object's three files (`._S3rver_object`, `._S3rver_object.md5`,
 * `._S3rver_metadata.json`), made safe against a crash. s3rver 3.7.1 writes each in place, so a crash could leave
 * one cut short, and a cut metadata file then failed every listing of its bucket (the sandbox's start lists it).
 *
 * - Each file is written whole beside its target and renamed over it: a killed sandbox leaves the old file or the
 *   new, never a part. Unlike the services' state files (../persist.ts), nothing is flushed to the disk first: the
 *   page cache outlives a killed process, and a flush per file would cost every upload several disk syncs (about
 *   10 ms each here), which a 1,000-asset run would pay a thousand times over. A power loss is not guarded against.
 * - The three cannot change together; the order keeps the ETag true: an object's md5 file goes before its new
 *   bytes land, and is written after, so a crash between leaves none, and the next read computes it from the
 *   bytes there. What such a crash can leave is the previous version's metadata (Content-Type, x-amz-meta-*).
 * - A metadata file that is damaged all the same (from a sandbox before this) is read as none: the object keeps
 *   its bytes, ETag and size, and a warning names the file once; the object's next put writes it again.
 * - An md5 file that holds no ETag is computed again from the bytes.
 * - Written so: putObject (and so a multipart completion, which calls it) and copyObject, which streams the
 *   source's bytes through the same write as a put's body. A copy's ETag is the MD5 of the bytes it copied, even of
 *   a multipart object: S3's API reference (the Object type's ETag) says objects created by PUT, POST or the Copy
 *   operation, unencrypted or SSE-S3, have an MD5 digest of their data as ETag. s3rver copied the source's md5 file,
 *   and failed on a source a crash had left without one.
 */

/** The part of s3rver's FilesystemStore replaced here. */
type ObjectStore = Pick<S3rver['store'], 'getResourcePath' | 'getMetadata' | 'putMetadata' | 'putObject' | 'copyObject'>;

/** An MD5 in hex, or a multipart upload's `<md5>-<parts>`. */
const STORED_ETAG = /^[0-9a-f]{32}(-\d+)?$/;

/** The headers s3rver keeps of a PUT: those S3 stores with an object, and the user's x-amz-meta-*. */
function storedHeaders(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(metadata).filter(([name]) => S3Object.ALLOWED_METADATA.includes(name) || name.startsWith('x-amz-meta-')));
}

async function readFileIfAny(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
}

async function md5Of(file: string): Promise<string> {
  const md5 = createHash('md5');
  for await (const chunk of createReadStream(file)) md5.update(chunk as Buffer);
  return md5.digest('hex');
}

/** Replaces `file` with `data` whole: written beside it, then renamed over it. */
async function replaceFile(file: string, data: string): Promise<void> {
  const temporary = temporaryFor(file);
  try {
    await writeFile(temporary, data, { flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Writes `content` whole beside `file` and, after `beforeRename`, renames it over it; returns its size and MD5. */
async function writeObjectAtomic(file: string, content: Buffer | Readable, beforeRename: () => Promise<void>): Promise<{ size: number; md5: string }> {
  const temporary = temporaryFor(file);
  const md5 = createHash('md5');
  let size = 0;
  try {
    const handle = await open(temporary, 'wx');
    try {
      for await (const chunk of Buffer.isBuffer(content) ? [content] : content) {
        const bytes = chunk as Buffer;
        md5.update(bytes);
        size += bytes.length;
        // writeFile writes the whole chunk, at the handle's position, where write() may write a part.
        await handle.writeFile(bytes);
      }
    } finally {
      await handle.close();
    }
    await beforeRename();
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { size, md5: md5.digest('hex') };
}

/** Replaces the store's writes of an object's files with atomic ones, and its reads with ones a damaged file does not stop. */
export function useAtomicObjectWrites(store: ObjectStore): void {
  const warned = new Set<string>();

  const readStoredHeaders = async (file: string): Promise<Record<string, string> | undefined> => {
    try {
      return await readStateFile(file, (json) => {
        if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('it is not a JSON object');
        return json as Record<string, string>;
      });
    } catch (error) {
      if (!(error instanceof DamagedStateFileError)) throw error;
      if (!warned.has(file)) process.emitWarning(`${error.message} The object is served without its stored headers until it is put again.`);
      warned.add(file);
      return undefined;
    }
  };

  const readEtag = async (objectFile: string): Promise<string> => {
    const stored = await readFileIfAny(`${objectFile}.md5`);
    if (stored !== undefined && STORED_ETAG.test(stored)) return stored;
    const md5 = await md5Of(objectFile);
    await replaceFile(`${objectFile}.md5`, md5);
    return md5;
  };

  store.getMetadata = async (bucket, key) => {
    const objectFile = store.getResourcePath(bucket, key, 'object');
    // Fails with ENOENT when there is no such object, which s3rver's callers expect.
    const stats = await stat(objectFile);
    const [headers, md5] = await Promise.all([readStoredHeaders(store.getResourcePath(bucket, key, 'metadata.json')), readEtag(objectFile)]);
    return { ...headers, etag: JSON.stringify(md5), 'last-modified': stats.mtime.toUTCString(), 'content-length': stats.size };
  };

  store.putMetadata = async (bucket, key, metadata, md5) => {
    if (md5 !== undefined) await replaceFile(store.getResourcePath(bucket, key, 'object.md5'), md5);
    await replaceFile(store.getResourcePath(bucket, key, 'metadata.json'), JSON.stringify(storedHeaders(metadata), null, 2));
  };

  /** Writes an object's bytes as this module's header says: whole, its md5 file gone before they land. */
  const writeObjectBytes = async (bucket: string, key: string, content: Buffer | Readable): Promise<{ size: number; md5: string }> => {
    const objectFile = store.getResourcePath(bucket, key, 'object');
    await mkdir(path.dirname(objectFile), { recursive: true });
    return writeObjectAtomic(objectFile, content, () => rm(`${objectFile}.md5`, { force: true }));
  };

  store.putObject = async (object) => {
    const written = await writeObjectBytes(object.bucket, object.key, object.content);
    await store.putMetadata(object.bucket, object.key, object.metadata, written.md5);
    return written;
  };

  store.copyObject = async (srcBucket, srcKey, destBucket, destKey, replacementMetadata) => {
    const sourceFile = store.getResourcePath(srcBucket, srcKey, 'object');
    // An object copied onto itself keeps its bytes and ETag, as in s3rver; only its headers are replaced.
    if (sourceFile === store.getResourcePath(destBucket, destKey, 'object')) {
      if (replacementMetadata) await store.putMetadata(destBucket, destKey, replacementMetadata);
      return store.getMetadata(destBucket, destKey);
    }
    const headers = replacementMetadata ?? (await readStoredHeaders(store.getResourcePath(srcBucket, srcKey, 'metadata.json'))) ?? {};
    const bytes = createReadStream(sourceFile);
    // A write that fails before it reads the source would leave the source's file open.
    const written = await writeObjectBytes(destBucket, destKey, bytes).finally(() => bytes.destroy());
    await store.putMetadata(destBucket, destKey, headers, written.md5);
    return store.getMetadata(destBucket, destKey);
  };
}
