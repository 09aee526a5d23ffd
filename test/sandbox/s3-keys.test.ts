import { DeleteObjectCommand, GetObjectCommand, paginateListObjectsV2, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { decodeKeyPath, encodeKeyPath } from '../../sandbox/s3/key-paths';
import type { RunningS3 } from '../../sandbox/s3/server';
import { BUCKET, openS3, type OpenS3 } from './s3-harness';

/*
 * S3 keys are opaque strings: whatever a key holds (`..`, `//`, percent-encodings, segments longer than a file
 * name may be), the sandbox stores it as that key inside its own directory, lists it and returns it as it was.
 */


/** Every file below `directory`, relative to it. */
function filesBelow(directory: string): string[] {
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)));
}

/** A request with its path sent exactly as written, as `curl --path-as-is` sends it. */
function rawRequest(endpoint: string, method: string, rawPath: string, body?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const { hostname, port } = new URL(endpoint);
    const request = httpRequest({ hostname, port, method, path: rawPath }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

describe('the key encoding on disk', () => {
  const keyCharacters = fc.constantFrom('a', 'b', '/', '.', '&', '_', '+', '2', 'e', 'é', '😀');
  const keys = fc.string({ unit: keyCharacters, maxLength: 700 });

  it('gives every key back as it was', () => {
    fc.assert(fc.property(keys, (key) => decodeKeyPath(encodeKeyPath(key)) === key));
  });

  it('gives two keys two paths', () => {
    fc.assert(fc.property(keys, keys, (a, b) => a === b || encodeKeyPath(a) !== encodeKeyPath(b)));
  });

  it('makes paths that stay inside the bucket folder, in names a file system takes', () => {
    fc.assert(
      fc.property(keys, (key) => {
        const segments = encodeKeyPath(key).split('/');
        const inner = segments.slice(0, -1);
        expect(inner.filter((segment) => segment === '' || segment === '.' || segment === '..')).toEqual([]);
        expect(segments.filter((segment) => Buffer.byteLength(segment) > 230)).toEqual([]);
        expect(path.relative('/bucket', path.join('/bucket', encodeKeyPath(key), 'x._S3rver_object')).split(path.sep)[0]).not.toBe('..');
      }),
    );
  });

  it('keeps a prefix a prefix, as s3rver lists by folder', () => {
    fc.assert(
      fc.property(keys, fc.nat(), (key, cut) => {
        const prefix = key.slice(0, cut % (key.length + 1));
        fc.pre(!/(^|\/)\.+$/.test(prefix));
        return encodeKeyPath(key).startsWith(encodeKeyPath(prefix));
      }),
    );
  });
});

describe('sandbox S3 keys', () => {
  let root: string;
  let directory: string;
  let s3: RunningS3;
  let client: S3Client;
  let opened: OpenS3;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'dx-flow-s3-keys-'));
    directory = path.join(root, 'a', 'b', 'c', 'sandbox');
    mkdirSync(directory, { recursive: true });
    opened = await openS3(directory);
    ({ s3, client } = opened);
  });

  afterAll(async () => {
    await opened.close();
    rmSync(root, { recursive: true, force: true });
  });

  const listKeys = async () => {
    const keys: string[] = [];
    for await (const page of paginateListObjectsV2({ client }, { Bucket: BUCKET })) keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
    return keys;
  };

  it.each([
    ['raw', '../../../../ESCAPED-raw', '../../../../ESCAPED-raw'],
    ['percent-encoded', '%2e%2e/%2e%2e/%2e%2e/%2e%2e/ESCAPED-encoded', '../../../../ESCAPED-encoded'],
    ['mixed', '..%2F..%2f%2E./../ESCAPED-mixed', '../../../../ESCAPED-mixed'],
  ])('keeps a %s traversal key inside the sandbox, as that key', async (_form, rawKey, key) => {
    const put = await rawRequest(s3.endpoint, 'PUT', `/${BUCKET}/${rawKey}`, 'x');
    const got = await rawRequest(s3.endpoint, 'GET', `/${BUCKET}/${rawKey}`);

    expect(put.status).toBe(200);
    expect(got).toEqual({ status: 200, body: 'x' });
    expect(filesBelow(root).filter((file) => !file.startsWith(path.join('a', 'b', 'c', 'sandbox', 'buckets', BUCKET)))).toEqual([]);
    expect(await listKeys()).toContain(key);

    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));

    expect(await listKeys()).not.toContain(key);
    expect(readdirSync(path.join(directory, 'buckets'))).toContain(BUCKET);
  });

  it('stores keys that differ only in empty segments, dots or escapes apart, and lists each', async () => {
    const keys = ['a/b', 'a//b', '/a/b', 'a/./b', 'a/&2e/b', 'a/&_/b', 'a&+/b', `long/${'é'.repeat(400)}/${'x'.repeat(200)}`];
    for (const [index, key] of keys.entries()) await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: String(index) }));

    const bodies = await Promise.all(keys.map(async (key) => (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()));

    expect(bodies).toEqual(keys.map((_key, index) => String(index)));
    expect(await listKeys()).toEqual(expect.arrayContaining(keys));
  });

  it.each([
    ['a key over 1,024 bytes', `/${BUCKET}/${'k'.repeat(1025)}`, 'KeyTooLongError'],
    ['a bucket name that is a path', '/../x', 'InvalidBucketName'],
    ['an encoded bucket name', '/%2e%2e/x', 'InvalidBucketName'],
    ['a malformed percent-encoding', `/${BUCKET}/a%zz`, 'InvalidURI'],
  ])('refuses %s with S3 XML and goes on serving', async (_what, rawPath, code) => {
    const refused = await rawRequest(s3.endpoint, 'PUT', rawPath, 'x');
    const next = await rawRequest(s3.endpoint, 'PUT', `/${BUCKET}/after-refusal`, 'y');

    expect(refused.status).toBe(400);
    expect(refused.body).toContain(`<Code>${code}</Code>`);
    expect(next.status).toBe(200);
  });
});
