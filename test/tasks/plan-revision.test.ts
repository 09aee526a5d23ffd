import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { MAX_BYTES_PER_ASSET } from '../../shared/limits';
import type { BatchManifest, ManifestAsset, StoredPlan } from '../../shared/manifest';
import { sampleCsvByteLength, seedFor } from '../../shared/sample-data';
import { batchExecutionPrefix, partExecutionName, planRevision, runIdForManifest } from '../../tasks/plan-revision/core';
import { handler } from '../../tasks/plan-revision/handler';
import { ACCOUNT_A, ACCOUNT_B, awsError, BUCKET, DATA_SET_ID, OTHER_REVISION_ID, REVISION_ID, RUN_ID } from '../fixtures/ids';

const s3 = mockClient(S3Client);

const EXECUTION_NAME = 'nightly:2026-11-30T00:00:00Z';
const START_TIME = '2026-11-30T09:00:00.000Z';
const event = (input: Record<string, unknown>) => ({ input: { bucket: BUCKET, datasetId: DATA_SET_ID, ...input }, executionName: EXECUTION_NAME, executionStartTime: START_TIME });
const textBody = (text: string) => ({ Body: { transformToString: async () => text } }) as unknown as GetObjectCommandOutput;
const PLAN_KEY = `manifests/runs/${RUN_ID}/plan.json`;
const puts = () => s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
/** The plan the last run wrote: the last PutObject, once every batch file is in. */
const writtenPlan = (): StoredPlan => JSON.parse(String(puts().at(-1)?.Body));
/** Every asset of the written plan, in order, read from the batch files it points at. */
const writtenAssets = (): ManifestAsset[] => {
  const plan = writtenPlan();
  const files = new Map(puts().map((put) => [put.Key, JSON.parse(String(put.Body)) as BatchManifest]));
  return plan.parts.flatMap((part) =>
    part.batches.flatMap((batch) => files.get(`manifests/runs/${plan.runId}/batches/${batch.part}-${batch.index}.json`)?.assets ?? []),
  );
};
const objects = (keys: readonly string[], bytes = 10) => keys.map((Key) => ({ Key, Size: bytes, ETag: `"etag-${Key}"` }));

describe('plan-revision', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({});
  });

  describe('generate', () => {
    it("plans deterministic assets, writes each batch's file and then the plan, and returns the first part's batch references", async () => {
      const output = await handler(event({ runId: RUN_ID, comment: 'November', source: { type: 'generate', assets: 3, recordsPerAsset: 5 } }));

      const expectedAssets = [1, 2, 3].map((n) => ({
        key: `generated/${RUN_ID}/analytics-0000${n}.csv`,
        bytes: sampleCsvByteLength(seedFor(RUN_ID, n), 5),
        generated: { generator: 'sample', index: n - 1, name: `analytics-0000${n}.csv`, options: { assets: 3, recordsPerAsset: 5 }, contentType: 'text/csv' },
      }));
      const totalBytes = expectedAssets.reduce((sum, asset) => sum + asset.bytes, 0);
      const batch = { part: 0, index: 0, count: 3, bytes: totalBytes };
      const part = { index: 0, assetCount: 3, totalBytes, batches: [batch] };
      expect(puts().map((put) => put.Key)).toEqual([`manifests/runs/${RUN_ID}/batches/0-0.json`, PLAN_KEY]);
      expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: BUCKET, Key: PLAN_KEY, ContentType: 'application/json' });
      expect(JSON.parse(String(puts()[0].Body))).toEqual({ version: 2, runId: RUN_ID, bucket: BUCKET, part: 0, index: 0, assets: expectedAssets });
      expect(writtenPlan()).toEqual({
        version: 2,
        runId: RUN_ID,
        bucket: BUCKET,
        datasetId: DATA_SET_ID,
        dataSetName: 'default',
        comment: 'November',
        sourceType: 'generate',
        subscriberAccountIds: [],
        assetCount: 3,
        totalBytes,
        parts: [part],
      });
      expect(output).toEqual({
        runId: RUN_ID,
        bucket: BUCKET,
        datasetId: DATA_SET_ID,
        comment: 'November',
        sourceType: 'generate',
        manifestKey: PLAN_KEY,
        assetCount: 3,
        totalBytes,
        part,
        partCount: 1,
        earlierRevisionIds: [],
        hasMoreParts: false,
        nextPart: 1,
        nextExecutionName: `${EXECUTION_NAME}-part-2`,
        firstExecutionName: EXECUTION_NAME,
        batchExecutionPrefix: batchExecutionPrefix(RUN_ID, EXECUTION_NAME, 0),
        runStartTime: START_TIME,
        subscriberAccountIds: [],
        hasSubscribers: false,
      });
    });

    it('defaults the runId from the execution name, the source to 3 assets of 100 records and the comment to ""', async () => {
      const output = await handler(event({}));

      expect(output).toMatchObject({ runId: 'nightly-2026-11-30T00-00-00Z', comment: '', assetCount: 3 });
      expect(writtenAssets()[2]).toEqual(
        expect.objectContaining({ key: 'generated/nightly-2026-11-30T00-00-00Z/analytics-00003.csv', generated: expect.objectContaining({ generator: 'sample', index: 2, options: { assets: 3, recordsPerAsset: 100 } }) }),
      );
    });

    it('plans the same files and output again for the same runId, so a retry writes the same bytes', async () => {
      const first = await handler(event({ runId: RUN_ID, source: { type: 'generate', assets: 4, recordsPerAsset: 20 } }));
      const firstPuts = puts();
      s3.resetHistory();
      const second = await handler(event({ runId: RUN_ID, source: { type: 'generate', assets: 4, recordsPerAsset: 20 } }));

      expect(second).toEqual(first);
      expect(firstPuts).toHaveLength(2);
      expect(puts()).toEqual(firstPuts);
    });

    it('plans 10,001 assets as two parts and returns the first, with the name of the execution of the second', async () => {
      const output = await handler(event({ runId: RUN_ID, source: { type: 'generate', assets: 10_001, recordsPerAsset: 1 } }));

      expect(output).toMatchObject({
        assetCount: 10_001,
        partCount: 2,
        hasMoreParts: true,
        nextPart: 1,
        nextExecutionName: `${EXECUTION_NAME}-part-2`,
        firstExecutionName: EXECUTION_NAME,
        batchExecutionPrefix: batchExecutionPrefix(RUN_ID, EXECUTION_NAME, 0),
        earlierRevisionIds: [],
      });
      expect(output.part).toMatchObject({ index: 0, assetCount: 10_000 });
      expect(output.part.batches).toHaveLength(100);
      expect(output.part.batches.at(-1)).toMatchObject({ part: 0, index: 99, count: 100 });
      expect(JSON.stringify(output).length).toBeLessThan(20_000);
      expect(writtenPlan().parts[1]).toEqual({
        index: 1,
        assetCount: 1,
        totalBytes: sampleCsvByteLength(seedFor(RUN_ID, 10_001), 1),
        batches: [{ part: 1, index: 0, count: 1, bytes: sampleCsvByteLength(seedFor(RUN_ID, 10_001), 1) }],
      });
      const keys = puts().map((put) => put.Key);
      expect(keys).toHaveLength(102);
      expect(keys).toContain(`manifests/runs/${RUN_ID}/batches/0-99.json`);
      expect(keys).toContain(`manifests/runs/${RUN_ID}/batches/1-0.json`);
      expect(keys.at(-1)).toBe(PLAN_KEY);
      expect(writtenAssets().map((asset) => asset.key)).toEqual(
        Array.from({ length: 10_001 }, (_, i) => `generated/${RUN_ID}/analytics-${String(i + 1).padStart(5, '0')}.csv`),
      );
    });

    it('refuses more assets than one run publishes, before writing anything', async () => {
      await expect(handler(event({ source: { type: 'generate', assets: 100_001, recordsPerAsset: 1 } }))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringContaining('source.assets: must be at most 100000'),
      });
      expect(s3).not.toHaveReceivedAnyCommand();
    });

    it('cuts a long execution name so that the next part\'s name fits 80 characters', async () => {
      const longName = 'n'.repeat(80);

      const output = await handler({ ...event({ runId: RUN_ID }), executionName: longName });

      expect(output.nextExecutionName).toBe(`${'n'.repeat(73)}-part-2`);
      expect(output.firstExecutionName).toBe(longName);
    });
  });

  describe('generate, sized in bytes', () => {
    const GiB = 1024 ** 3;

    it('plans each asset at the size asked for, without generating it, and splits batches by bytes', async () => {
      const output = await handler(event({ runId: RUN_ID, source: { type: 'generate', assets: 5, bytesPerAsset: MAX_BYTES_PER_ASSET } }));

      expect(writtenAssets()).toEqual(
        [1, 2, 3, 4, 5].map((n) => ({
          key: `generated/${RUN_ID}/analytics-0000${n}.csv`,
          bytes: 5 * GiB,
          generated: { generator: 'sample', index: n - 1, name: `analytics-0000${n}.csv`, options: { assets: 5, bytesPerAsset: 5 * GiB }, contentType: 'text/csv' },
        })),
      );
      expect(output).toMatchObject({ assetCount: 5, totalBytes: 25 * GiB });
      // 10 GiB of uploads per invocation at most: two 5 GiB assets a batch.
      expect(output.part.batches).toEqual([
        { part: 0, index: 0, count: 2, bytes: 10 * GiB },
        { part: 0, index: 1, count: 2, bytes: 10 * GiB },
        { part: 0, index: 2, count: 1, bytes: 5 * GiB },
      ]);
    });

    it('refuses records and bytes per asset together, naming both, before writing anything', async () => {
      await expect(handler(event({ source: { type: 'generate', recordsPerAsset: 5, bytesPerAsset: GiB } }))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringContaining('source.bytesPerAsset: is an alternative to "recordsPerAsset"'),
      });
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });
  });

  describe('subscribers', () => {
    it('shares with the accounts the input names', async () => {
      const output = await handler(event({ subscriberAccountId: `${ACCOUNT_A},${ACCOUNT_B}` }));

      expect(output).toMatchObject({ subscriberAccountIds: [ACCOUNT_A, ACCOUNT_B], hasSubscribers: true });
    });

    it('falls back to the configured default accounts when the input names none', async () => {
      const output = await planRevision(event({}), { s3: new S3Client({}), dataSets: [{ name: 'default', dataSetId: DATA_SET_ID, subscriberAccountIds: [ACCOUNT_B] }] });

      expect(output).toMatchObject({ subscriberAccountIds: [ACCOUNT_B], hasSubscribers: true });
    });

    it("lets the input's accounts override the configured default", async () => {
      const output = await planRevision(event({ subscriberAccountIds: [ACCOUNT_A] }), { s3: new S3Client({}), dataSets: [{ name: 'default', dataSetId: DATA_SET_ID, subscriberAccountIds: [ACCOUNT_B] }] });

      expect(output).toMatchObject({ subscriberAccountIds: [ACCOUNT_A], hasSubscribers: true });
    });

    it('lets an explicit empty list override the default', async () => {
      const output = await planRevision(event({ subscriberAccountIds: [] }), { s3: new S3Client({}), dataSets: [{ name: 'default', dataSetId: DATA_SET_ID, subscriberAccountIds: [ACCOUNT_B] }] });

      expect(output).toMatchObject({ subscriberAccountIds: [], hasSubscribers: false });
    });
  });

  describe('s3Prefix', () => {
    const source = { type: 's3Prefix', prefix: 'incoming/2026-11-30/' };

    it('lists every page, skips folder markers and empty objects, and records sizes and ETags', async () => {
      s3.on(ListObjectsV2Command)
        .resolvesOnce({ Contents: [...objects(['incoming/2026-11-30/']), ...objects(['incoming/2026-11-30/a.csv'])], NextContinuationToken: 'p2' })
        .resolvesOnce({ Contents: [...objects(['incoming/2026-11-30/empty.csv'], 0), ...objects(['incoming/2026-11-30/b.csv'], 20)] });

      const output = await handler(event({ runId: RUN_ID, source }));

      expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: source.prefix, ContinuationToken: 'p2' });
      expect(writtenPlan().sourceType).toBe('s3Prefix');
      expect(writtenAssets()).toEqual([
        { key: 'incoming/2026-11-30/a.csv', bytes: 10, etag: '"etag-incoming/2026-11-30/a.csv"' },
        { key: 'incoming/2026-11-30/b.csv', bytes: 20, etag: '"etag-incoming/2026-11-30/b.csv"' },
      ]);
      expect(output).toMatchObject({ sourceType: 's3Prefix', assetCount: 2, totalBytes: 30 });
      expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
    });

    it('does not cap batches by bytes, since existing objects are not uploaded', async () => {
      s3.on(ListObjectsV2Command).resolves({ Contents: objects(['incoming/2026-11-30/a.csv', 'incoming/2026-11-30/b.csv'], 8 * 1024 ** 3) });

      const output = await handler(event({ source }));

      expect(output.part.batches).toEqual([{ part: 0, index: 0, count: 2, bytes: 16 * 1024 ** 3 }]);
    });

    it('refuses a prefix with no objects that hold data, naming the field and the bucket', async () => {
      s3.on(ListObjectsV2Command).resolves({ Contents: objects(['incoming/2026-11-30/']) });

      await expect(handler(event({ source }))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: `source.prefix: "incoming/2026-11-30/" matches no non-empty objects in bucket ${BUCKET}`,
      });
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });

    it('refuses an object whose key the manifest could not carry, naming it', async () => {
      s3.on(ListObjectsV2Command).resolves({ Contents: objects(['incoming/2026-11-30/../secret.csv']) });

      await expect(handler(event({ source }))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringContaining('"incoming/2026-11-30/../secret.csv", whose key must not contain a ".." segment'),
      });
    });

    it('maps S3 SlowDown to TransientAwsError', async () => {
      s3.on(ListObjectsV2Command).rejects(awsError('SlowDown', 503));

      await expect(handler(event({ source }))).rejects.toMatchObject({
        name: 'TransientAwsError',
        message: expect.stringContaining(`s3:ListBucket on s3://${BUCKET}/incoming/2026-11-30/`),
      });
    });

    it('keeps AccessDenied fatal and names the permission', async () => {
      s3.on(ListObjectsV2Command).rejects(awsError('AccessDenied', 403));

      await expect(handler(event({ source }))).rejects.toMatchObject({
        name: 'AccessDenied',
        message: expect.stringContaining(`allows s3:ListBucket on s3://${BUCKET}/incoming/2026-11-30/`),
      });
    });
  });

  describe('manifest', () => {
    const source = { type: 'manifest', key: 'manifests/incoming/x.json', etag: '"v1"' };
    const providerManifest = (body: unknown) => s3.on(GetObjectCommand, { Key: source.key }).resolves(textBody(JSON.stringify(body)));

    it('sizes the listed keys, expands the prefixes and keeps each key once', async () => {
      providerManifest({ keys: ['data/a.csv', 'data/b.csv', 'data/a.csv'], prefixes: ['more/'], comment: 'from the provider' });
      s3.on(HeadObjectCommand).resolves({ ContentLength: 5, ETag: '"head"' });
      s3.on(ListObjectsV2Command, { Prefix: 'more/' }).resolves({ Contents: objects(['more/c.csv', 'data/b.csv']) });

      const output = await handler(event({ runId: RUN_ID, source }));

      expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: source.key, IfMatch: '"v1"' });
      expect(s3).toHaveReceivedCommandTimes(HeadObjectCommand, 2);
      expect(writtenPlan()).toMatchObject({ sourceType: 'manifest', comment: 'from the provider' });
      expect(writtenAssets()).toEqual([
        { key: 'data/a.csv', bytes: 5, etag: '"head"' },
        { key: 'data/b.csv', bytes: 10, etag: '"etag-data/b.csv"' },
        { key: 'more/c.csv', bytes: 10, etag: '"etag-more/c.csv"' },
      ]);
      expect(output).toMatchObject({ sourceType: 'manifest', assetCount: 3, totalBytes: 25 });
    });

    it('reads the manifest without a precondition when the source gives no etag', async () => {
      providerManifest({ prefixes: ['more/'] });
      s3.on(ListObjectsV2Command).resolves({ Contents: objects(['more/c.csv']) });

      await handler(event({ source: { type: 'manifest', key: source.key } }));

      expect(s3.commandCalls(GetObjectCommand)[0].args[0].input.IfMatch).toBeUndefined();
    });

    // HeadObject's 404 has no body, so the SDK names it NotFound; an S3-compatible store may answer NoSuchKey.
    it.each(['NotFound', 'NoSuchKey'])('refuses a listed key that is not in the bucket (%s), naming the manifest and the key', async (missing) => {
      providerManifest({ keys: ['data/a.csv', 'data/gone.csv'] });
      s3.on(HeadObjectCommand).resolves({ ContentLength: 5 });
      s3.on(HeadObjectCommand, { Key: 'data/gone.csv' }).rejects(awsError(missing, 404));

      await expect(handler(event({ source }))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: `source manifest s3://${BUCKET}/${source.key} lists the key "data/gone.csv", which is not in bucket ${BUCKET}`,
      });
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });

    // S3 API reference, HeadObject: "To use HEAD, you must have the s3:GetObject permission."
    it('names s3:GetObject and the listed object when sizing it is refused', async () => {
      providerManifest({ keys: ['data/secret.csv'] });
      s3.on(HeadObjectCommand).rejects(awsError('AccessDenied', 403));

      await expect(handler(event({ source }))).rejects.toMatchObject({
        name: 'AccessDenied',
        message: expect.stringContaining(`allows s3:GetObject on s3://${BUCKET}/data/secret.csv`),
      });
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });

    it('refuses a prefix of the manifest that matches nothing, naming it', async () => {
      providerManifest({ prefixes: ['more/', 'none/'] });
      s3.on(ListObjectsV2Command, { Prefix: 'more/' }).resolves({ Contents: objects(['more/c.csv']) });
      s3.on(ListObjectsV2Command, { Prefix: 'none/' }).resolves({});

      await expect(handler(event({ source }))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringContaining(`prefixes[1] of source manifest s3://${BUCKET}/${source.key}: "none/" matches no`),
      });
    });

    it('refuses a manifest that lists neither keys nor prefixes', async () => {
      providerManifest({ keys: [], comment: 'nothing' });

      await expect(handler(event({ source }))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringContaining('keys: must list at least one key or prefix'),
      });
    });

    it('refuses unknown fields and unsafe keys in the manifest, naming them', async () => {
      providerManifest({ keys: ['/abs.csv'], files: [] });

      await expect(handler(event({ source }))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringMatching(/unknown key: "files".*keys\[0\]: must not begin with "\/"|keys\[0\]: must not begin with "\/".*unknown key: "files"/),
      });
    });

    it('refuses a manifest that is not JSON', async () => {
      s3.on(GetObjectCommand).resolves(textBody('keys: [a]'));

      await expect(handler(event({ source }))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: `source manifest s3://${BUCKET}/${source.key} is not JSON`,
      });
    });

    it('keeps a manifest changed since its event fatal, under S3 PreconditionFailed', async () => {
      s3.on(GetObjectCommand).rejects(awsError('PreconditionFailed', 412));

      await expect(handler(event({ source }))).rejects.toMatchObject({
        name: 'PreconditionFailed',
        message: expect.stringContaining(`s3:GetObject on s3://${BUCKET}/${source.key}`),
      });
    });

    it('maps throttled HeadObject calls to TransientAwsError', async () => {
      providerManifest({ keys: ['data/a.csv'] });
      s3.on(HeadObjectCommand).rejects(awsError('SlowDown', 503));

      await expect(handler(event({ source }))).rejects.toMatchObject({ name: 'TransientAwsError' });
    });

    describe('runId and comment', () => {
      beforeEach(() => {
        providerManifest({ keys: ['data/a.csv'], comment: 'from the provider' });
        s3.on(HeadObjectCommand).resolves({ ContentLength: 5, ETag: '"head"' });
      });

      it('derives the runId from the key and ETag, the same for a re-delivered event, and quotes the bare ETag of an event', async () => {
        const fromEvent = await handler({ ...event({ source: { ...source, etag: 'v1' } }), executionName: 'a1b2c3' });
        const redelivered = await handler({ ...event({ source: { ...source, etag: 'v1' } }), executionName: 'd4e5f6' });

        expect(fromEvent.runId).toMatch(/^x-[0-9a-f]{12}$/);
        expect(redelivered.runId).toBe(fromEvent.runId);
        expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Key: source.key, IfMatch: '"v1"' });
        expect(writtenPlan().runId).toBe(fromEvent.runId);
        expect(puts().at(-1)?.Key).toBe(`manifests/runs/${fromEvent.runId}/plan.json`);
      });

      it('keeps a given runId, and falls back to the execution name without an ETag', async () => {
        const given = await handler(event({ runId: RUN_ID, source }));
        const noEtag = await handler(event({ source: { type: 'manifest', key: source.key } }));

        expect(given.runId).toBe(RUN_ID);
        expect(noEtag.runId).toBe('nightly-2026-11-30T00-00-00Z');
      });

      it("uses the manifest's comment unless the input gives one", async () => {
        const fromManifest = await handler(event({ source }));
        const fromInput = await handler(event({ source, comment: 'from the input' }));

        expect(fromManifest.comment).toBe('from the provider');
        expect(fromInput.comment).toBe('from the input');
      });
    });
  });

  describe('continuation', () => {
    const FIRST_EXECUTION = 'nightly-20261130T000000Z';
    const THIRD_REVISION_ID = '0000aaaa1111bbbb2222cccc3333dddd';
    const partOf = (index: number, count: number) => ({
      index,
      assetCount: count,
      totalBytes: count * 10,
      batches: [{ part: index, index: 0, count, bytes: count * 10 }],
    });
    const storedPlan: StoredPlan = {
      version: 2,
      runId: RUN_ID,
      bucket: BUCKET,
      datasetId: DATA_SET_ID,
      comment: 'November',
      sourceType: 's3Prefix',
      subscriberAccountIds: [ACCOUNT_A],
      assetCount: 250,
      totalBytes: 2_500,
      parts: [partOf(0, 100), partOf(1, 100), partOf(2, 50)],
    };
    const continuation = (part: number, overrides: Record<string, unknown> = {}) => ({
      input: {
        bucket: BUCKET,
        datasetId: DATA_SET_ID,
        continueRun: {
          runId: RUN_ID,
          part,
          firstExecutionName: FIRST_EXECUTION,
          runStartTime: START_TIME,
          earlierRevisionIds: part === 1 ? [] : [REVISION_ID],
          lastRevisionId: part === 1 ? REVISION_ID : OTHER_REVISION_ID,
        },
        ...overrides,
      },
      executionName: partExecutionName(FIRST_EXECUTION, part),
      executionStartTime: '2026-11-30T09:30:00.000Z',
    });

    beforeEach(() => {
      s3.on(GetObjectCommand, { Bucket: BUCKET, Key: PLAN_KEY }).resolves(textBody(JSON.stringify(storedPlan)));
    });

    it("reads the run's plan and returns its next part, joining the revision just finalized to the earlier ones", async () => {
      const output = await handler(continuation(1));

      expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: PLAN_KEY });
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
      expect(s3).not.toHaveReceivedCommand(ListObjectsV2Command);
      expect(output).toEqual({
        runId: RUN_ID,
        bucket: BUCKET,
        datasetId: DATA_SET_ID,
        comment: 'November',
        sourceType: 's3Prefix',
        manifestKey: PLAN_KEY,
        assetCount: 250,
        totalBytes: 2_500,
        part: partOf(1, 100),
        partCount: 3,
        earlierRevisionIds: [REVISION_ID],
        hasMoreParts: true,
        nextPart: 2,
        nextExecutionName: `${FIRST_EXECUTION}-part-3`,
        firstExecutionName: FIRST_EXECUTION,
        batchExecutionPrefix: batchExecutionPrefix(RUN_ID, partExecutionName(FIRST_EXECUTION, 1), 1),
        runStartTime: START_TIME,
        subscriberAccountIds: [ACCOUNT_A],
        hasSubscribers: true,
      });
    });

    it('returns the last part with every earlier revision, in order, and no more parts', async () => {
      const output = await handler({
        ...continuation(2),
        input: {
          ...continuation(2).input,
          continueRun: { ...continuation(2).input.continueRun, earlierRevisionIds: [REVISION_ID, OTHER_REVISION_ID], lastRevisionId: THIRD_REVISION_ID },
        },
      });

      expect(output).toMatchObject({
        part: partOf(2, 50),
        earlierRevisionIds: [REVISION_ID, OTHER_REVISION_ID, THIRD_REVISION_ID],
        hasMoreParts: false,
        firstExecutionName: FIRST_EXECUTION,
      });
    });

    it('refuses a data set other than the one the run publishes to', async () => {
      const otherDataSet = 'ffffeeeeddddccccbbbbaaaa99998888';

      await expect(handler(continuation(1, { datasetId: otherDataSet }))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: `datasetId: run ${RUN_ID} publishes to data set ${DATA_SET_ID}, not to ${otherDataSet}`,
      });
    });

    it('refuses a part past the last one of the plan', async () => {
      await expect(handler(continuation(3))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: `continueRun.part: run ${RUN_ID} has 3 part(s), so there is no part 4`,
      });
    });

    it('keeps a missing plan fatal under S3 NoSuchKey, naming its key, and plans nothing anew', async () => {
      s3.on(GetObjectCommand, { Key: PLAN_KEY }).rejects(awsError('NoSuchKey', 404));

      const failed = handler(continuation(1));

      await expect(failed).rejects.toMatchObject({ name: 'NoSuchKey', message: expect.stringContaining(`found no s3://${BUCKET}/${PLAN_KEY}`) });
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });

    it('refuses a plan that is not a run plan, naming it', async () => {
      s3.on(GetObjectCommand).resolves(textBody(JSON.stringify({ ...storedPlan, version: 1 })));

      await expect(handler(continuation(1))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringContaining(`Invalid run plan s3://${BUCKET}/${PLAN_KEY}: version: `),
      });
    });

    it('refuses a bad continuation input naming each field, before reading anything', async () => {
      const input = continuation(1).input;

      await expect(handler({ ...continuation(1), input: { ...input, continueRun: { ...input.continueRun, part: 0 }, source: {} } })).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringMatching(/^Invalid continuation input: .*continueRun\.part: .*unknown key: "source"|^Invalid continuation input: .*unknown key: "source".*continueRun\.part: /),
      });
      expect(s3).not.toHaveReceivedAnyCommand();
    });
  });

  describe('partExecutionName', () => {
    it('names part n+1 after the first execution, cutting the name so the whole fits 80 characters', () => {
      expect(partExecutionName('nightly', 1)).toBe('nightly-part-2');
      expect(partExecutionName('x'.repeat(80), 9)).toBe(`${'x'.repeat(72)}-part-10`);
    });
  });

  describe('runIdForManifest', () => {
    it('gives another runId to another upload of the same manifest, or to another manifest', () => {
      const first = runIdForManifest('manifests/incoming/batch.json', '"abc"');

      expect(runIdForManifest('manifests/incoming/batch.json', 'abc')).toBe(first);
      expect(runIdForManifest('manifests/incoming/batch.json', 'abd')).not.toBe(first);
      expect(runIdForManifest('manifests/incoming/other/batch.json', 'abc')).not.toBe(first);
      expect(first).toMatch(/^batch-[0-9a-f]{12}$/);
    });

    it.each([
      ['manifests/incoming/Nov 30: sales (final).JSON', /^Nov-30-sales-final-[0-9a-f]{12}$/],
      ['manifests/incoming/%%%.json', /^[0-9a-f]{12}$/],
      [`manifests/incoming/${'a'.repeat(300)}.json`, /^a{51}-[0-9a-f]{12}$/],
      ['manifests/incoming/sales.jsonl.json', /^sales-jsonl-[0-9a-f]{12}$/],
    ])('keeps the runId of %j within the runId pattern', (key, expected) => {
      expect(runIdForManifest(key, 'etag')).toMatch(expected);
    });
  });

  it('maps a throttled batch file write to TransientAwsError, and writes no plan', async () => {
    s3.on(PutObjectCommand).rejects(awsError('SlowDown', 503));

    await expect(handler(event({ runId: RUN_ID }))).rejects.toMatchObject({
      name: 'TransientAwsError',
      message: expect.stringContaining(`s3:PutObject on s3://${BUCKET}/manifests/runs/${RUN_ID}/batches/0-0.json`),
    });
    expect(s3).not.toHaveReceivedCommandWith(PutObjectCommand, { Key: PLAN_KEY });
  });

  it('maps a throttled plan write to TransientAwsError', async () => {
    s3.on(PutObjectCommand, { Key: PLAN_KEY }).rejects(awsError('SlowDown', 503));

    await expect(handler(event({ runId: RUN_ID }))).rejects.toMatchObject({
      name: 'TransientAwsError',
      message: expect.stringContaining(`s3:PutObject on s3://${BUCKET}/${PLAN_KEY}`),
    });
  });

  it('rejects a bad workflow input naming each field', async () => {
    await expect(handler(event({ source: { type: 'generate', assets: 0 }, color: 'red' }))).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringMatching(/^Invalid workflow input: .*(source\.assets: must be at least 1.*unknown key: "color"|unknown key: "color".*source\.assets: must be at least 1)/),
    });
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it.each([null, 'daily', 42, ['a']])('rejects a run input that is not an object (%p) as a bad workflow input', async (input) => {
    await expect(handler({ input, executionName: EXECUTION_NAME, executionStartTime: START_TIME })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringMatching(/^Invalid workflow input: /),
    });
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('rejects a payload without the execution name, naming the field', async () => {
    await expect(handler({ input: { bucket: BUCKET, datasetId: DATA_SET_ID } })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('executionName: is required'),
    });
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});

describe('batchExecutionPrefix', () => {
  it('starts with the runId, differs for every execution of it, and leaves room within 80 characters', () => {
    const long = 'r'.repeat(64);
    const names = ['daily-2026-11-30-20261130T060000000Z', 'daily-2026-11-30-20261130T060000001Z'];

    const prefixes = names.map((name) => batchExecutionPrefix('daily-2026-11-30', name, 0));

    expect(prefixes[0]).toMatch(/^daily-2026-11-30-[0-9a-f]{12}-p0$/);
    expect(prefixes[1]).not.toBe(prefixes[0]);
    expect(batchExecutionPrefix(long, names[0], 9).length + '-b399-r1000'.length).toBeLessThanOrEqual(80);
  });
});
