import { ListDataSetRevisionsCommand } from '@aws-sdk/client-dataexchange';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { originalFailure } from '../../cli/history';
import type { SandboxDataSetSettings } from '../../sandbox/data-sets';
import { lockFileOf } from '../../sandbox/ownership';
import { startSandbox } from '../../sandbox/sandbox';
import { executionsStartedBy, openTestSandbox } from './sandbox-harness';
import { revisionsOfRun, seedObjects, useSandbox } from './outcome';

/*
 * Several data sets from one sandbox, as issue 19 §4 sets them: "readings" made by a generator on its schedule, and
 * "daily" publishing the day before its tick from a templated S3 folder. Each schedule and each manifest publishes
 * to the data set it names, and to no other; a tick whose folder is empty and a manifest naming a data set that is
 * not configured fail, creating nothing. The revisions are read back through the real Data Exchange client.
 */

const DATA_SETS: Readonly<Record<string, SandboxDataSetSettings>> = {
  readings: { scheduledSource: { type: 'generator', name: 'hello-readings', options: { stations: ['harbour'], hours: 2 } } },
  daily: { scheduledSource: { type: 's3Prefix', prefix: 'incoming/{yyyy}/{mm}/{dd}/', offset: '1 day' } },
};
const TICK = new Date('2026-11-30T06:00:09Z');

describe('a sandbox of several data sets', () => {
  const shared = useSandbox({ dataSets: DATA_SETS });
  const ids = () => shared.env.sandbox.dataSets;

  /** The revisions of `runId` in each data set, by name. */
  const revisionsByDataSet = async (runId: string) =>
    Object.fromEntries(
      await Promise.all(Object.entries(ids()).map(async ([name, id]) => [name, await revisionsOfRun(shared.clients.dataExchange, id, runId)] as const)),
    );

  /** How many revisions each data set has, by name. */
  const revisionCounts = async () =>
    Object.fromEntries(
      await Promise.all(
        Object.entries(ids()).map(async ([name, id]) => {
          const { Revisions = [], NextToken } = await shared.clients.dataExchange.send(new ListDataSetRevisionsCommand({ DataSetId: id }));
          expect(NextToken).toBeUndefined();
          return [name, Revisions.length] as const;
        }),
      ),
    );

  const describeExecution = (executionArn: string) => shared.env.sfn.send(new DescribeExecutionCommand({ executionArn }));

  /** Uploads a manifest under manifests/incoming/ and resolves with the execution its event started, once ended. */
  const uploadManifest = async (name: string, manifest: unknown) => {
    const put = () =>
      shared.clients.s3.send(new PutObjectCommand({ Bucket: shared.env.sandbox.bucket, Key: `manifests/incoming/${name}.json`, Body: JSON.stringify(manifest) }));
    const { ended } = await executionsStartedBy(shared.env.sandbox, shared.env.sfn, put);
    return ended[0];
  };

  it('makes one data set per name, the first the default, and keeps them by name in its directory', () => {
    const { sandbox } = shared.env;

    expect(Object.keys(sandbox.dataSets)).toEqual(['readings', 'daily']);
    expect(new Set(Object.values(sandbox.dataSets)).size).toBe(2);
    expect(sandbox.dataSetId).toBe(sandbox.dataSets.readings);
    const persisted = JSON.parse(readFileSync(path.join(sandbox.directory, 'sandbox.json'), 'utf8'));
    expect(persisted).toMatchObject({ dataSetId: sandbox.dataSets.readings, dataSets: sandbox.dataSets });
  });

  it("fires daily's schedule into daily alone: the folder of the day before the tick, under a runId that names it", async () => {
    const { sandbox } = shared.env;
    const seeded = await seedObjects(shared.clients.s3, sandbox.bucket, 'incoming/2026/11/29/', 2);

    const [executionArn] = await sandbox.fireSchedule(TICK, 1, 'daily');

    const execution = await describeExecution(executionArn);
    expect([execution.status, execution.cause]).toEqual(['SUCCEEDED', undefined]);
    expect(JSON.parse(execution.input ?? '{}')).toMatchObject({ dataSet: 'daily', datasetId: sandbox.dataSets.daily });
    expect(await revisionsByDataSet('scheduled-daily-20261130T0600Z')).toEqual({
      readings: [],
      daily: [expect.objectContaining({ finalized: true, assetNames: seeded })],
    });
  });

  it("fires readings' schedule into readings alone: the generator's assets, under a runId that names it", async () => {
    const [executionArn] = await shared.env.sandbox.fireSchedule(TICK, 1, 'readings');

    const execution = await describeExecution(executionArn);
    expect([execution.status, execution.cause]).toEqual(['SUCCEEDED', undefined]);
    expect(JSON.parse(execution.input ?? '{}')).toMatchObject({ dataSet: 'readings', source: { type: 'generator', name: 'hello-readings' } });
    expect(await revisionsByDataSet('scheduled-readings-20261130T0600Z')).toEqual({
      // Named by their keys, in the run's folder of the data set (shared/manifest.ts `runFolder`).
      readings: [
        expect.objectContaining({
          finalized: true,
          assetNames: ['readings/harbour.csv', 'summary.json'].map((name) => `generated/data-set=readings/scheduled-readings-20261130T0600Z/${name}`),
        }),
      ],
      daily: [],
    });
  });

  it('publishes each manifest to the data set it names, and to no other', async () => {
    const { sandbox } = shared.env;
    const [toReadings, toDaily] = await seedObjects(shared.clients.s3, sandbox.bucket, 'drop/', 2);

    const executions = [
      await uploadManifest('to-readings', { keys: [toReadings], dataSet: 'readings' }),
      await uploadManifest('to-daily', { keys: [toDaily], dataSet: 'daily' }),
    ];

    expect(executions.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const [readingsRun, dailyRun] = executions.map((execution) => JSON.parse(execution.output ?? '{}').plan.runId as string);
    const [readingsRevisions, dailyRevisions] = [await revisionsByDataSet(readingsRun), await revisionsByDataSet(dailyRun)];
    expect(readingsRevisions).toEqual({ readings: [expect.objectContaining({ finalized: true, assetNames: [toReadings] })], daily: [] });
    expect(dailyRevisions).toEqual({ daily: [expect.objectContaining({ finalized: true, assetNames: [toDaily] })], readings: [] });
  });

  it('fails a tick whose folder is empty, naming the folder it resolved and the tick, and publishes nothing', async () => {
    const before = await revisionCounts();

    const [executionArn] = await shared.env.sandbox.fireSchedule(new Date('2026-12-05T06:00:00Z'), 1, 'daily');

    const execution = await describeExecution(executionArn);
    expect(execution.status).toBe('FAILED');
    const failure = originalFailure(execution.error, execution.cause);
    expect(failure.error).toBe('InputValidationError');
    expect(failure.cause).toContain('no objects under incoming/2026/12/04/');
    expect(failure.cause).toContain('2026-12-05T06:00:00Z');
    expect(await revisionCounts()).toEqual(before);
  });

  it('refuses a manifest naming a data set that is not configured, listing those that are, and creates no revision', async () => {
    const { sandbox } = shared.env;
    const [key] = await seedObjects(shared.clients.s3, sandbox.bucket, 'stray/', 1);
    const before = await revisionCounts();

    const execution = await uploadManifest('to-weather', { keys: [key], dataSet: 'weather' });

    expect(execution.status).toBe('FAILED');
    const failure = originalFailure(execution.error, execution.cause);
    expect(failure.error).toBe('InputValidationError');
    expect(failure.cause).toContain('"weather" is not one of this deployment\'s data sets');
    expect(failure.cause).toContain(`"readings" (${sandbox.dataSets.readings}), "daily" (${sandbox.dataSets.daily})`);
    expect(await revisionCounts()).toEqual(before);
  });

  it('refuses to fire the schedule of a data set it does not have, naming those it has', async () => {
    await expect(shared.env.sandbox.fireSchedule(TICK, 1, 'weather')).rejects.toThrow(
      'No schedule publishes data set "weather": the sandbox\'s data sets are "readings", "daily", and those with a schedule "readings", "daily"',
    );
  });
});

describe("the sandbox's data set options", () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-data-set-options-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it.each([
    [
      'an id in dataSets',
      { dataSets: { weather: { datasetId: '0123456789abcdef0123456789abcdef' } as SandboxDataSetSettings } },
      'SandboxOptions.dataSets "weather": leave datasetId out; the sandbox creates its own data sets',
    ],
    ['both dataSets and configFile', { dataSets: { weather: {} }, configFile: 'data-sets.json' }, 'SandboxOptions: give dataSets or configFile, not both'],
    ['a setting synth refuses', { dataSets: { weather: { schedule: 'daily' } } }, 'Invalid context "dataSets": weather.schedule: must be an EventBridge schedule expression'],
  ])('refuses %s before it starts anything, and leaves the directory free', async (_, options, message) => {
    await expect(startSandbox({ directory, ...options })).rejects.toThrow(message);

    expect(existsSync(lockFileOf(directory))).toBe(false);
    expect(readdirSync(directory)).toEqual([]);
  });

  it('keeps the data set of a directory from before several data sets as its "default"', async () => {
    const first = await openTestSandbox([], directory);
    const { dataSetId } = first.sandbox;
    await first.close({ keep: true });
    // What such a directory kept: the one id, and its ports.
    const file = path.join(directory, 'sandbox.json');
    const { ports } = JSON.parse(readFileSync(file, 'utf8')) as { ports: number[] };
    writeFileSync(file, JSON.stringify({ dataSetId, ports }));

    const again = await openTestSandbox([], directory);
    const restarted = again.sandbox;
    await again.close({ keep: true });

    expect([restarted.dataSetId, restarted.dataSets]).toEqual([dataSetId, { default: dataSetId }]);
  });
});
