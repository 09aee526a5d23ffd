import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { batchAssets, type Manifest, type ManifestAsset, planBatches, readManifest, writeManifest } from '../../shared/manifest';
import { awsError, BUCKET, RUN_ID } from '../fixtures/ids';

const s3 = mockClient(S3Client);
const client = new S3Client({});

const textBody = (text: string) => ({ Body: { transformToString: async () => text } }) as unknown as GetObjectCommandOutput;
const assetsOf = (sizes: readonly number[]): ManifestAsset[] => sizes.map((bytes, i) => ({ key: `data/${i}.csv`, bytes }));
const manifest = (count = 3): Manifest => ({
  version: 1,
  runId: RUN_ID,
  bucket: BUCKET,
  sourceType: 's3Prefix',
  assets: assetsOf(Array.from({ length: count }, () => 10)),
});

describe('manifest', () => {
  beforeEach(() => {
    s3.reset();
  });

  describe('planBatches', () => {
    it('cuts at 100 assets, the import-job limit', () => {
      const batches = planBatches(assetsOf(Array.from({ length: 250 }, () => 1)));

      expect(batches).toEqual([
        { index: 0, offset: 0, count: 100, bytes: 100 },
        { index: 1, offset: 100, count: 100, bytes: 100 },
        { index: 2, offset: 200, count: 50, bytes: 50 },
      ]);
    });

    it('cuts before the byte cap, and gives an asset larger than the cap a batch of its own', () => {
      const batches = planBatches(assetsOf([4, 4, 4, 25, 1]), 10);

      expect(batches).toEqual([
        { index: 0, offset: 0, count: 2, bytes: 8 },
        { index: 1, offset: 2, count: 1, bytes: 4 },
        { index: 2, offset: 3, count: 1, bytes: 25 },
        { index: 3, offset: 4, count: 1, bytes: 1 },
      ]);
    });

    it('covers every asset once, in contiguous batches within both caps', () => {
      fc.assert(
        fc.property(fc.array(fc.nat(50), { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 500 }), (sizes, cap) => {
          const batches = planBatches(assetsOf(sizes), cap);

          let offset = 0;
          batches.forEach((batch, index) => {
            expect(batch.index).toBe(index);
            expect(batch.offset).toBe(offset);
            expect(batch.count).toBeLessThanOrEqual(100);
            expect(batch.bytes).toBe(sizes.slice(offset, offset + batch.count).reduce((a, b) => a + b, 0));
            expect(batch.count === 1 || batch.bytes <= cap).toBe(true);
            offset += batch.count;
          });
          expect(offset).toBe(sizes.length);
        }),
      );
    });
  });

  describe('batchAssets', () => {
    it('returns the slice a batch points at', () => {
      expect(batchAssets(manifest(5), { index: 1, offset: 2, count: 2, bytes: 20 }).map((a) => a.key)).toEqual([
        'data/2.csv',
        'data/3.csv',
      ]);
    });

    it('refuses a batch that reaches past the manifest', () => {
      expect(() => batchAssets(manifest(3), { index: 1, offset: 2, count: 5, bytes: 50 })).toThrow(
        expect.objectContaining({ name: 'InputValidationError', message: 'batch 1 asks for assets 2..6, but the manifest holds 3' }),
      );
    });
  });

  describe('writeManifest and readManifest', () => {
    it('writes the manifest under manifests/<runId>.json and reads it back', async () => {
      s3.on(PutObjectCommand).resolves({});
      const written = manifest();

      const key = await writeManifest(client, written);

      expect(key).toBe(`manifests/${RUN_ID}.json`);
      expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: BUCKET, Key: key, ContentType: 'application/json' });
      const body = s3.commandCalls(PutObjectCommand)[0].args[0].input.Body as string;
      s3.on(GetObjectCommand, { Bucket: BUCKET, Key: key }).resolves(textBody(body));
      await expect(readManifest(client, BUCKET, key)).resolves.toEqual(written);
    });

    it('refuses a manifest that is not JSON', async () => {
      s3.on(GetObjectCommand).resolves(textBody('{ not json'));

      await expect(readManifest(client, BUCKET, 'manifests/x.json')).rejects.toMatchObject({
        name: 'InputValidationError',
        message: `manifest s3://${BUCKET}/manifests/x.json is not JSON`,
      });
    });

    it('refuses a manifest of the wrong shape, naming the field', async () => {
      s3.on(GetObjectCommand).resolves(textBody(JSON.stringify({ ...manifest(), runId: 'not a run id!' })));

      await expect(readManifest(client, BUCKET, 'manifests/x.json')).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringMatching(/^Invalid manifest s3:\/\/.+\/manifests\/x\.json: runId: /),
      });
    });

    it('refuses an empty response body', async () => {
      s3.on(GetObjectCommand).resolves({});

      await expect(readManifest(client, BUCKET, 'manifests/x.json')).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringContaining('is empty'),
      });
    });

    it('keeps a missing manifest fatal under S3 NoSuchKey, naming the key', async () => {
      s3.on(GetObjectCommand).rejects(awsError('NoSuchKey', 404));

      await expect(readManifest(client, BUCKET, 'manifests/x.json')).rejects.toMatchObject({
        name: 'NoSuchKey',
        message: expect.stringContaining(`s3:GetObject found no s3://${BUCKET}/manifests/x.json`),
      });
    });
  });
});
