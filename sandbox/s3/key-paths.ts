import { readdir, rmdir, unlink } from 'node:fs/promises';
import * as path from 'node:path';

/*
 * How an S3 key becomes a path under its bucket's folder in s3rver's store.
 *
 * S3 keys are opaque strings of up to 1,024 bytes of UTF-8, in which `/` and `.` mean nothing
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html). s3rver 3.7.1 joins a key's
 * segments onto the bucket's folder as they are, so a key holding `../` wrote outside the sandbox, `a//b` and
 * `a/b` were one file, and a segment over the file system's 255-byte name limit ended the process with
 * ENAMETOOLONG. Here every key gets a path of its own inside its bucket's folder:
 * - `&` is escaped (`&26`), so the encoding reverses;
 * - a segment of dots only (`.`, `..`) has its dots escaped (`&2e`);
 * - an empty segment other than the last (`a//b`, `/a`) becomes `&_`; the last stays empty, so the prefix
 *   `a/` still encodes to the start of every key under it, which s3rver's listing relies on;
 * - a segment over 200 bytes goes on in a sub-folder after `&+`, cut at the same places in every key that
 *   starts the same way, so a prefix still encodes to the start of the keys it names.
 * What the sandbox does not match: a listing under a prefix whose last segment is dots only (`a/.`) misses
 * keys whose segment only starts with those dots, and keys that differ by an escaped character may list in
 * a slightly different order than S3's byte order.
 */

/** Leaves room under 255 bytes for s3rver's `._S3rver_metadata.json` suffix. */
const MAX_SEGMENT_BYTES = 200;
const CONTINUED = '&+';
const EMPTY = '&_';

const escapeByte = (character: string) => `&${character.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** The segment's characters, an escape counting as one, cut into pieces of at most MAX_SEGMENT_BYTES. */
function cut(segment: string): string[] {
  const pieces: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const unit of segment.match(/&[0-9a-f]{2}|&_|[\s\S]/gu) ?? []) {
    const size = Buffer.byteLength(unit);
    if (bytes + size > MAX_SEGMENT_BYTES) {
      pieces.push(piece);
      piece = '';
      bytes = 0;
    }
    piece += unit;
    bytes += size;
  }
  return [...pieces, piece];
}

export function encodeKeyPath(key: string): string {
  const segments = key.split('/');
  return segments
    .map((segment, index) => {
      if (segment === '') return index === segments.length - 1 ? '' : EMPTY;
      const escaped = /^\.+$/.test(segment) ? segment.replace(/\./g, escapeByte) : segment.replace(/&/g, escapeByte);
      return cut(escaped).join(`${CONTINUED}/`);
    })
    .join('/');
}

export function decodeKeyPath(keyPath: string): string {
  return keyPath
    .split(`${CONTINUED}/`)
    .join('')
    .split('/')
    .map((segment) => (segment === EMPTY ? '' : segment.replace(/&([0-9a-f]{2})/g, (_escape, hex: string) => String.fromCharCode(parseInt(hex, 16)))))
    .join('/');
}

/** The folders an object's files sit in, innermost first, up to (not including) the bucket's folder. */
function foldersOf(bucketPath: string, objectPath: string): string[] {
  const folders: string[] = [];
  for (let folder = path.dirname(objectPath); folder.startsWith(`${bucketPath}${path.sep}`); folder = path.dirname(folder)) folders.push(folder);
  return folders;
}

interface KeyPathStore {
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  deleteObject(bucket: string, key: string): Promise<void>;
}

/**
 * Points s3rver's store at this encoding. Its store class reads the key encoding from two static methods,
 * which it calls for every path and listing; its deleteObject cleans up emptied folders from the raw key's
 * segments, so it gets one that walks up from the object's encoded path instead.
 */
export function useKeyPaths(store: KeyPathStore & { constructor: unknown }): void {
  Object.assign(store.constructor as object, { encodeKeyPath, decodeKeyPath });
  store.deleteObject = async (bucket, key) => {
    const files = ['object', 'object.md5', 'metadata.json'].map((resource) => store.getResourcePath(bucket, key, resource));
    await Promise.all(files.map((file) => unlink(file).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)))));
    for (const folder of foldersOf(store.getBucketPath(bucket), files[0])) {
      const left = await readdir(folder).catch(() => undefined);
      if (left === undefined || left.length > 0) break;
      await rmdir(folder).catch(() => undefined);
    }
  };
}
