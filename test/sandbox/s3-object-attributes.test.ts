import { GetObjectAttributesCommand, type ObjectAttributes, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { BUCKET, failureOf, type OpenS3, openS3 } from './s3-harness';

/*
 * GetObjectAttributes answers with the attributes asked for, not the object's bytes (which the SDK cannot read as
 * a GetObjectAttributesResponse).
 */

const BODY = 'attribute source\n';

describe('GetObjectAttributes', () => {
  let env: OpenS3;

  beforeAll(async () => {
    env = await openS3();
    await env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'attributes/object.txt', Body: BODY }));
  });

  afterAll(() => env.close());

  const attributesOf = (Key: string, ObjectAttributes: ObjectAttributes[], Bucket = BUCKET) =>
    env.client.send(new GetObjectAttributesCommand({ Bucket, Key, ObjectAttributes }));

  it('answers the ETag (unquoted), size and storage class, with the object\'s Last-Modified', async () => {
    const attributes = await attributesOf('attributes/object.txt', ['ETag', 'ObjectSize', 'StorageClass']);

    expect(attributes).toMatchObject({
      ETag: createHash('md5').update(BODY).digest('hex'),
      ObjectSize: Buffer.byteLength(BODY),
      StorageClass: 'STANDARD',
      LastModified: expect.any(Date),
    });
  });

  it('answers only the attributes asked for', async () => {
    const attributes = await attributesOf('attributes/object.txt', ['ObjectSize']);

    expect(attributes).toMatchObject({ ObjectSize: Buffer.byteLength(BODY) });
    expect(attributes).not.toHaveProperty('ETag');
    expect(attributes).not.toHaveProperty('StorageClass');
  });

  it.each<[string, () => Promise<unknown>, string, number]>([
    ['a key that does not exist', () => attributesOf('attributes/missing.txt', ['ETag']), 'NoSuchKey', 404],
    ['a bucket that does not exist', () => attributesOf('attributes/object.txt', ['ETag'], 'no-such-bucket'), 'NoSuchBucket', 404],
    ['an attribute S3 does not have', () => attributesOf('attributes/object.txt', ['Colour' as ObjectAttributes]), 'InvalidArgument', 400],
  ])('refuses %s', async (_case, call, name, status) => {
    const error = await failureOf(call());

    expect({ name: error.name, status: error.$metadata.httpStatusCode }).toEqual({ name, status });
  });
});
