import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectAttributesCommand,
  GetObjectTaggingCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { recordRawBodies } from './raw-bodies';
import { BUCKET, type OpenS3, openS3 } from './s3-harness';

/*
 * Every XML document the sandbox's S3 answers with is in S3's namespace, as the S3 API reference's response
 * syntax declares it: read from the raw bodies, since the SDK's XML reader takes any namespace.
 */

const S3_NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** The root element's name and default namespace. */
function rootOf(xml: string): { name: string; namespace?: string } {
  const [, name = '', attributes = ''] = /^\s*(?:<\?xml[^>]*\?>\s*)?<([\w.-]+)([^>]*)>/.exec(xml) ?? [];
  return { name, namespace: /\sxmlns="([^"]*)"/.exec(attributes)?.[1] };
}

describe("the sandbox S3's XML answers", () => {
  let env: OpenS3;
  let bodies: string[];

  beforeAll(async () => {
    env = await openS3();
    bodies = recordRawBodies(env.client);
    await env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'source.txt', Body: 'source bytes' }));
  });

  afterAll(() => env.close());

  /** The root of the raw answer to `call`. */
  async function rootAfter(call: () => Promise<unknown>) {
    bodies.length = 0;
    await call();
    return rootOf(bodies[0]);
  }

  it('declares S3\'s namespace on the root of each operation\'s answer', async () => {
    const { client } = env;
    const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'assembled.txt' }));
    const upload = { Bucket: BUCKET, Key: 'assembled.txt', UploadId };
    let etag: string | undefined;
    const roots = [
      await rootAfter(() => client.send(new ListBucketsCommand({}))),
      await rootAfter(() => client.send(new GetBucketLocationCommand({ Bucket: BUCKET }))),
      await rootAfter(() => client.send(new ListObjectsCommand({ Bucket: BUCKET }))),
      await rootAfter(() => client.send(new ListObjectsV2Command({ Bucket: BUCKET }))),
      await rootAfter(() => client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'other.txt' }))),
      await rootAfter(async () => {
        const part = await client.send(new UploadPartCopyCommand({ ...upload, PartNumber: 1, CopySource: `${BUCKET}/source.txt` }));
        etag = part.CopyPartResult?.ETag;
      }),
      await rootAfter(() => client.send(new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: etag }] } }))),
      await rootAfter(() => client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy.txt', CopySource: `${BUCKET}/source.txt` }))),
      await rootAfter(() => client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: 'source.txt' }))),
      await rootAfter(() => client.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: 'source.txt', ObjectAttributes: ['ObjectSize'] }))),
      await rootAfter(() => client.send(new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'copy.txt' }] } }))),
    ];

    expect(roots).toEqual(
      [
        'ListAllMyBucketsResult',
        'LocationConstraint',
        'ListBucketResult',
        'ListBucketResult',
        'InitiateMultipartUploadResult',
        'CopyPartResult',
        'CompleteMultipartUploadResult',
        'CopyObjectResult',
        'Tagging',
        'GetObjectAttributesResponse',
        'DeleteResult',
      ].map((name) => ({ name, namespace: S3_NAMESPACE })),
    );
  });
});
