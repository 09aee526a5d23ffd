import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import type * as NodeFs from 'node:fs';
import type * as NodeFsPromises from 'node:fs/promises';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isTemporaryFileName } from '../../sandbox/persist';
import { BUCKET, failureOf, type OpenS3, openS3 } from './s3-harness';

/*
 * CopyObject, as the sandbox's S3 writes it (sandbox/s3/object-writes.ts): the destination gets the source's bytes
 * with the ETag of those bytes, and a copy that fails before its bytes land leaves the destination as it was.
 */

const MiB = 1024 * 1024;
const SOURCE = 'id,value\n1,copied\n';
const PREVIOUS = '{"previous":true}';
const etagOf = (bytes: string | Buffer) => `"${createHash('md5').update(bytes).digest('hex')}"`;

describe('CopyObject', () => {
  let directory: string;
  let env: OpenS3;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'dx-flow-s3-copy-'));
    env = await openS3(directory);
    await env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy/source.csv', Body: SOURCE, ContentType: 'text/csv', Metadata: { origin: 'source' } }));
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    await env.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** Puts PREVIOUS at `key`, the object a copy is to replace. */
  async function putPrevious(key: string): Promise<void> {
    await env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: PREVIOUS, ContentType: 'application/json' }));
  }

  async function getObject(key: string) {
    const object = await env.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return { body: await object.Body!.transformToString(), etag: object.ETag, contentType: object.ContentType, metadata: object.Metadata };
  }

  it.each([
    ['COPY', {}, { contentType: 'text/csv', metadata: { origin: 'source' } }],
    ['REPLACE', { ContentType: 'text/plain', Metadata: { origin: 'replaced' } }, { contentType: 'text/plain', metadata: { origin: 'replaced' } }],
  ] as const)("with the %s directive, replaces an object with the source's bytes, their ETag, and the headers the directive gives", async (directive, headers, expected) => {
    const key = `copy/over-${directive}.csv`;
    await putPrevious(key);

    const { CopyObjectResult } = await env.client.send(
      new CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: `${BUCKET}/copy/source.csv`, MetadataDirective: directive, ...headers }),
    );

    expect(CopyObjectResult?.ETag).toBe(etagOf(SOURCE));
    expect(await getObject(key)).toEqual({ body: SOURCE, etag: etagOf(SOURCE), ...expected });
  });

  it('copies a source a crash left without its md5 file, with the ETag of its bytes', async () => {
    await env.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copy/without-md5.csv', Body: SOURCE }));
    // s3rver's file of the ETag, which a put removes before its bytes land and writes after
    await rm(join(directory, 'buckets', BUCKET, 'copy', 'without-md5.csv._S3rver_object.md5'));

    const { CopyObjectResult } = await env.client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/of-without-md5.csv', CopySource: `${BUCKET}/copy/without-md5.csv` }));

    expect(CopyObjectResult?.ETag).toBe(etagOf(SOURCE));
  });

  it("gives a copy of a multipart object its bytes' MD5 as ETag, as S3 does", async () => {
    const parts = [randomBytes(5 * MiB), randomBytes(123)];
    const upload = { Bucket: BUCKET, Key: 'copy/multipart.bin' };
    const { UploadId } = await env.client.send(new CreateMultipartUploadCommand(upload));
    const uploaded = await Promise.all(parts.map((Body, index) => env.client.send(new UploadPartCommand({ ...upload, UploadId, PartNumber: index + 1, Body }))));
    await env.client.send(
      new CompleteMultipartUploadCommand({ ...upload, UploadId, MultipartUpload: { Parts: uploaded.map(({ ETag }, index) => ({ PartNumber: index + 1, ETag })) } }),
    );

    const { CopyObjectResult } = await env.client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/of-multipart.bin', CopySource: `${BUCKET}/copy/multipart.bin` }));

    expect(CopyObjectResult?.ETag).toBe(etagOf(Buffer.concat(parts)));
  });

  // Each failure is injected in the module object the store calls through: an import namespace's members cannot be replaced.
  it.each([
    [
      'its source failing halfway through',
      'copy/read-fails.json',
      () => {
        const failing = Readable.from(
          (async function* () {
            yield Buffer.from(SOURCE.slice(0, 5));
            throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
          })(),
        );
        jest.spyOn(jest.requireActual<typeof NodeFs>('node:fs'), 'createReadStream').mockReturnValueOnce(failing as unknown as NodeFs.ReadStream);
      },
    ],
    [
      'its rename into place failing',
      'copy/rename-fails.json',
      () => {
        const diskError = Object.assign(new Error('EIO: i/o error, rename'), { code: 'EIO' });
        jest.spyOn(jest.requireActual<typeof NodeFsPromises>('node:fs/promises'), 'rename').mockRejectedValueOnce(diskError);
      },
    ],
  ])('that fails before its bytes land (%s) leaves the previous object, its ETag true, and no temporary file', async (_case, key, inject) => {
    await putPrevious(key);
    inject();

    const error = await failureOf(env.client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: key, CopySource: `${BUCKET}/copy/source.csv` })));

    expect(error).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    expect(await getObject(key)).toMatchObject({ body: PREVIOUS, etag: etagOf(PREVIOUS), contentType: 'application/json' });
    expect((await readdir(directory, { recursive: true })).filter(isTemporaryFileName)).toEqual([]);
  });

  it('that cannot create its temporary file closes the source it opened', async () => {
    const fs = jest.requireActual<typeof NodeFs>('node:fs');
    const { createReadStream } = fs;
    const opened: NodeFs.ReadStream[] = [];
    jest.spyOn(fs, 'createReadStream').mockImplementationOnce((file, options) => {
      const stream = createReadStream(file, options);
      opened.push(stream);
      return stream;
    });
    const diskFull = Object.assign(new Error('ENOSPC: no space left on device, open'), { code: 'ENOSPC' });
    jest.spyOn(jest.requireActual<typeof NodeFsPromises>('node:fs/promises'), 'open').mockRejectedValueOnce(diskFull);

    const error = await failureOf(env.client.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'copy/open-fails.csv', CopySource: `${BUCKET}/copy/source.csv` })));

    expect(error).toMatchObject({ name: 'InternalError', $metadata: { httpStatusCode: 500 } });
    expect(opened.map((stream) => stream.destroyed)).toEqual([true]);
  });
});
