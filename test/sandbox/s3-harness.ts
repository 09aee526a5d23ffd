import { CreateBucketCommand, GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from '../../sandbox/accounts';
import { FaultInjector } from '../../sandbox/faults';
import { type RunningS3, startS3 } from '../../sandbox/s3/server';

/** The bucket every S3 suite writes to. */
export const BUCKET = 'dx-flow-sandbox-data';

export interface OpenS3 {
  readonly s3: RunningS3;
  /** Signs as the provider, path-style, and tries each call once. */
  readonly client: S3Client;
  close(): Promise<void>;
}

/** The sandbox's S3 alone, in `directory` (a fresh one by default, removed on close), with BUCKET created. */
export async function openS3(directory?: string): Promise<OpenS3> {
  const owned = directory === undefined ? await mkdtemp(join(tmpdir(), 'dx-flow-s3-')) : undefined;
  directory ??= owned as string;
  const s3 = await startS3({ directory, faults: new FaultInjector() });
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: SANDBOX_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: PROVIDER_ACCOUNT.accessKeyId, secretAccessKey: PROVIDER_ACCOUNT.secretAccessKey },
    maxAttempts: 1,
  });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  return {
    s3,
    client,
    async close() {
      client.destroy();
      await s3.close();
      if (owned !== undefined) await rm(owned, { recursive: true, force: true });
    },
  };
}

/** The error `promise` fails with; the test fails if it succeeds. */
export async function failureOf(promise: Promise<unknown>): Promise<{ name: string; $metadata: { httpStatusCode?: number } }> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: { name: string; $metadata: { httpStatusCode?: number } }) => error,
  );
}

/** The bytes of BUCKET's object `key`. */
export async function readObject(client: S3Client, key: string): Promise<Buffer> {
  const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return Buffer.from(await object.Body!.transformToByteArray());
}
