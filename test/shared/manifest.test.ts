import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { MAX_ASSETS_PER_IMPORT_JOB, MAX_ASSETS_PER_REVISION, MAX_BATCHES_PER_PART } from '../../shared/limits';
import {
  type BatchManifest,
  type ManifestAsset,
  partPlanOf,
  planParts,
  readBatchAssets,
  readPlan,
  type StoredPlan,
  writePlan,
} from '../../shared/manifest';
import { awsError, BUCKET, DATA_SET_ID, RUN_ID } from '../fixtures/ids';

const s3 = mockClient(S3Client);
const client = new S3Client({});

const PLAN_KEY = `manifests/runs/${RUN_ID}/plan.json`;
const textBody = (text: string) => ({ Body: { transformToString: async () => text } }) as unknown as GetObjectCommandOutput;
const givenObject = (key: string, document: unknown) =>
  s3.on(GetObjectCommand, { Bucket: BUCKET, Key: key }).resolves(textBody(typeof document === 'string' ? document : JSON.stringify(document)));
const assetsOf = (sizes: readonly number[]): ManifestAsset[] => sizes.map((bytes, i) => ({ key: `data/${i}.csv`, bytes }));
const ones = (count: number) => assetsOf(Array.from({ length: count }, () => 1));
const refsOf = (assets: readonly ManifestAsset[], cap?: number) => planParts(assets, cap).map((part) => part.batches.map((batch) => batch.ref));

const storedPlanOf = (assets: readonly ManifestAsset[], cap?: number) => {
  const parts = planParts(assets, cap);
  const plan: StoredPlan = {
    version: 2,
    runId: RUN_ID,
    bucket: BUCKET,
    datasetId: DATA_SET_ID,
    comment: '',
    sourceType: 's3Prefix',
    subscriberAccountIds: [],
    assetCount: assets.length,
    totalBytes: assets.reduce((sum, asset) => sum + asset.bytes, 0),
    parts: parts.map(partPlanOf),
  };
  return { plan, parts };
};

const batchFile = (overrides: Partial<BatchManifest> = {}): BatchManifest => ({
  version: 2,
  runId: RUN_ID,
  bucket: BUCKET,
  part: 1,
  index: 2,
  assets: assetsOf([10, 20]),
  ...overrides,
});
const BATCH_REF = { part: 1, index: 2, count: 2, bytes: 30 };
const BATCH_KEY = `manifests/runs/${RUN_ID}/batches/1-2.json`;

/**
 * What is wrong with planParts' answer, as a list (one jest assertion per batch would make the property slow): it
 * must cover every asset once in order, keep every limit, and cut a batch or a part only when a limit is reached.
 */
function planProblems(assets: readonly ManifestAsset[], cap: number): string[] {
  const problems: string[] = [];
  const parts = planParts(assets, cap);
  let next = 0;
  parts.forEach((part, partIndex) => {
    const { assetCount, totalBytes } = partPlanOf(part);
    const where = `part ${partIndex}`;
    if (part.index !== partIndex) problems.push(`${where} has index ${part.index}`);
    if (part.batches.length < 1 || part.batches.length > MAX_BATCHES_PER_PART) problems.push(`${where} has ${part.batches.length} batches`);
    if (assetCount > MAX_ASSETS_PER_REVISION) problems.push(`${where} has ${assetCount} assets`);
    const full = assetCount === MAX_ASSETS_PER_REVISION || part.batches.length === MAX_BATCHES_PER_PART;
    if (partIndex < parts.length - 1 && !full) problems.push(`${where} was cut before a limit`);
    if (totalBytes !== part.batches.reduce((sum, batch) => sum + batch.ref.bytes, 0)) problems.push(`${where} miscounts its bytes`);
    part.batches.forEach(({ ref, assets: held }, batchIndex) => {
      const at = `batch ${batchIndex} of ${where}`;
      if (ref.part !== partIndex || ref.index !== batchIndex) problems.push(`${at} is numbered ${ref.part}-${ref.index}`);
      if (ref.count !== held.length || ref.count < 1 || ref.count > MAX_ASSETS_PER_IMPORT_JOB) problems.push(`${at} counts ${ref.count}`);
      if (ref.bytes !== held.reduce((sum, asset) => sum + asset.bytes, 0)) problems.push(`${at} miscounts its bytes`);
      if (ref.count > 1 && ref.bytes > cap) problems.push(`${at} holds ${ref.bytes} bytes`);
      if (held.some((asset, i) => asset !== assets[next + i])) problems.push(`${at} does not hold the next assets in order`);
      next += held.length;
      const following = assets[next];
      const cutByBytes = following !== undefined && ref.bytes + following.bytes > cap;
      const lastOfPart = batchIndex === part.batches.length - 1;
      if (!lastOfPart && ref.count < MAX_ASSETS_PER_IMPORT_JOB && !cutByBytes) problems.push(`${at} was cut before a limit`);
    });
  });
  if (next !== assets.length) problems.push(`the parts hold ${next} of ${assets.length} assets`);
  return problems;
}

describe('manifest', () => {
  beforeEach(() => {
    s3.reset();
  });

  describe('planParts', () => {
    it('cuts batches at 100 assets, the import-job limit', () => {
      expect(refsOf(ones(250))).toEqual([
        [
          { part: 0, index: 0, count: 100, bytes: 100 },
          { part: 0, index: 1, count: 100, bytes: 100 },
          { part: 0, index: 2, count: 50, bytes: 50 },
        ],
      ]);
    });

    it('cuts before the byte cap, and gives an asset larger than the cap a batch of its own', () => {
      expect(refsOf(assetsOf([4, 4, 4, 25, 1]), 10)).toEqual([
        [
          { part: 0, index: 0, count: 2, bytes: 8 },
          { part: 0, index: 1, count: 1, bytes: 4 },
          { part: 0, index: 2, count: 1, bytes: 25 },
          { part: 0, index: 3, count: 1, bytes: 1 },
        ],
      ]);
    });

    it('starts a new part after 10,000 assets, the most one revision holds, with batch indexes from 0 again', () => {
      const assets = ones(MAX_ASSETS_PER_REVISION * 2 + 150);

      const parts = planParts(assets);

      expect(parts.map((part) => part.index)).toEqual([0, 1, 2]);
      expect(parts.map((part) => part.batches.length)).toEqual([100, 100, 2]);
      expect(parts[1].batches[0].ref).toEqual({ part: 1, index: 0, count: 100, bytes: 100 });
      expect(parts[1].batches[0].assets[0]).toBe(assets[MAX_ASSETS_PER_REVISION]);
      expect(parts[2].batches.map((batch) => batch.ref)).toEqual([
        { part: 2, index: 0, count: 100, bytes: 100 },
        { part: 2, index: 1, count: 50, bytes: 50 },
      ]);
    });

    it('cuts a part that is not a whole number of batches at exactly 10,000 assets', () => {
      // Batches of 30 assets by bytes: the part's last batch is cut short by the revision limit.
      const parts = planParts(ones(MAX_ASSETS_PER_REVISION + 35), 30);

      expect(parts.map((part) => partPlanOf(part).assetCount)).toEqual([MAX_ASSETS_PER_REVISION, 35]);
      expect(parts[0].batches.at(-1)?.ref).toEqual({ part: 0, index: 333, count: 10, bytes: 10 });
      expect(parts[1].batches.map((batch) => batch.ref)).toEqual([
        { part: 1, index: 0, count: 30, bytes: 30 },
        { part: 1, index: 1, count: 5, bytes: 5 },
      ]);
    });

    it('starts a new part after MAX_BATCHES_PER_PART batches, however few assets they hold', () => {
      // Every asset fills the byte cap, so each is a batch of its own.
      const parts = planParts(assetsOf(Array.from({ length: MAX_BATCHES_PER_PART + 1 }, () => 10)), 10);

      expect(parts.map((part) => part.batches.length)).toEqual([MAX_BATCHES_PER_PART, 1]);
      expect(parts[0].batches.at(-1)?.ref).toEqual({ part: 0, index: MAX_BATCHES_PER_PART - 1, count: 1, bytes: 10 });
      expect(parts[1].batches[0].ref).toEqual({ part: 1, index: 0, count: 1, bytes: 10 });
    });

    it('fills the last batch of a full part before starting the next part', () => {
      // 399 single-asset batches, then one of two small assets: 400 batches, and the next asset opens part 1.
      const sizes = [...Array.from({ length: MAX_BATCHES_PER_PART - 1 }, () => 10), 4, 4, 4];

      const parts = refsOf(assetsOf(sizes), 10);

      expect(parts[0].at(-1)).toEqual({ part: 0, index: MAX_BATCHES_PER_PART - 1, count: 2, bytes: 8 });
      expect(parts[1]).toEqual([{ part: 1, index: 0, count: 1, bytes: 4 }]);
    });

    it('covers every asset once, in order, in parts and batches within every limit, cutting only when one is reached', () => {
      // Runs of equal sizes reach past 10,000 assets in a few steps; a small cap reaches 400 batches.
      const runs = fc.array(fc.record({ bytes: fc.nat(50), times: fc.integer({ min: 1, max: 4_000 }) }), { minLength: 1, maxLength: 8 });
      fc.assert(
        fc.property(runs, fc.integer({ min: 1, max: 2_000 }), (sizeRuns, cap) => {
          const assets = assetsOf(sizeRuns.flatMap(({ bytes, times }) => Array.from({ length: times }, () => bytes)));

          expect(planProblems(assets, cap)).toEqual([]);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe('partPlanOf', () => {
    it("sums the part's assets and bytes and keeps its batch references", () => {
      const [part] = planParts(assetsOf([4, 4, 4, 25, 1]), 10);

      expect(partPlanOf(part)).toEqual({ index: 0, assetCount: 5, totalBytes: 38, batches: part.batches.map((batch) => batch.ref) });
    });
  });

  describe('writePlan and readPlan', () => {
    it('writes every batch file, then the plan, and reads the plan back', async () => {
      s3.on(PutObjectCommand).resolves({});
      const { plan, parts } = storedPlanOf(ones(MAX_BATCHES_PER_PART + 3), 1);
      const batchCount = parts.reduce((sum, part) => sum + part.batches.length, 0);
      expect(parts).toHaveLength(2);

      const key = await writePlan(client, plan, parts);

      expect(key).toBe(PLAN_KEY);
      const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
      expect(puts).toHaveLength(batchCount + 1);
      expect(puts.at(-1)).toMatchObject({ Bucket: BUCKET, Key: PLAN_KEY, ContentType: 'application/json' });
      expect(new Set(puts.slice(0, -1).map((put) => put.Key))).toEqual(
        new Set(parts.flatMap((part) => part.batches.map((batch) => `manifests/runs/${RUN_ID}/batches/${part.index}-${batch.ref.index}.json`))),
      );
      const lastBatch = parts[1].batches.at(-1);
      const lastBatchPut = puts.find((put) => put.Key === `manifests/runs/${RUN_ID}/batches/1-${lastBatch?.ref.index}.json`);
      expect(JSON.parse(String(lastBatchPut?.Body))).toEqual({
        version: 2,
        runId: RUN_ID,
        bucket: BUCKET,
        part: 1,
        index: lastBatch?.ref.index,
        assets: lastBatch?.assets,
      });
      givenObject(PLAN_KEY, String(puts.at(-1)?.Body));
      await expect(readPlan(client, BUCKET, RUN_ID)).resolves.toEqual(plan);
    });

    it('writes no plan when a batch file could not be written', async () => {
      s3.on(PutObjectCommand).resolves({});
      s3.on(PutObjectCommand, { Key: `manifests/runs/${RUN_ID}/batches/0-1.json` }).rejects(awsError('SlowDown', 503));
      const { plan, parts } = storedPlanOf(ones(250));

      await expect(writePlan(client, plan, parts)).rejects.toMatchObject({
        name: 'TransientAwsError',
        message: expect.stringContaining(`s3:PutObject on s3://${BUCKET}/manifests/runs/${RUN_ID}/batches/0-1.json`),
      });
      expect(s3).not.toHaveReceivedCommandWith(PutObjectCommand, { Key: PLAN_KEY });
    });

    it('refuses a plan that is not JSON', async () => {
      givenObject(PLAN_KEY, '{ not json');

      await expect(readPlan(client, BUCKET, RUN_ID)).rejects.toMatchObject({
        name: 'InputValidationError',
        message: `run plan s3://${BUCKET}/${PLAN_KEY} is not JSON`,
      });
    });

    it('refuses a plan of the wrong shape or version, naming the fields', async () => {
      givenObject(PLAN_KEY, { ...storedPlanOf(ones(3)).plan, version: 1, parts: [] });

      await expect(readPlan(client, BUCKET, RUN_ID)).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringMatching(new RegExp(`^Invalid run plan s3://${BUCKET}/manifests/runs/${RUN_ID}/plan\\.json: version: .*; parts: `)),
      });
    });

    it('refuses an empty response body', async () => {
      s3.on(GetObjectCommand).resolves({});

      await expect(readPlan(client, BUCKET, RUN_ID)).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringContaining('is empty'),
      });
    });

    it('keeps a missing plan fatal under S3 NoSuchKey, naming the key', async () => {
      s3.on(GetObjectCommand).rejects(awsError('NoSuchKey', 404));

      await expect(readPlan(client, BUCKET, RUN_ID)).rejects.toMatchObject({
        name: 'NoSuchKey',
        message: expect.stringContaining(`s3:GetObject found no s3://${BUCKET}/${PLAN_KEY}`),
      });
    });
  });

  describe('readBatchAssets', () => {
    it("reads the assets from the batch's own file", async () => {
      givenObject(BATCH_KEY, batchFile());

      await expect(readBatchAssets(client, BUCKET, RUN_ID, BATCH_REF)).resolves.toEqual(assetsOf([10, 20]));
      expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: BATCH_KEY });
    });

    it.each([
      ['another run', { runId: 'other-run' }, `holds batch 2 of part 1 of run other-run with 2 assets`],
      ['another part', { part: 0 }, `holds batch 2 of part 0 of run ${RUN_ID} with 2 assets`],
      ['another batch', { index: 3 }, `holds batch 3 of part 1 of run ${RUN_ID} with 2 assets`],
      ['another count', { assets: assetsOf([10]) }, `holds batch 2 of part 1 of run ${RUN_ID} with 1 assets`],
    ])('refuses a batch file of %s than the reference names', async (_, overrides, holds) => {
      givenObject(BATCH_KEY, batchFile(overrides));

      await expect(readBatchAssets(client, BUCKET, RUN_ID, BATCH_REF)).rejects.toMatchObject({
        name: 'InputValidationError',
        message: `batch manifest s3://${BUCKET}/${BATCH_KEY} ${holds}, not batch 2 of part 1 of run ${RUN_ID} with 2`,
      });
    });

    it('refuses a batch file of the wrong shape, naming the field', async () => {
      givenObject(BATCH_KEY, batchFile({ assets: [{ key: '/abs.csv', bytes: 1 }] }));

      await expect(readBatchAssets(client, BUCKET, RUN_ID, BATCH_REF)).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringMatching(/^Invalid batch manifest s3:\/\/.+\/batches\/1-2\.json: assets\[0\]\.key: /),
      });
    });

    it('keeps a missing batch file fatal under S3 NoSuchKey, naming the key', async () => {
      s3.on(GetObjectCommand).rejects(awsError('NoSuchKey', 404));

      await expect(readBatchAssets(client, BUCKET, RUN_ID, BATCH_REF)).rejects.toMatchObject({
        name: 'NoSuchKey',
        message: expect.stringContaining(`s3://${BUCKET}/${BATCH_KEY}`),
      });
    });
  });
});
