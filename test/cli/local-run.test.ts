import {
  GetRevisionCommand,
  paginateListDataSetRevisions,
  paginateListJobs,
  paginateListRevisionAssets,
} from '@aws-sdk/client-dataexchange';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ListExecutionsCommand, ListStateMachinesCommand, SFNClient } from '@aws-sdk/client-sfn';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runMarker } from '../../tasks/create-revision/core';
import { PROVIDER_ACCOUNT } from '../../sandbox/accounts';
import type { SandboxInfo } from '../../sandbox/directory';
import { STATE } from '../../shared/state-names';
import { cli, clientOptions, type Inspection, inspect, spawnCli } from './harness';
import { fullHistory } from '../sandbox/sandbox-harness';

/*
 * The CLI end to end against the real sandbox: `main()` in-process with `--local` (the sandbox starts and stops
 * inside each call), and the real process for `npm start` and for input rejected before anything starts. After
 * each run the test opens the same sandbox directory and checks its state with the real clients.
 */


async function revisionState({ sandbox, dataExchange }: Inspection, revisionId: string) {
  const revision = await dataExchange.send(new GetRevisionCommand({ DataSetId: sandbox.dataSetId, RevisionId: revisionId }));
  const assets: string[] = [];
  for await (const page of paginateListRevisionAssets({ client: dataExchange }, { DataSetId: sandbox.dataSetId, RevisionId: revisionId })) {
    assets.push(...(page.Assets ?? []).map((asset) => asset.Name ?? ''));
  }
  const jobs: string[] = [];
  for await (const page of paginateListJobs({ client: dataExchange }, { DataSetId: sandbox.dataSetId, RevisionId: revisionId })) {
    jobs.push(...(page.Jobs ?? []).map((job) => job.State ?? ''));
  }
  return { finalized: revision.Finalized, assets: assets.sort(), jobs };
}

async function revisionsOfRun({ sandbox, dataExchange }: Inspection, runId: string) {
  const found: string[] = [];
  for await (const page of paginateListDataSetRevisions({ client: dataExchange }, { DataSetId: sandbox.dataSetId })) {
    found.push(...(page.Revisions ?? []).filter((r) => r.Comment?.startsWith(runMarker(runId)) === true).map((r) => r.Id ?? ''));
  }
  return found;
}

/** The outcome of each SNS message about this run, oldest first. */
const notificationsOf = ({ sandbox }: Inspection, runId: string) =>
  sandbox
    .notifications()
    .filter((message) => message.attributes.runId?.StringValue === runId)
    .map((message) => message.attributes.outcome?.StringValue);

const bodyOf = async (s3: S3Client, bucket: string, key: string) =>
  (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString();

describe('dx-flow end to end in the sandbox', () => {
  let scratch: string;
  let directory: string;
  let bucket: string;
  const prefixed = ['incoming/cli-prefix/a.csv', 'incoming/cli-prefix/b.csv', 'incoming/cli-prefix/nested/c.csv'];
  const vanishing = ['incoming/cli-vanish/1.csv', 'incoming/cli-vanish/2.csv', 'incoming/cli-vanish/3.csv'];

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'dx-flow-cli-'));
    directory = path.join(scratch, 'sandbox');
    // Objects already in the bucket, as a provider's upload leaves them, for the s3Prefix runs.
    bucket = await inspect(directory, async ({ sandbox, s3 }) => {
      for (const key of [...prefixed, ...vanishing]) {
        await s3.send(new PutObjectCommand({ Bucket: sandbox.bucket, Key: key, Body: `id,value\n1,${key}\n` }));
      }
      return sandbox.bucket;
    });
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const local = (...argv: string[]) => ['--local', '--sandbox-dir', directory, '--json', ...argv];

  it('publishes 250 assets with 3 import jobs into one finalized revision', async () => {
    const input = JSON.stringify({ source: { type: 'generate', assets: 250, recordsPerAsset: 1 } });

    const result = await cli(['run', ...local('--run-id', 'cli-250', '--input', input)]);
    const summary = result.json();

    expect(result.code).toBe(0);
    expect(summary).toMatchObject({ status: 'SUCCEEDED', runId: 'cli-250', assetCount: 250, importJobs: 3, finalized: true, notifications: 1 });
    const state = await inspect(directory, async (clients) => ({
      revision: await revisionState(clients, String(summary.revisionId)),
      notifications: notificationsOf(clients, 'cli-250'),
    }));
    expect(state.revision.finalized).toBe(true);
    expect(state.revision.assets).toHaveLength(250);
    expect(state.revision.assets[0]).toBe('generated/cli-250/analytics-00001.csv');
    expect(state.revision.jobs).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
    expect(state.notifications).toEqual(['SUCCEEDED']);
  });

  it('publishes an s3Prefix source over objects put there first', async () => {
    const input = JSON.stringify({ source: { type: 's3Prefix', prefix: 'incoming/cli-prefix/' } });

    const result = await cli(['run', ...local('--run-id', 'cli-prefix', '--input', input)]);
    const summary = result.json();

    expect(result.code).toBe(0);
    expect(summary).toMatchObject({ status: 'SUCCEEDED', assetCount: 3, importJobs: 1 });
    const state = await inspect(directory, async (clients) => revisionState(clients, String(summary.revisionId)));
    expect(state).toEqual({ finalized: true, assets: prefixed, jobs: ['COMPLETED'] });
  });

  it('fails with ImportJobFailedError when a key disappears before its import, touching nothing else', async () => {
    const faults = path.join(scratch, 'slow-start-job.json');
    // StartJob is held long enough for the test to delete a source after UploadBatch has checked it.
    writeFileSync(faults, JSON.stringify([{ service: 'dataexchange', operation: 'StartJob', delayMs: 1500 }]));
    const input = JSON.stringify({ source: { type: 's3Prefix', prefix: 'incoming/cli-vanish/' } });
    // Settles to the error, if any, so a failure to delete shows in the assertion rather than as an unhandled rejection.
    const deleted = deleteOnceImportStarts(directory, 'cli-vanish', vanishing[1] ?? '').then(
      () => undefined,
      (error: unknown) => error,
    );

    const result = await cli(['run', ...local('--run-id', 'cli-vanish', '--input', input, '--faults', faults)]);
    const summary = result.json();

    expect(await deleted).toBeUndefined();

    expect(result.code).toBe(1);
    // The batch's execution failed in CheckImport; the run failed in ImportBatch, with the batch's own error.
    expect(summary).toMatchObject({ status: 'FAILED', error: 'ImportJobFailedError', failedState: STATE.importBatch, finalized: false });
    expect(summary.cause).toEqual(expect.stringContaining(vanishing[1] ?? ''));
    const state = await inspect(directory, async (clients) => ({
      revision: await revisionState(clients, String(summary.revisionId)),
      notifications: notificationsOf(clients, 'cli-vanish'),
      others: await Promise.all([vanishing[0], vanishing[2]].map((key) => bodyOf(clients.s3, bucket, key ?? ''))),
    }));
    expect(state.revision.finalized).toBe(false);
    expect(state.revision.jobs).toEqual(['ERROR']);
    expect(state.notifications).toEqual(['FAILED']);
    expect(state.others).toEqual([`id,value\n1,${vanishing[0]}\n`, `id,value\n1,${vanishing[2]}\n`]);
  });

  it('with --no-validate, lets the state machine reject bad input: FAILED with InputValidationError, no revision', async () => {
    const result = await cli(['run', ...local('--no-validate', '--run-id', 'cli-invalid', '--assets', '0')]);
    const summary = result.json();

    expect(result.code).toBe(1);
    // The history holds no notification: the failure's comes from the execution's status change.
    expect(summary).toMatchObject({ status: 'FAILED', error: 'InputValidationError', failedState: STATE.planRevision, revisionId: null, notifications: 0 });
    expect(summary.cause).toEqual(expect.stringContaining('source.assets'));
    const state = await inspect(directory, async (clients) => ({
      revisions: await revisionsOfRun(clients, 'cli-invalid'),
      notifications: notificationsOf(clients, 'cli-invalid'),
    }));
    expect(state.revisions).toEqual([]);
    expect(state.notifications).toEqual(['FAILED']);
  });

  it('shows a failed run with status, and redrives it to the same revision', async () => {
    const faults = path.join(scratch, 'import-error.json');
    writeFileSync(faults, JSON.stringify([{ importJob: 'ERROR', nth: 1 }]));

    const failed = await cli(['run', ...local('--run-id', 'cli-redrive', '--assets', '2', '--faults', faults)]);
    const executionArn = String(failed.json().executionArn);
    const status = await cli(['status', executionArn, '--local', '--sandbox-dir', directory]);
    const redriven = await cli(['redrive', executionArn, ...local()]);

    expect(failed.code).toBe(1);
    expect(failed.json()).toMatchObject({ status: 'FAILED', error: 'ImportJobFailedError', failedState: STATE.importBatch, notifications: 0 });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('FAILED');
    expect(status.stdout).toContain(`error          ImportJobFailedError in ${STATE.importBatch}`);
    expect(status.stdout).toMatch(/cause {10}Import job \w+ for batch 0/);
    expect(redriven.code).toBe(0);
    expect(redriven.stderr).toContain(`Redriving ${executionArn}`);
    // The redrive resumes at the failed batch: nothing before the Map runs again, and the batch imports.
    expect(redriven.stderr).not.toContain(STATE.planRevision);
    expect(redriven.stderr).not.toContain(STATE.createRevision);
    expect(redriven.stderr).toMatch(new RegExp(`${STATE.importBatch} +batch 1/1 job COMPLETED`));
    expect(redriven.json()).toMatchObject({ status: 'SUCCEEDED', executionArn, revisionId: failed.json().revisionId, finalized: true, importJobs: 1 });
    const state = await inspect(directory, async (clients) => ({
      revisions: await revisionsOfRun(clients, 'cli-redrive'),
      revision: await revisionState(clients, String(failed.json().revisionId)),
      notifications: notificationsOf(clients, 'cli-redrive'),
    }));
    expect(state.revisions).toEqual([failed.json().revisionId]);
    expect(state.revision).toMatchObject({ finalized: true, assets: ['generated/cli-redrive/analytics-00001.csv', 'generated/cli-redrive/analytics-00002.csv'] });
    // One message per attempt: the first attempt's failure, from its status change, then the redrive's success.
    expect(state.notifications).toEqual(['FAILED', 'SUCCEEDED']);
  });

  it('rejects invalid input with exit 2 naming the field, and starts nothing', async () => {
    const fresh = path.join(scratch, 'never-created');

    const result = await spawnCli(['run', '--local', '--sandbox-dir', fresh, '--assets', '0', '--json']);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('source.assets');
    expect(result.json()).toMatchObject({ status: 'REJECTED', error: 'InputValidationError', executionArn: null });
    expect(existsSync(fresh)).toBe(false);
  });

  it('runs `npm start` (dx-flow run --local) to a finalized revision with one success notification', async () => {
    const fresh = path.join(scratch, 'npm-start');

    const result = await spawnCli(['run', '--local', '--json', '--sandbox-dir', fresh]);
    const summary = result.json();

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(STATE.published);
    expect(summary).toMatchObject({ status: 'SUCCEEDED', assetCount: 3, importJobs: 1, finalized: true, notifications: 1, error: null });
    expect(existsSync(path.join(fresh, 'running.json'))).toBe(false);
    const state = await inspect(fresh, async (clients) => ({
      revision: await revisionState(clients, String(summary.revisionId)),
      notifications: notificationsOf(clients, String(summary.runId)),
    }));
    expect(state.revision.finalized).toBe(true);
    expect(state.revision.assets).toHaveLength(3);
    expect(state.notifications).toEqual(['SUCCEEDED']);
  });
});

/**
 * Deletes `key` once the run's StartImport has begun (UploadBatch has checked the objects by then), while the
 * CLI in this same process follows the run. The sandbox the CLI starts is found through its directory; StartImport
 * runs in the batch's own execution, of the import-batch state machine, named after the runId.
 */
async function deleteOnceImportStarts(directory: string, runId: string, key: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  const pause = () => new Promise((resolve) => setTimeout(resolve, 10));
  const runningFile = path.join(directory, 'running.json');
  while (!existsSync(runningFile)) {
    if (Date.now() > deadline) throw new Error('the CLI never started its sandbox');
    await pause();
  }
  const info = JSON.parse(readFileSync(runningFile, 'utf8')) as SandboxInfo;
  const credentials = { accessKeyId: PROVIDER_ACCOUNT.accessKeyId, secretAccessKey: PROVIDER_ACCOUNT.secretAccessKey };
  const sfn = new SFNClient({ ...clientOptions, endpoint: info.endpoints.sfn, credentials });
  const s3 = new S3Client({ ...clientOptions, endpoint: info.endpoints.s3, credentials, forcePathStyle: true });
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  const importBatch = stateMachines.find((machine) => machine.stateMachineArn !== info.stateMachineArn)?.stateMachineArn;
  if (importBatch === undefined) throw new Error('the sandbox runs no import-batch state machine');
  for (;;) {
    if (Date.now() > deadline) throw new Error(`run ${runId} never reached ${STATE.startImport}`);
    const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: importBatch, statusFilter: 'RUNNING' }));
    const execution = executions?.find((e) => e.name?.startsWith(`${runId}-`) === true);
    const events = execution?.executionArn === undefined ? [] : await fullHistory(sfn, execution.executionArn);
    if (events.some((e) => e.stateEnteredEventDetails?.name === STATE.startImport)) break;
    await pause();
  }
  await s3.send(new DeleteObjectCommand({ Bucket: info.bucket, Key: key }));
}
