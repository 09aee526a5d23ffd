import { GetObjectCommand, type GetObjectCommandOutput, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { InputValidationError } from '../../shared/errors';
import type { StoredPlan } from '../../shared/manifest';
import type { ConfiguredDataSet } from '../../shared/schemas/data-sets';
import { planRevision } from '../../tasks/plan-revision/core';
import { ACCOUNT_A, ACCOUNT_B, BUCKET, DATA_SET_ID } from '../fixtures/ids';

/*
 * GIVEN a deployment of several data sets, WHEN a run names one (by name, by id, in its source manifest) or none,
 * THEN PlanRevision plans it for that data set, in that data set's folder, or refuses before writing anything.
 */

const s3 = mockClient(S3Client);

const WEATHER_ID = '99990000999900009999000099990000';
const DATA_SETS: ConfiguredDataSet[] = [
  { name: 'default', dataSetId: DATA_SET_ID, subscriberAccountIds: [ACCOUNT_A] },
  { name: 'weather', dataSetId: WEATHER_ID, subscriberAccountIds: [ACCOUNT_B] },
];
const TICK = '2026-12-01T06:00:00Z';
const request = (input: Record<string, unknown>) => ({ input: { bucket: BUCKET, ...input }, executionName: 'exec-1', executionStartTime: TICK });
const plan = (input: Record<string, unknown>, dataSets: readonly ConfiguredDataSet[] = DATA_SETS) => planRevision(request(input), { s3: new S3Client({}), dataSets });
const puts = () => s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
const writtenPlan = (): StoredPlan => JSON.parse(String(puts().at(-1)?.Body));
const manifestBody = (document: unknown) => ({ Body: { transformToString: async () => JSON.stringify(document) } }) as unknown as GetObjectCommandOutput;
const SAMPLE = { type: 'generate', assets: 1, recordsPerAsset: 1 };

describe('plan-revision with several data sets', () => {
  beforeEach(() => {
    s3.reset();
    s3.on(PutObjectCommand).resolves({});
  });

  describe('which data set', () => {
    it('publishes a run that names none to the first configured, with its default subscribers', async () => {
      const output = await plan({ runId: 'r1', source: SAMPLE });

      expect(output).toMatchObject({ datasetId: DATA_SET_ID, subscriberAccountIds: [ACCOUNT_A], manifestKey: 'manifests/runs/r1/plan.json' });
    });

    it('publishes a run that names a data set to it, in its own folder, with its subscribers', async () => {
      const output = await plan({ runId: 'r1', dataSet: 'weather', source: SAMPLE });

      expect(output).toMatchObject({ datasetId: WEATHER_ID, subscriberAccountIds: [ACCOUNT_B], manifestKey: 'manifests/runs/data-set=weather/r1/plan.json' });
      expect(writtenPlan()).toMatchObject({ datasetId: WEATHER_ID, dataSetName: 'weather' });
      expect(puts().map((put) => put.Key)).toEqual(['manifests/runs/data-set=weather/r1/batches/0-0.json', 'manifests/runs/data-set=weather/r1/plan.json']);
    });

    it("finds a data set by its id, and writes its generated assets in its run's folder", async () => {
      await plan({ runId: 'r1', datasetId: WEATHER_ID, source: SAMPLE });

      expect(writtenPlan().dataSetName).toBe('weather');
      expect(JSON.parse(String(puts()[0].Body)).assets[0].key).toMatch(/^generated\/data-set=weather\/r1\//);
    });

    it('takes the name and the id together when they agree', async () => {
      await expect(plan({ runId: 'r1', dataSet: 'weather', datasetId: WEATHER_ID, source: SAMPLE })).resolves.toMatchObject({ datasetId: WEATHER_ID });
    });

    it.each([
      ['a name that is not configured', { dataSet: 'prices' }, `dataSet: "prices" is not one of this deployment's data sets: "default" (${DATA_SET_ID}), "weather" (${WEATHER_ID})`],
      ['an id that is not configured', { datasetId: '12341234123412341234123412341234' }, "datasetId: 12341234123412341234123412341234 is not one of this deployment's data sets"],
      ['a name and an id that disagree', { dataSet: 'weather', datasetId: DATA_SET_ID }, `datasetId: ${DATA_SET_ID} is not the id of data set "weather" (${WEATHER_ID})`],
    ])('refuses %s, writing nothing', async (_label, choice, message) => {
      const attempt = plan({ runId: 'r1', source: SAMPLE, ...choice });

      await expect(attempt).rejects.toThrow(InputValidationError);
      await expect(attempt).rejects.toThrow(message);
      expect(puts()).toEqual([]);
    });

    it('needs an id or a name when the deployment configures no data sets', async () => {
      await expect(plan({ runId: 'r1', source: SAMPLE }, [])).rejects.toThrow('datasetId: required, as this deployment configures no data sets');
      await expect(plan({ runId: 'r1', dataSet: 'weather', source: SAMPLE }, [])).rejects.toThrow('configures none by name; give datasetId');
      await expect(plan({ runId: 'r1', datasetId: WEATHER_ID, source: SAMPLE }, [])).resolves.toMatchObject({ datasetId: WEATHER_ID, manifestKey: 'manifests/runs/r1/plan.json' });
    });
  });

  describe("a source manifest's dataSet", () => {
    const source = { type: 'manifest', key: 'manifests/incoming/nov.json', etag: 'abc' };
    beforeEach(() => {
      s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'data/a.csv', Size: 5, ETag: '"a"' }] });
    });

    it('publishes to the data set the manifest names, in its folder', async () => {
      s3.on(GetObjectCommand).resolves(manifestBody({ prefixes: ['data/'], dataSet: 'weather' }));

      const output = await plan({ source });

      expect(output.datasetId).toBe(WEATHER_ID);
      expect(output.manifestKey).toMatch(/^manifests\/runs\/data-set=weather\/nov-[0-9a-f]{12}\/plan\.json$/);
    });

    it('refuses a manifest that names a data set the deployment does not configure, writing nothing', async () => {
      s3.on(GetObjectCommand).resolves(manifestBody({ prefixes: ['data/'], dataSet: 'prices' }));

      await expect(plan({ source })).rejects.toThrow('dataSet of source manifest s3://dx-flow-test-bucket/manifests/incoming/nov.json: "prices" is not one of');
      expect(puts()).toEqual([]);
    });

    it('takes a manifest and an input that name the same data set', async () => {
      s3.on(GetObjectCommand).resolves(manifestBody({ prefixes: ['data/'], dataSet: 'weather' }));

      await expect(plan({ source, dataSet: 'weather' })).resolves.toMatchObject({ datasetId: WEATHER_ID });
    });

    it('refuses a manifest whose data set is not the one the input names', async () => {
      s3.on(GetObjectCommand).resolves(manifestBody({ prefixes: ['data/'], dataSet: 'weather' }));

      await expect(plan({ source, dataSet: 'default' })).rejects.toThrow('dataSet: the input names data set "default", but source manifest');
    });
  });

  describe('a scheduled run', () => {
    it("takes the data set's name into its runId, except the default's", async () => {
      await expect(plan({ scheduledAt: TICK, dataSet: 'weather', datasetId: WEATHER_ID, source: SAMPLE })).resolves.toMatchObject({ runId: 'scheduled-weather-20261201T0600Z' });
      await expect(plan({ scheduledAt: TICK, dataSet: 'default', datasetId: DATA_SET_ID, source: SAMPLE })).resolves.toMatchObject({ runId: 'scheduled-20261201T0600Z' });
    });

    it("lists the prefix of its tick's day, an offset before, never the clock's", async () => {
      s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'incoming/2026/11/30/a.csv', Size: 5, ETag: '"a"' }] });

      await plan({ scheduledAt: TICK, dataSet: 'weather', source: { type: 's3Prefix', prefix: 'incoming/{yyyy}/{mm}/{dd}/', offset: '1 day' } });

      expect(s3.commandCalls(ListObjectsV2Command)[0].args[0].input).toMatchObject({ Bucket: BUCKET, Prefix: 'incoming/2026/11/30/' });
    });

    it('names the resolved prefix and the tick when the folder is empty, writing nothing', async () => {
      s3.on(ListObjectsV2Command).resolves({ Contents: [] });

      const attempt = plan({ scheduledAt: TICK, source: { type: 's3Prefix', prefix: 'incoming/{yyyy}/{mm}/{dd}/{hh}/' } });

      await expect(attempt).rejects.toThrow(
        `source.prefix: no objects under incoming/2026/12/01/06/ in bucket ${BUCKET} for the run scheduled at ${TICK} (from "incoming/{yyyy}/{mm}/{dd}/{hh}/")`,
      );
      expect(puts()).toEqual([]);
    });

    it('names the offset too when the folder an offset before the tick is empty', async () => {
      s3.on(ListObjectsV2Command).resolves({ Contents: [] });

      const attempt = plan({ scheduledAt: TICK, source: { type: 's3Prefix', prefix: 'incoming/{yyyy}/{mm}/{dd}/', offset: '1 day' } });

      await expect(attempt).rejects.toThrow(
        `source.prefix: no objects under incoming/2026/11/30/ in bucket ${BUCKET} for the run scheduled at ${TICK} (from "incoming/{yyyy}/{mm}/{dd}/", 1 day before it)`,
      );
      expect(puts()).toEqual([]);
    });

    it('refuses a templated prefix in a run with no tick, and an offset on a plain prefix', async () => {
      await expect(plan({ runId: 'r1', source: { type: 's3Prefix', prefix: 'incoming/{yyyy}/' } })).rejects.toThrow(
        'source.prefix: "incoming/{yyyy}/" is filled in from the schedule tick, so the run needs "scheduledAt"',
      );
      await expect(plan({ runId: 'r1', source: { type: 's3Prefix', prefix: 'incoming/', offset: '1 day' } })).rejects.toThrow(
        'source.offset: "1 day" moves a prefix\'s {yyyy}, {mm}, {dd} or {hh}, and "incoming/" holds none',
      );
    });
  });
});
