import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
    HeadObjectCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
  type UploadPartCopyCommandInput,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { BUCKET, failureOf, type OpenS3, openS3, readObject } from './s3-harness';

/*
 * UploadPartCopy, as `aws s3 cp s3://… s3://…` uses it for an object of 8 MiB and more: each part is a byte range
 * of the source, and the completed object is the source's bytes with S3's multipart ETag.
 */

const MiB = 1024 * 1024;
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest();

describe('UploadPartCopy', () => {
  let env: OpenS3;
  const source = randomBytes(9 * MiB + 123);

  beforeAll(async () => {
    env = await openS3();
    await env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big/source.bin', Body: source }));
  });

  afterAll(() => env.close());

  async function newUpload(key: string) {
    const { UploadId } = await env.client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }));
    return { Bucket: BUCKET, Key: key, UploadId };
  }


  it('copies a 9 MiB object in two ranged parts, byte for byte, with the multipart ETag of those parts', async () => {
    const upload = await newUpload('big/copy.bin');
    const ranges = [`bytes=0-${5 * MiB - 1}`, `bytes=${5 * MiB}-${source.length - 1}`];

    const parts = await Promise.all(
      ranges.map((range, index) => env.client.send(new UploadPartCopyCommand({ ...upload, PartNumber: index + 1, CopySource: `${BUCKET}/big/source.bin`, CopySourceRange: range }))),
    );
    await env.client.send(
      new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: parts.map((part, index) => ({ PartNumber: index + 1, ETag: part.CopyPartResult?.ETag })) } }),
    );

    const halves = [source.subarray(0, 5 * MiB), source.subarray(5 * MiB)];
    expect(parts.map((part) => part.CopyPartResult?.ETag)).toEqual(halves.map((half) => `"${md5(half).toString('hex')}"`));
    expect(parts.map((part) => part.CopyPartResult?.LastModified)).toEqual([expect.any(Date), expect.any(Date)]);
    expect((await readObject(env.client, 'big/copy.bin')).equals(source)).toBe(true);
    const { ETag } = await env.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'big/copy.bin' }));
    expect(ETag).toBe(`"${md5(Buffer.concat(halves.map(md5))).toString('hex')}-2"`);
  });

  it('copies the whole source when no range is given, the key URL-encoded', async () => {
    const key = 'small/a key+plus.txt';
    await env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: 'whole source' }));
    const upload = await newUpload('small/copy.txt');

    const part = await env.client.send(new UploadPartCopyCommand({ ...upload, PartNumber: 1, CopySource: `/${BUCKET}/${encodeURIComponent(key)}` }));
    await env.client.send(new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.CopyPartResult?.ETag }] } }));

    expect((await readObject(env.client, 'small/copy.txt')).toString()).toBe('whole source');
  });

  it.each<[string, Partial<UploadPartCopyCommandInput>, string, number]>([
    ['a range past the end of the source', { CopySourceRange: `bytes=0-${9 * MiB + 123}` }, 'InvalidArgument', 400],
    ['a range whose first byte is after its last', { CopySourceRange: 'bytes=10-9' }, 'InvalidArgument', 400],
    ['a range not of the form bytes=first-last', { CopySourceRange: 'bytes=0-' }, 'InvalidArgument', 400],
    ['a copy source without a key', { CopySource: BUCKET }, 'InvalidArgument', 400],
    ['a source key that does not exist', { CopySource: `${BUCKET}/big/missing.bin` }, 'NoSuchKey', 404],
    ['a source bucket that does not exist', { CopySource: 'no-such-bucket/big/source.bin' }, 'NoSuchBucket', 404],
    ['a source bucket name S3 would refuse', { CopySource: '../dx-flow-sandbox-data/big/source.bin' }, 'InvalidBucketName', 400],
    ['an upload that does not exist', { UploadId: 'deadbeef' }, 'NoSuchUpload', 404],
  ])('refuses %s as S3 does', async (_case, change, name, status) => {
    const upload = await newUpload('big/refused.bin');

    const error = await failureOf(env.client.send(new UploadPartCopyCommand({ ...upload, PartNumber: 1, CopySource: `${BUCKET}/big/source.bin`, ...change })));

    expect({ name: error.name, status: error.$metadata.httpStatusCode }).toEqual({ name, status });
  });
});
