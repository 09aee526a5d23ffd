import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { StoredPlan } from '../../shared/manifest';
import { handler } from '../../tasks/plan-revision/handler';
import { BUCKET, DATA_SET_ID, RUN_ID } from '../fixtures/ids';

/*
 * plan-revision at the most one run publishes (100,000 assets): each test takes seconds. `npm test` runs them like
 * any other; `npm run mutation` leaves `*.large.test.ts` out (stryker.config.mjs).
 */

const s3 = mockClient(S3Client);

const EXECUTION_NAME = 'nightly:2026-11-30T00:00:00Z';
const START_TIME = '2026-11-30T09:00:00.000Z';
const event = (input: Record<string, unknown>) => ({ input: { bucket: BUCKET, datasetId: DATA_SET_ID, ...input }, executionName: EXECUTION_NAME, executionStartTime: START_TIME });
const puts = () => s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
/** The plan the last run wrote: the last PutObject, once every batch file is in. */
const writtenPlan = (): StoredPlan => JSON.parse(String(puts().at(-1)?.Body));
const objects = (keys: readonly string[], bytes = 10) => keys.map((Key) => ({ Key, Size: bytes, ETag: `"etag-${Key}"` }));

describe('plan-revision', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({});
  });

  describe('generate', () => {
    it('keeps the output far below the 256 KB payload cap at 100,000 assets, the most one run publishes', async () => {
      const output = await handler(event({ runId: RUN_ID, source: { type: 'generate', assets: 100_000, bytesPerAsset: 1024 } }));

      expect(output).toMatchObject({ assetCount: 100_000, totalBytes: 100_000 * 1024, partCount: 10, hasMoreParts: true });
      expect(JSON.stringify(output).length).toBeLessThan(20_000);
      expect(writtenPlan().parts.map((part) => part.assetCount)).toEqual(Array.from({ length: 10 }, () => 10_000));
    });
  });

  describe('s3Prefix', () => {
    const source = { type: 's3Prefix', prefix: 'incoming/2026-11-30/' };

    it('refuses more objects than one run publishes, without listing to the end', async () => {
      const page = (n: number) => ({ Contents: objects(Array.from({ length: 1000 }, (_, i) => `incoming/2026-11-30/${n}-${i}.csv`)), NextContinuationToken: `p${n + 1}` });
      const listing = s3.on(ListObjectsV2Command);
      for (let n = 0; n < 110; n += 1) listing.resolvesOnce(page(n));

      await expect(handler(event({ source }))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: `s3://${BUCKET}/incoming/2026-11-30/ holds more than 100000 objects, the most one run publishes`,
      });
      expect(s3).toHaveReceivedCommandTimes(ListObjectsV2Command, 101);
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });
  });
});
