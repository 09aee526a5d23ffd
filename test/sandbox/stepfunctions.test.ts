import { DataExchangeClient, ListDataSetRevisionsCommand, paginateListRevisionAssets } from '@aws-sdk/client-dataexchange';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeStateMachineCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ERROR_NAMES } from '../../shared/errors';
import { STATE } from '../../shared/state-names';
import { batchesOf, importBatchStateMachineArn, outcomeOf, sandboxClients, waitForBatchState } from './outcome';
import { fullHistory, openTestSandbox, startRun, waitForEnd } from './sandbox-harness';

async function assetNames(dataExchange: DataExchangeClient, dataSetId: string, revisionId: string) {
  const names: string[] = [];
  for await (const page of paginateListRevisionAssets({ client: dataExchange }, { DataSetId: dataSetId, RevisionId: revisionId })) {
    names.push(...(page.Assets ?? []).map((asset) => asset.Name ?? ''));
  }
  return names.sort();
}

describe('the sandbox Step Functions endpoint', () => {
  let env: Awaited<ReturnType<typeof openTestSandbox>>;
  let dataExchange: DataExchangeClient;
  let s3: S3Client;

  beforeAll(async () => {
    env = await openTestSandbox([
      // Holds the first import of the "vanishing key" test long enough to delete its source.
      { service: 'dataexchange', operation: 'StartJob', delayMs: 400, times: 1, after: 1 },
    ]);
    dataExchange = new DataExchangeClient({ maxAttempts: 1 });
    s3 = new S3Client({ maxAttempts: 1, forcePathStyle: true });
  });
  afterAll(() => env.close());

  it('runs the synthesized definitions to a finalized revision, with histories in Step Functions event types', async () => {
    const executionArn = await startRun(env.sandbox, env.sfn, { runId: 'sfn-happy', source: { type: 'generate', assets: 3, recordsPerAsset: 5 } });

    const execution = await waitForEnd(env.sfn, executionArn);
    const events = await fullHistory(env.sfn, executionArn);
    const [batch, ...more] = await batchesOf(env.sandbox, env.sfn, executionArn);

    expect(execution.status).toBe('SUCCEEDED');
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('ExecutionStarted');
    expect(types.at(-1)).toBe('ExecutionSucceeded');
    expect(types).toEqual(expect.arrayContaining(['TaskStateEntered', 'TaskSucceeded', 'MapIterationStarted', 'ChoiceStateEntered']));
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    // The one batch ran as an execution of its own: upload, import, and the poll's Wait.
    expect(more).toEqual([]);
    expect(batch).toMatchObject({ status: 'SUCCEEDED', index: 0 });
    const batchTypes = batch.history.map((e) => e.type);
    expect([batchTypes[0], batchTypes.at(-1)]).toEqual(['ExecutionStarted', 'ExecutionSucceeded']);
    expect(batchTypes).toEqual(expect.arrayContaining(['TaskStateEntered', 'WaitStateEntered', 'ChoiceStateEntered', 'SucceedStateEntered']));
    const revisions = await dataExchange.send(new ListDataSetRevisionsCommand({ DataSetId: env.sandbox.dataSetId }));
    const revision = revisions.Revisions?.find((r) => r.Comment?.startsWith('dx-flow run sfn-happy'));
    expect(revision?.Finalized).toBe(true);
    expect(await assetNames(dataExchange, env.sandbox.dataSetId, revision?.Id ?? '')).toEqual([
      'generated/sfn-happy/analytics-00001.csv',
      'generated/sfn-happy/analytics-00002.csv',
      'generated/sfn-happy/analytics-00003.csv',
    ]);
  });

  it('fails with ImportJobFailedError when a source key disappears before the import, naming the key', async () => {
    const keys = ['incoming/vanish/a.csv', 'incoming/vanish/b.csv'];
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: env.sandbox.bucket, Key: key, Body: `data of ${key}\n` }));
    const executionArn = await startRun(env.sandbox, env.sfn, { runId: 'sfn-vanish', source: { type: 's3Prefix', prefix: 'incoming/vanish/' } });
    await waitForBatchState(env.sandbox, env.sfn, executionArn, STATE.startImport);
    await s3.send(new DeleteObjectCommand({ Bucket: env.sandbox.bucket, Key: keys[1] }));

    const outcome = await outcomeOf(env.sandbox, env.sfn, sandboxClients(), executionArn, 'sfn-vanish');

    // The batch's execution failed with the import's error; the publish execution, with the integration's.
    expect(outcome).toMatchObject({ status: 'FAILED', executionError: 'States.TaskFailed', error: ERROR_NAMES.importJobFailed, failedState: STATE.importBatch });
    expect(outcome.cause).toContain(keys[1]);
    expect(outcome.failedBatch).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.importJobFailed, failedState: STATE.checkImport });
    expect(outcome.failedBatch?.history.find((e) => e.type === 'TaskFailed')?.taskFailedEventDetails?.error).toBe(ERROR_NAMES.importJobFailed);
    expect(outcome.failedBatch?.history.at(-1)?.executionFailedEventDetails).toMatchObject({ error: ERROR_NAMES.importJobFailed });
    expect(outcome.history.at(-1)?.executionFailedEventDetails).toMatchObject({ error: 'States.TaskFailed' });
    expect(outcome.notifications.map((n) => n.subject)).toEqual([`dx-flow: run sfn-vanish failed: ${ERROR_NAMES.importJobFailed}`]);
  });

  it('pages the history with nextToken, in order and in reverse', async () => {
    const executionArn = await startRun(env.sandbox, env.sfn, { runId: 'sfn-pages', source: { type: 'generate', assets: 1, recordsPerAsset: 1 } });
    await waitForEnd(env.sfn, executionArn);

    const whole = await fullHistory(env.sfn, executionArn);
    const paged = await fullHistory(env.sfn, executionArn, 4);

    expect(whole.length).toBeGreaterThan(8);
    expect(paged).toEqual(whole);
  });

  it('lists executions and describes the state machines', async () => {
    const listed = await env.sfn.send(new ListExecutionsCommand({ stateMachineArn: env.sandbox.stateMachineArn }));
    const machine = await env.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: env.sandbox.stateMachineArn }));
    const machines = await env.sfn.send(new ListStateMachinesCommand({}));
    const batchMachine = await env.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: importBatchStateMachineArn(env.sandbox) }));

    expect(listed.executions?.map((e) => e.name)).toEqual(expect.arrayContaining([expect.stringContaining('run-')]));
    expect(listed.executions?.length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(machine.definition ?? '{}').StartAt).toBe(STATE.planRevision);
    expect(machines.stateMachines?.map((m) => m.stateMachineArn).sort()).toEqual([env.sandbox.stateMachineArn, importBatchStateMachineArn(env.sandbox)].sort());
    expect(JSON.parse(batchMachine.definition ?? '{}').StartAt).toBe(STATE.uploadBatch);
  });

  it('names each answer\'s request, as AWS does in x-amzn-RequestId', async () => {
    const first = await env.sfn.send(new ListExecutionsCommand({ stateMachineArn: env.sandbox.stateMachineArn }));
    const second = await env.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: env.sandbox.stateMachineArn }));

    expect(first.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.$metadata.requestId).not.toBe(first.$metadata.requestId);
  });

  it('rejects unknown executions and state machines with AWS error names', async () => {
    await expect(
      env.sfn.send(new ListExecutionsCommand({ stateMachineArn: `${env.sandbox.stateMachineArn}-nope` })),
    ).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
    await expect(
      env.sfn.send(new StopExecutionCommand({ executionArn: `${env.sandbox.stateMachineArn.replace('stateMachine', 'execution')}:nope` })),
    ).rejects.toMatchObject({ name: 'ExecutionDoesNotExist' });
  });
});

describe('stopping, redriving and restarting the sandbox', () => {
  it('stops a run stuck in an import, redrives it to the same revision, and keeps it all across a restart', async () => {
    const env = await openTestSandbox([{ importJob: 'STUCK', nth: 1 }]);
    const executionArn = await startRun(env.sandbox, env.sfn, { runId: 'sfn-stuck', source: { type: 'generate', assets: 2, recordsPerAsset: 1 } });
    await waitForBatchState(env.sandbox, env.sfn, executionArn, STATE.checkImport);

    await env.sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'stuck' }));
    const stopped = await waitForEnd(env.sfn, executionArn);
    await env.close({ keep: true });
    const restarted = await openTestSandbox([], env.directory);
    const afterRestart = await restarted.sfn.send(new ListExecutionsCommand({ stateMachineArn: restarted.sandbox.stateMachineArn }));
    await restarted.sfn.send(new RedriveExecutionCommand({ executionArn }));
    const redriven = await waitForEnd(restarted.sfn, executionArn);
    const events = await fullHistory(restarted.sfn, executionArn);
    const batches = await batchesOf(restarted.sandbox, restarted.sfn, executionArn);
    const revisions = await new DataExchangeClient({ maxAttempts: 1 }).send(
      new ListDataSetRevisionsCommand({ DataSetId: restarted.sandbox.dataSetId }),
    );
    await restarted.close();

    expect(stopped.status).toBe('ABORTED');
    expect(afterRestart.executions?.map((e) => e.executionArn)).toContain(executionArn);
    expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(events.filter((e) => e.type === 'ExecutionRedriven')).toHaveLength(1);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['ExecutionAborted', 'ExecutionSucceeded']));
    // The batch's execution stopped with the run; the redrive ran the batch again as the next attempt's execution.
    expect(batches.map((batch) => [batch.name.slice(-3), batch.status])).toEqual([
      ['-r0', 'ABORTED'],
      ['-r1', 'SUCCEEDED'],
    ]);
    expect(revisions.Revisions?.filter((r) => r.Comment?.startsWith('dx-flow run sfn-stuck'))).toEqual([
      expect.objectContaining({ Finalized: true }),
    ]);
  });
});
