import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { BUCKET, failureOf, type OpenS3, openS3, readObject } from './s3-harness';

/*
 * Conditional writes with If-None-Match: *: the object is created only if its key is free, and of two conditional
 * writes of one new key at once, exactly one succeeds.
 */

const MiB = 1024 * 1024;

describe('conditional writes', () => {
  let env: OpenS3;

  beforeAll(async () => {
    env = await openS3();
  });

  afterAll(() => env.close());

  const putIfAbsent = (Key: string, Body: string | Buffer) => env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, IfNoneMatch: '*' }));


  it('creates an object whose key is free, and refuses a second write with 412 PreconditionFailed, leaving the first', async () => {
    await putIfAbsent('conditional/once.txt', 'first');

    const error = await failureOf(putIfAbsent('conditional/once.txt', 'second'));

    expect({ name: error.name, status: error.$metadata.httpStatusCode }).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect((await readObject(env.client, 'conditional/once.txt')).toString()).toBe('first');
  });

  it('lets exactly one of two simultaneous conditional writes of a new key succeed, and keeps its bytes', async () => {
    const keys = Array.from({ length: 5 }, (_, i) => `conditional/race-${i}.bin`);

    const outcomes = await Promise.all(
      keys.map(async (key) => {
        const bodies = [randomBytes(2 * MiB), randomBytes(2 * MiB)];
        const results = await Promise.allSettled(bodies.map((body) => putIfAbsent(key, body)));
        const winner = results.findIndex((result) => result.status === 'fulfilled');
        const stored = await readObject(env.client, key);
        return {
          fulfilled: results.filter((result) => result.status === 'fulfilled').length,
          refused: results.map((result) => (result.status === 'rejected' ? (result.reason as { name: string }).name : undefined)).filter(Boolean),
          keepsWinner: winner >= 0 && stored.equals(bodies[winner]),
        };
      }),
    );

    expect(outcomes).toEqual(keys.map(() => ({ fulfilled: 1, refused: ['PreconditionFailed'], keepsWinner: true })));
  });

  it('completes a multipart upload only onto a free key', async () => {
    const complete = async (Key: string) => {
      const { UploadId } = await env.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key }));
      const { ETag } = await env.client.send(new UploadPartCommand({ Bucket: BUCKET, Key, UploadId, PartNumber: 1, Body: `bytes of ${Key}` }));
      return env.client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key, UploadId, IfNoneMatch: '*', MultipartUpload: { Parts: [{ PartNumber: 1, ETag }] } }));
    };
    await putIfAbsent('conditional/taken.txt', 'taken');

    const error = await failureOf(complete('conditional/taken.txt'));
    await complete('conditional/free.txt');

    expect({ name: error.name, status: error.$metadata.httpStatusCode }).toEqual({ name: 'PreconditionFailed', status: 412 });
    expect((await readObject(env.client, 'conditional/taken.txt')).toString()).toBe('taken');
    expect((await readObject(env.client, 'conditional/free.txt')).toString()).toBe('bytes of conditional/free.txt');
  });

  it('refuses an If-None-Match other than *, which it does not evaluate, rather than write unconditionally', async () => {
    const error = await failureOf(env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'conditional/etag.txt', Body: 'x', IfNoneMatch: '"abc"' })));

    expect({ name: error.name, status: error.$metadata.httpStatusCode }).toEqual({ name: 'NotImplemented', status: 501 });
  });
});
