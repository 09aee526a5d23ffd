import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import { GENERATORS, generatorForRun } from '../../generators';
import type { AssetBody } from '../../generators/generator';
import helloReadings from '../../generators/hello-readings';
import type { BatchManifest, ManifestAsset } from '../../shared/manifest';
import { sampleCsvByteLength, sampleCsvChunks, sampleCsvChunksOfBytes, seedFor } from '../../shared/sample-data';
import { handler } from '../../tasks/upload-batch/handler';
import { awsError, BUCKET, RUN_ID } from '../fixtures/ids';
import { readBody } from '../generators/read-body';

const s3 = mockClient(S3Client);

const BATCH_KEY = `manifests/runs/${RUN_ID}/batches/1-4.json`;
const generatedAsset = (n: number, records = 3): ManifestAsset => ({
  key: `generated/${RUN_ID}/analytics-${n}.csv`,
  bytes: sampleCsvByteLength(n, records),
  generated: { seed: n, records },
});
const existingAsset = (n: number): ManifestAsset => ({ key: `incoming/${n}.csv`, bytes: 100 + n, etag: `"etag-${n}"` });
/** Batch 4 of part 1's file in S3. */
const givenBatch = (assets: ManifestAsset[], overrides: Partial<BatchManifest> = {}, key = BATCH_KEY) => {
  const file: BatchManifest = { version: 2, runId: RUN_ID, bucket: BUCKET, part: 1, index: 4, assets, ...overrides };
  const Body = { transformToString: async () => JSON.stringify(file) };
  s3.on(GetObjectCommand, { Bucket: BUCKET, Key: key }).resolves({ Body } as unknown as GetObjectCommandOutput);
};
const event = (count: number, bytes = 0) => ({
  runId: RUN_ID,
  bucket: BUCKET,
  batch: { part: 1, index: 4, count, bytes },
});
const sentBodies = () =>
  Object.fromEntries<string>(
    s3.commandCalls(PutObjectCommand).map((call) => [String(call.args[0].input.Key), Buffer.from(call.args[0].input.Body as Uint8Array).toString('utf8')]),
  );
const expectedCsv = (seed: number, records: number) => [...sampleCsvChunks(seed, records)].join('');
const TICK = '2026-11-30T06:00:00Z';
/** Asset `index` of a run of "hello-readings" with the one station "pier": `readings/pier.csv`, then `summary.json`. */
const readingsAsset = (index: number, name: string, contentType?: string): ManifestAsset => ({
  key: `generated/${RUN_ID}/${name}`,
  bytes: 100,
  generated: { generator: 'hello-readings', index, name, options: { stations: ['pier'] }, scheduledAt: TICK, contentType },
});
/** The bytes "hello-readings" opens for that run. */
const readingsBytes = (index: number, name: string) => {
  const { run } = generatorForRun({ name: 'hello-readings', options: { stations: ['pier'] } }, { runId: RUN_ID, scheduledAt: TICK });
  return readBody(helloReadings.open(run as Parameters<typeof helloReadings.open>[0], { index, name }));
};
/** Replaces what "hello-readings" opens; jest.restoreAllMocks puts it back. */
const givenHelloReadingsOpens = (open: () => AssetBody) =>
  jest.replaceProperty(GENERATORS, 'hello-readings', { ...helloReadings, open });

describe('upload-batch', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({ ETag: '"put"' });
  });

  describe('generated assets', () => {
    it("streams each asset of the batch's own file, and only those, as CSV", async () => {
      const assets = [1, 2, 3].map((n) => generatedAsset(n));
      givenBatch(assets.slice(1));

      const output = await handler(event(2));

      expect(output).toEqual({ batchIndex: 4, assetCount: 2, bytes: assets[1].bytes + assets[2].bytes });
      expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 1);
      expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: BATCH_KEY });
      expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 2);
      expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: BUCKET, Key: assets[1].key, ContentType: 'text/csv' });
      expect(sentBodies()).toEqual({ [assets[1].key]: expectedCsv(2, 3), [assets[2].key]: expectedCsv(3, 3) });
      expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
    });

    it('sends identical bodies when the batch is retried', async () => {
      givenBatch([1, 2].map((n) => generatedAsset(n, 500)));

      await handler(event(2));
      const first = sentBodies();
      s3.resetHistory();
      await handler(event(2));

      expect(sentBodies()).toEqual(first);
      expect(Object.values(first).map((body) => body.length)).toEqual([1, 2].map((n) => sampleCsvByteLength(n, 500)));
    });

    it('uploads at most 4 assets at once', async () => {
      givenBatch(Array.from({ length: 10 }, (_, i) => generatedAsset(i + 1)));
      let inFlight = 0;
      let most = 0;
      s3.on(PutObjectCommand).callsFake(async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return {};
      });

      await expect(handler(event(10))).resolves.toMatchObject({ assetCount: 10 });

      expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 10);
      expect(most).toBe(4);
    });

    it('starts no further upload once one has failed', async () => {
      givenBatch(Array.from({ length: 10 }, (_, i) => generatedAsset(i + 1)));
      s3.on(PutObjectCommand).rejects(awsError('SlowDown', 503));

      await expect(handler(event(10))).rejects.toMatchObject({ name: 'TransientAwsError' });

      expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 4);
    });

    it('streams an asset sized in bytes as exactly that many bytes of its own CSV', async () => {
      const sized: ManifestAsset = { key: `generated/${RUN_ID}/sized.csv`, bytes: 20_000, generated: { seed: 5, bytes: 20_000 } };
      givenBatch([generatedAsset(1), sized]);

      const output = await handler(event(2));

      expect(output).toMatchObject({ assetCount: 2, bytes: generatedAsset(1).bytes + 20_000 });
      expect(sentBodies()[sized.key]).toBe([...sampleCsvChunksOfBytes(5, 20_000)].join(''));
      expect(sentBodies()[sized.key]).toHaveLength(20_000);
    });

    it('maps S3 SlowDown on the upload to TransientAwsError', async () => {
      givenBatch([generatedAsset(1)]);
      s3.on(PutObjectCommand).rejects(awsError('SlowDown', 503));

      await expect(handler(event(1))).rejects.toMatchObject({
        name: 'TransientAwsError',
        message: expect.stringContaining(`s3:PutObject on s3://${BUCKET}/generated/${RUN_ID}/analytics-1.csv`),
      });
    });

    it('keeps AccessDenied on the upload fatal and names the permission', async () => {
      givenBatch([generatedAsset(1)]);
      s3.on(PutObjectCommand).rejects(awsError('AccessDenied', 403));

      await expect(handler(event(1))).rejects.toMatchObject({
        name: 'AccessDenied',
        message: expect.stringContaining(`allows s3:PutObject on s3://${BUCKET}/generated/${RUN_ID}/analytics-1.csv`),
      });
    });
  });

  describe("a generator's assets", () => {
    afterEach(() => {
      jest.restoreAllMocks();
    });

    it('uploads the bytes the generator opens for each asset, with the content type it listed', async () => {
      givenBatch([readingsAsset(0, 'readings/pier.csv', 'text/csv'), readingsAsset(1, 'summary.json', 'application/json')]);

      const output = await handler(event(2));

      expect(output).toEqual({ batchIndex: 4, assetCount: 2, bytes: 200 });
      expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: BUCKET, Key: `generated/${RUN_ID}/readings/pier.csv`, ContentType: 'text/csv' });
      expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: BUCKET, Key: `generated/${RUN_ID}/summary.json`, ContentType: 'application/json' });
      expect(sentBodies()).toEqual({
        [`generated/${RUN_ID}/readings/pier.csv`]: await readingsBytes(0, 'readings/pier.csv'),
        [`generated/${RUN_ID}/summary.json`]: await readingsBytes(1, 'summary.json'),
      });
      expect(JSON.parse(sentBodies()[`generated/${RUN_ID}/summary.json`])).toMatchObject({ runId: RUN_ID, scheduledAt: TICK, stations: ['pier'] });
    });

    it('uploads the generator "sample" as the same CSV a batch file of seeds gives', async () => {
      const key = `generated/${RUN_ID}/analytics-00002.csv`;
      const options = { assets: 2, recordsPerAsset: 3 };
      givenBatch([{ key, bytes: 1, generated: { generator: 'sample', index: 1, name: 'analytics-00002.csv', options, contentType: 'text/csv' } }]);

      await handler(event(1));

      expect(sentBodies()).toEqual({ [key]: expectedCsv(seedFor(RUN_ID, 2), 3) });
      expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Key: key, ContentType: 'text/csv' });
    });

    it('leaves the content type to S3 when the generator listed none', async () => {
      givenBatch([readingsAsset(1, 'summary.json')]);

      await handler(event(1));

      expect(s3.commandCalls(PutObjectCommand)[0].args[0].input.ContentType).toBeUndefined();
    });

    it.each<[string, () => AssetBody]>([
      ['a string', () => 'a,b\n1,2\n'],
      ['bytes', () => Buffer.from('a,b\n1,2\n')],
      ['a stream', () => Readable.from(['a,b\n', '1,2\n'])],
      ['an iterable of chunks', function* () {
        yield 'a,b\n';
        yield Buffer.from('1,2\n');
      }],
      ['an async iterable of chunks', async function* () {
        yield Buffer.from('a,b\n');
        yield '1,2\n';
      }],
    ])('uploads a body given as %s', async (_, open) => {
      givenHelloReadingsOpens(open);
      givenBatch([readingsAsset(0, 'readings/pier.csv')]);

      await handler(event(1));

      expect(sentBodies()).toEqual({ [`generated/${RUN_ID}/readings/pier.csv`]: 'a,b\n1,2\n' });
    });

    it("fails as the generator, naming it and the asset, when its open throws", async () => {
      const cause = new Error('the station list is empty');
      givenHelloReadingsOpens(() => {
        throw cause;
      });
      givenBatch([readingsAsset(0, 'readings/pier.csv')]);

      await expect(handler(event(1))).rejects.toMatchObject({
        name: 'GeneratorFailedError',
        message: `generator "hello-readings" failed to make asset 0 ("readings/pier.csv") of run ${RUN_ID}: the station list is empty`,
        cause,
      });
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });

    it('fails as the generator when its stream breaks midway', async () => {
      givenHelloReadingsOpens(async function* () {
        yield 'a,b\n';
        throw new Error('sensor offline');
      });
      givenBatch([readingsAsset(0, 'readings/pier.csv')]);

      await expect(handler(event(1))).rejects.toMatchObject({
        name: 'GeneratorFailedError',
        message: `generator "hello-readings" failed to make asset 0 ("readings/pier.csv") of run ${RUN_ID}: sensor offline`,
      });
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });

    it('refuses an asset of a generator no longer registered, naming it', async () => {
      givenBatch([{ key: `generated/${RUN_ID}/a.csv`, bytes: 1, generated: { generator: 'retired', index: 0, name: 'a.csv' } }]);

      await expect(handler(event(1))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringContaining('there is no generator "retired"'),
      });
    });
  });

  describe('existing objects', () => {
    it('only checks that each object of the batch is still there, unchanged', async () => {
      givenBatch([2, 3].map(existingAsset));
      s3.on(HeadObjectCommand, { Key: 'incoming/2.csv' }).resolves({ ETag: '"etag-2"' });
      s3.on(HeadObjectCommand, { Key: 'incoming/3.csv' }).resolves({ ETag: '"etag-3"' });

      const output = await handler(event(2));

      expect(output).toEqual({ batchIndex: 4, assetCount: 2, bytes: 102 + 103 });
      expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, { Bucket: BUCKET, Key: 'incoming/2.csv' });
      expect(s3).toHaveReceivedCommandTimes(HeadObjectCommand, 2);
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });

    it('accepts any ETag when the plan recorded none', async () => {
      givenBatch([{ key: 'incoming/1.csv', bytes: 5 }]);
      s3.on(HeadObjectCommand).resolves({ ETag: '"whatever"' });

      await expect(handler(event(1))).resolves.toEqual({ batchIndex: 4, assetCount: 1, bytes: 5 });
    });

    it('fails under S3 NotFound, naming the key, when a source object vanished', async () => {
      givenBatch([existingAsset(1)]);
      s3.on(HeadObjectCommand).rejects(awsError('NotFound', 404));

      await expect(handler(event(1))).rejects.toMatchObject({
        name: 'NotFound',
        message: expect.stringContaining(`found no s3://${BUCKET}/incoming/1.csv`),
      });
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });

    it('refuses an object changed since planning, naming the key', async () => {
      givenBatch([existingAsset(1)]);
      s3.on(HeadObjectCommand).resolves({ ETag: '"rewritten"' });

      await expect(handler(event(1))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: `s3://${BUCKET}/incoming/1.csv changed since planning: its ETag is "rewritten", the plan saw "etag-1"`,
      });
    });

    it('maps a throttled HeadObject to TransientAwsError', async () => {
      givenBatch([existingAsset(1)]);
      s3.on(HeadObjectCommand).rejects(awsError('SlowDown', 503));

      await expect(handler(event(1))).rejects.toMatchObject({ name: 'TransientAwsError' });
    });
  });

  describe('batch file', () => {
    it.each([
      ['another run', { runId: 'other-run' }, 'holds batch 4 of part 1 of run other-run with 1 assets'],
      ['another part', { part: 0 }, `holds batch 4 of part 0 of run ${RUN_ID} with 1 assets`],
      ['another batch', { index: 5 }, `holds batch 5 of part 1 of run ${RUN_ID} with 1 assets`],
    ])('refuses the file of %s, uploading nothing', async (_, overrides, holds) => {
      givenBatch([generatedAsset(1)], overrides);

      await expect(handler(event(1))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: `batch manifest s3://${BUCKET}/${BATCH_KEY} ${holds}, not batch 4 of part 1 of run ${RUN_ID} with 1`,
      });
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });

    it('refuses a file that holds another number of assets than the batch counts', async () => {
      givenBatch([generatedAsset(1)]);

      await expect(handler(event(2))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringContaining(`with 1 assets, not batch 4 of part 1 of run ${RUN_ID} with 2`),
      });
      expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    });

    it("reads the batch file beside the run's plan, as a named data set's run has it", async () => {
      givenBatch([generatedAsset(1)], {}, `manifests/runs/data-set=weather/${RUN_ID}/batches/1-4.json`);

      const output = await handler({ ...event(1), manifestKey: `manifests/runs/data-set=weather/${RUN_ID}/plan.json` });

      expect(output).toMatchObject({ assetCount: 1 });
    });

    it('keeps a missing batch file fatal under S3 NoSuchKey', async () => {
      s3.on(GetObjectCommand).rejects(awsError('NoSuchKey', 404));

      await expect(handler(event(1))).rejects.toMatchObject({
        name: 'NoSuchKey',
        message: expect.stringContaining(`s3://${BUCKET}/${BATCH_KEY}`),
      });
    });

    it('maps a throttled batch file read to TransientAwsError', async () => {
      s3.on(GetObjectCommand).rejects(awsError('ThrottlingException', 503));

      await expect(handler(event(1))).rejects.toMatchObject({ name: 'TransientAwsError' });
    });
  });

  it('rejects a bad payload naming the field', async () => {
    await expect(handler({ ...event(101), planKey: `manifests/${RUN_ID}.json` })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringMatching(/^Invalid upload-batch input: (unknown key: "planKey"; batch\.count: |batch\.count: .*; unknown key: "planKey")/),
    });
    await expect(handler({ runId: RUN_ID, bucket: BUCKET, batch: { index: 4, count: 1, bytes: 0 } })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('batch.part: is required'),
    });
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});
