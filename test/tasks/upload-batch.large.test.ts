import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { BatchManifest, ManifestAsset } from '../../shared/manifest';
import { sampleCsvByteLength } from '../../shared/sample-data';
import { handler } from '../../tasks/upload-batch/handler';
import { BUCKET, RUN_ID } from '../fixtures/ids';

/*
 * upload-batch over assets bigger than one 8 MiB part: each test generates 8 to 9 MiB of CSV, and takes seconds.
 * `npm test` runs them like any other; `npm run mutation` leaves `*.large.test.ts` out (stryker.config.mjs).
 */

const s3 = mockClient(S3Client);

const BATCH_KEY = `manifests/runs/${RUN_ID}/batches/1-4.json`;
const generatedAsset = (n: number, records = 3): ManifestAsset => ({
  key: `generated/${RUN_ID}/analytics-${n}.csv`,
  bytes: sampleCsvByteLength(n, records),
  generated: { seed: n, records },
});
/** Batch 4 of part 1's file in S3. */
const givenBatch = (assets: ManifestAsset[]) => {
  const file: BatchManifest = { version: 2, runId: RUN_ID, bucket: BUCKET, part: 1, index: 4, assets };
  const Body = { transformToString: async () => JSON.stringify(file) };
  s3.on(GetObjectCommand, { Bucket: BUCKET, Key: BATCH_KEY }).resolves({ Body } as unknown as GetObjectCommandOutput);
};
const event = (count: number, bytes = 0) => ({
  runId: RUN_ID,
  bucket: BUCKET,
  batch: { part: 1, index: 4, count, bytes },
});

describe('upload-batch', () => {
  beforeEach(() => {
    s3.reset();
  });

  describe('generated assets larger than one part', () => {
    it('sends an asset larger than one part as a multipart upload of 8 MiB parts', async () => {
      const big = generatedAsset(7, 300_000);
      expect(big.bytes).toBeGreaterThan(8 * 1024 ** 2);
      givenBatch([big]);
      s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
      s3.on(UploadPartCommand).resolves({ ETag: '"part"' });
      s3.on(CompleteMultipartUploadCommand).resolves({});

      await handler(event(1));

      expect(s3).toHaveReceivedCommandWith(CreateMultipartUploadCommand, { Bucket: BUCKET, Key: big.key, ContentType: 'text/csv' });
      const parts = s3.commandCalls(UploadPartCommand).map((call) => (call.args[0].input.Body as Uint8Array).byteLength);
      expect(parts[0]).toBe(8 * 1024 ** 2);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(big.bytes);
      expect(s3).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, { UploadId: 'upload-1' });
    });

    it('sends an asset sized past one part as 8 MiB parts that add up to its size', async () => {
      const bytes = 9 * 1024 ** 2 + 7;
      givenBatch([{ key: `generated/${RUN_ID}/sized.csv`, bytes, generated: { seed: 5, bytes } }]);
      s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-2' });
      s3.on(UploadPartCommand).resolves({ ETag: '"part"' });
      s3.on(CompleteMultipartUploadCommand).resolves({});

      await handler(event(1));

      const parts = s3.commandCalls(UploadPartCommand).map((call) => (call.args[0].input.Body as Uint8Array).byteLength);
      expect(parts).toEqual([8 * 1024 ** 2, 1024 ** 2 + 7]);
      expect(s3).toHaveReceivedCommandWith(CompleteMultipartUploadCommand, { UploadId: 'upload-2' });
    });
  });
});
