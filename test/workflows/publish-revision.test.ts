import { CreateJobCommand, CreateRevisionCommand, UpdateRevisionCommand } from '@aws-sdk/client-dataexchange';
import { PublishCommand } from '@aws-sdk/client-sns';
import { createHash } from 'node:crypto';
import { awsError, BUCKET, DATA_SET_ID, TOPIC_ARN } from '../fixtures/ids';
import { STATE } from '../../shared/state-names';
import type { AslDefinition, AslState } from '../../workflows/asl';
import { type EndedExecution, type LocalEvent, type LocalExecutionResult, loadTaskHandlers, type ResumePoint } from '../../workflows/local-runner';
import { TASK_OF_STATE } from '../../workflows/state-names';
import { createFakeAws, type FakeAwsOptions } from './fake-aws';
import { executionArnOf, instrument, localStepFunctions, type LocalStepFunctions, synthesizeStateMachines, type SynthesizedStateMachines } from './harness';

process.env.NOTIFY_TOPIC_ARN = TOPIC_ARN;

const entered = (events: readonly LocalEvent[], state: string) =>
  events.filter((e) => e.type === 'StateEntered' && e.state.name === state).length;
const retried = (events: readonly LocalEvent[], state: string) =>
  events.filter((e) => e.type === 'StateRetried' && e.state.name === state).length;
/** The states that failed, innermost first, as the execution's events say. */
const failedStates = (events: readonly LocalEvent[]) => events.flatMap((e) => (e.type === 'StateFailed' ? [e.state.name] : []));

const input = (assets: number, extra: Record<string, unknown> = {}) => ({
  bucket: BUCKET,
  datasetId: DATA_SET_ID,
  source: { type: 'generate', assets, recordsPerAsset: 1 },
  ...extra,
});

/** How a batch's execution name starts: the runId, cut to 40, and a hash of the publish execution's name. */
const prefixOf = (runId: string, executionName: string) => `${runId.slice(0, 40)}-${createHash('sha256').update(executionName).digest('hex').slice(0, 12)}-p0`;

function allStates(definition: AslDefinition): [string, AslState][] {
  return Object.entries(definition.States).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...[state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].flatMap((nested) => (nested === undefined ? [] : allStates(nested))),
  ]);
}

describe('the runnable ASL of the synthesized stack', () => {
  const { publish, importBatch } = synthesizeStateMachines();

  it('maps every Lambda state of both state machines to its task', () => {
    expect({ ...publish.taskOfState, ...importBatch.taskOfState }).toEqual(TASK_OF_STATE);
    expect(Object.keys(importBatch.taskOfState).sort()).toEqual([STATE.checkImport, STATE.startImport, STATE.uploadBatch]);
  });

  it('runs the import-batch state machine once per batch, from a Map whose one state waits for it', () => {
    const body = publish.definition.States[STATE.importBatches].ItemProcessor;

    expect(publish.startsStateMachines).toContain(importBatch.stateMachineName);
    expect(Object.keys(body?.States ?? {})).toEqual([STATE.importBatch]);
    expect(body?.States[STATE.importBatch]).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: { StateMachineArn: expect.stringMatching(new RegExp(`:stateMachine:${importBatch.stateMachineName}$`)) },
      End: true,
    });
    expect(importBatch.definition.StartAt).toBe(STATE.uploadBatch);
  });

  it('catches nothing, in either state machine: a failing state fails its execution', () => {
    const catching = [publish, importBatch].flatMap((m) => allStates(m.definition)).filter(([, state]) => state.Catch !== undefined);

    expect(catching.map(([name]) => name)).toEqual([]);
  });
});

describe('the synthesized publish workflow, with one import-batch execution per batch', () => {
  let machines: SynthesizedStateMachines;
  const handlers = loadTaskHandlers();
  let fake: ReturnType<typeof createFakeAws>;
  let sfn: LocalStepFunctions;

  beforeAll(() => {
    machines = synthesizeStateMachines();
  });
  afterEach(() => fake.restore());

  const arrange = (options: FakeAwsOptions = {}) => {
    fake = createFakeAws(options);
    sfn = localStepFunctions(machines.all);
  };
  const run = (workflowInput: unknown, options: { name?: string } = {}, taskHandlers = handlers) =>
    sfn.run(machines.publish, taskHandlers, workflowInput, { executionName: options.name ?? 'exec-1' });
  /** The events of the publish execution and of every batch execution it ran. */
  const everyEvent = (result: LocalExecutionResult) => [...result.events, ...sfn.children.flatMap((child) => child.result.events)];
  /** The cause of a failed ImportBatch: DescribeExecution's answer for the batch's execution. */
  const batchFailure = (result: LocalExecutionResult) => JSON.parse(result.cause ?? '{}') as EndedExecution;

  it('publishes 250 assets in 3 batches, each its own execution, finalizes once and notifies once', async () => {
    arrange();

    const result = await run(input(250));

    expect(result.status).toBe('SUCCEEDED');
    expect(sfn.children.map((child) => [child.stateMachineName, child.result.status])).toEqual(
      Array(3).fill([machines.importBatch.stateMachineName, 'SUCCEEDED']),
    );
    expect(fake.dataExchange).toHaveReceivedCommandTimes(CreateJobCommand, 3);
    expect(fake.revisions).toHaveLength(1);
    expect(fake.revisions[0]).toMatchObject({ Finalized: true });
    expect(fake.revisions[0].assetNames.size).toBe(250);
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0].Subject).toContain('published revision');
    expect(entered(result.events, STATE.shareWithSubscribers)).toBe(0);
  });

  it('names each batch execution <runId>-<hash of the execution name>-p<part>-b<batch>-r<redrive count>, gives it its batch, and never reuses a name', async () => {
    arrange();
    // Named as `dx-flow run` names executions: the runId, then the start time.
    const names = ['daily-2026-11-30-20261130T060000000Z', 'daily-2026-12-01-20261201T060000000Z'];

    const results = [await run(input(150, { runId: 'daily-2026-11-30' }), { name: names[0] }), await run(input(150, { runId: 'daily-2026-12-01' }), { name: names[1] })];

    const runIds = ['daily-2026-11-30', 'daily-2026-12-01'];
    const expected = names.flatMap((name, run) => [0, 1].map((index) => `${prefixOf(runIds[run], name)}-b${index}-r0`));
    expect(sfn.children.map((child) => child.name).sort()).toEqual(expected.sort());
    expect(results.map((result) => result.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(sfn.children.find((child) => child.name.startsWith('daily-2026-11-30') && child.name.endsWith('-b1-r0'))?.input).toEqual({
      // associateWithParent: the console links the batch execution to the one that started it.
      AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: executionArnOf(machines.publish, names[0]),
      runId: 'daily-2026-11-30',
      bucket: BUCKET,
      datasetId: DATA_SET_ID,
      manifestKey: expect.any(String),
      revisionId: fake.revisions[0].Id,
      batch: expect.objectContaining({ part: 0, index: 1 }),
    });
  });

  it('polls a job that waits, then runs twice, then completes, inside the batch execution', async () => {
    arrange({ jobStates: ['WAITING', 'IN_PROGRESS', 'IN_PROGRESS', 'COMPLETED'] });

    const result = await run(input(1));

    expect(result.status).toBe('SUCCEEDED');
    expect(entered(sfn.children[0].result.events, STATE.checkImport)).toBe(4);
    expect(entered(sfn.children[0].result.events, STATE.waitForImport)).toBe(4);
    expect(entered(result.events, STATE.checkImport)).toBe(0);
    expect(result.output).not.toHaveProperty('status');
  });

  it('fails in ImportBatch with States.TaskFailed carrying the batch execution\'s ImportJobFailedError, never finalizes and notifies nothing', async () => {
    arrange({ jobStates: ['ERROR'] });
    const counted = instrument(handlers);

    const result = await run(input(2), {}, counted.handlers);

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(failedStates(result.events)).toEqual([STATE.importBatch, STATE.importBatches]);
    expect(batchFailure(result)).toMatchObject({ Name: sfn.children[0].name, Status: 'FAILED', Error: 'ImportJobFailedError' });
    expect(batchFailure(result).Cause).toContain('RESOURCE_NOT_FOUND');
    expect(failedStates(sfn.children[0].result.events)).toEqual([STATE.checkImport]);
    expect(entered(result.events, STATE.finalizeRevision)).toBe(0);
    expect(fake.dataExchange).not.toHaveReceivedCommand(UpdateRevisionCommand);
    expect(counted.calls.notify).toBeUndefined();
    expect(fake.sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('retries throttling twice and then succeeds', async () => {
    arrange();
    fake.failNext('CreateRevision', () => awsError('ThrottlingException', 400), 2);

    const result = await run(input(1));

    expect(result.status).toBe('SUCCEEDED');
    expect(fake.dataExchange).toHaveReceivedCommandTimes(CreateRevisionCommand, 3);
    expect(retried(result.events, STATE.createRevision)).toBe(2);
  });

  it('fails at once in PlanRevision on invalid input: one invocation, no retry, no notification', async () => {
    arrange();
    const counted = instrument(handlers);

    const result = await run(input(0), {}, counted.handlers);

    expect(result).toMatchObject({ status: 'FAILED', error: 'InputValidationError' });
    expect(result.cause).toContain('source.assets');
    expect(failedStates(result.events)).toEqual([STATE.planRevision]);
    expect(counted.calls['plan-revision']).toBe(1);
    expect(retried(result.events, STATE.planRevision)).toBe(0);
    expect(fake.dataExchange).not.toHaveReceivedCommand(CreateRevisionCommand);
    expect(counted.calls.notify).toBeUndefined();
    expect(fake.sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('never runs more batches at once than the Map allows', async () => {
    arrange();
    const counted = instrument(handlers, { 'upload-batch': 20 });
    const maxConcurrency = machines.publish.definition.States[STATE.importBatches].MaxConcurrency;

    const result = await run(input(2500), {}, counted.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(maxConcurrency).toBe(10);
    expect(sfn.children).toHaveLength(25);
    expect(counted.calls['upload-batch']).toBe(25);
    expect(counted.peak['upload-batch']).toBe(maxConcurrency);
  });

  it('ends an already-published runId in success without importing again', async () => {
    arrange();
    await run(input(2, { runId: 'daily-1' }), { name: 'first' });
    fake.dataExchange.resetHistory();
    const batchesOfFirst = sfn.children.length;

    const again = await run(input(2, { runId: 'daily-1' }), { name: 'second' });

    expect(again.status).toBe('SUCCEEDED');
    expect(fake.dataExchange).not.toHaveReceivedCommand(CreateJobCommand);
    expect(fake.revisions).toHaveLength(1);
    expect(entered(again.events, STATE.importBatches)).toBe(0);
    expect(sfn.children).toHaveLength(batchesOfFirst);
    expect(fake.messages).toHaveLength(2);
    expect(fake.messages[1].Subject).toContain('already published');
  });

  it('shares with each subscriber and reports the grants', async () => {
    arrange();

    const result = await run(input(1, { subscriberAccountIds: ['111122223333', '444455556666'] }));

    expect(result.status).toBe('SUCCEEDED');
    expect(fake.grants.map((g) => g.ReceiverPrincipal)).toEqual(['111122223333', '444455556666']);
    expect(result.output).toMatchObject({ sharing: { dataGrants: [{ status: 'created' }, { status: 'created' }] } });
  });

  describe('the success notification', () => {
    it('is retried on a transient SNS error and then sent', async () => {
      arrange();
      fake.failNext('Publish', () => awsError('ThrottledException', 400), 1);
      const counted = instrument(handlers);

      const result = await run(input(1), {}, counted.handlers);

      expect(result.status).toBe('SUCCEEDED');
      expect(retried(result.events, STATE.notifySuccess)).toBe(1);
      expect(counted.calls.notify).toBe(2);
      expect(fake.messages).toHaveLength(1);
    });

    it('fails the run in NotifySuccess with NotificationFailedError when SNS refuses it for good, saying the revision IS published', async () => {
      arrange();
      fake.failNext('Publish', () => awsError('AuthorizationErrorException', 403), 1);
      const counted = instrument(handlers);

      const result = await run(input(1), {}, counted.handlers);

      expect(result).toMatchObject({ status: 'FAILED', error: 'NotificationFailedError' });
      expect(failedStates(result.events)).toEqual([STATE.notifySuccess]);
      expect(retried(result.events, STATE.notifySuccess)).toBe(0);
      expect(counted.calls.notify).toBe(1);
      expect((JSON.parse(result.cause ?? '{}') as { errorMessage?: string }).errorMessage).toContain(
        `Revision ${fake.revisions[0].Id} of data set ${DATA_SET_ID} IS published`,
      );
      expect(fake.revisions[0]).toMatchObject({ Finalized: true });
      expect(entered(result.events, STATE.published)).toBe(0);
      expect(fake.messages).toHaveLength(0);
    });
  });

  it('redriven, runs again only the batch that failed, from its first state under the next RedriveCount, and publishes', async () => {
    arrange();
    // Batch 1 fails at StartImport, once, after the other two batches succeeded, so the Map aborts nothing else.
    let othersSucceeded = 0;
    let bothOthersDone = () => {};
    const othersDone = new Promise<void>((resolve) => (bothOthersDone = resolve));
    let failures = 0;
    const failBatchOnceAfterOthers = {
      ...handlers,
      'start-import': async (event: unknown) => {
        if ((event as { batch: { index: number } }).batch.index === 1 && failures === 0) {
          failures += 1;
          await othersDone;
          throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
        }
        return handlers['start-import'](event);
      },
    };
    const workflowInput = input(250, { runId: 'redrive-1' });
    const first = await sfn.run(machines.publish, failBatchOnceAfterOthers, workflowInput, {
      executionName: 'exec-1',
      onEvent: (event) => {
        if (event.type === 'MapIterationSucceeded' && (othersSucceeded += 1) === 2) bothOthersDone();
      },
    });
    expect(first).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(batchFailure(first)).toMatchObject({ Error: 'AccessDeniedException' });
    const succeeded = first.events.flatMap((e) => (e.type === 'MapIterationSucceeded' ? [e.index] : []));
    expect(succeeded.sort()).toEqual([0, 2]);
    const mapEntered = first.events.find((e) => e.type === 'StateEntered' && e.state.name === STATE.importBatches);
    const resumeAt: ResumePoint = {
      stateName: STATE.importBatches,
      input: mapEntered?.type === 'StateEntered' ? mapEntered.state.input : undefined,
      mapItemIndices: [1],
    };
    const startedBefore = sfn.children.length;
    const namePrefix = sfn.children[0].name.replace(/-p0-b\d+-r0$/, '');

    const redriven = await sfn.run(machines.publish, failBatchOnceAfterOthers, workflowInput, { executionName: 'exec-1', redriveCount: 1, resumeAt });

    expect(redriven.status).toBe('SUCCEEDED');
    const rerun = sfn.children.slice(startedBefore);
    expect(rerun.map((child) => child.name)).toEqual([`${namePrefix}-p0-b1-r1`]);
    expect(rerun[0].result.events.find((e) => e.type === 'StateEntered')).toMatchObject({ state: { name: STATE.uploadBatch } });
    expect(fake.dataExchange).toHaveReceivedCommandTimes(CreateJobCommand, 3);
    expect(fake.revisions).toHaveLength(1);
    expect(fake.revisions[0]).toMatchObject({ Finalized: true });
    expect(fake.revisions[0].assetNames.size).toBe(250);
    expect(fake.messages).toHaveLength(1);
  });

  describe('a run of more than one revision', () => {
    /** Runs the execution and every one it starts, in order, as Step Functions would. */
    const runChain = async (workflowInput: unknown, taskHandlers = handlers) => {
      const executions: { name: string; result: LocalExecutionResult }[] = [];
      let next: { name: string; input: unknown } | undefined = { name: 'chain', input: workflowInput };
      while (next !== undefined) {
        const current: { name: string; input: unknown } = next;
        next = undefined;
        const result = await sfn.run(machines.publish, taskHandlers, current.input, {
          executionName: current.name,
          startExecution: async (request) => {
            next = { name: request.Name ?? '', input: request.Input };
            return { ExecutionArn: executionArnOf(machines.publish, request.Name ?? ''), StartDate: new Date().toISOString() };
          },
        });
        executions.push({ name: current.name, result });
      }
      return executions;
    };

    it('publishes 10,001 assets as two revisions in order, each finalized whole, and notifies once at the end', async () => {
      arrange();

      const executions = await runChain(input(10_001, { runId: 'big-1' }));

      expect(executions.map((e) => [e.name, e.result.status])).toEqual([
        ['chain', 'SUCCEEDED'],
        ['chain-part-2', 'SUCCEEDED'],
      ]);
      expect(sfn.children).toHaveLength(101);
      expect(fake.revisions.map((r) => [r.Comment, r.Finalized, r.assetNames.size])).toEqual([
        ['dx-flow run big-1', true, 10_000],
        ['dx-flow run big-1 part 2', true, 1],
      ]);
      expect(entered(executions[0].result.events, STATE.continuedInNextExecution)).toBe(1);
      expect(entered(executions[0].result.events, STATE.notifySuccess)).toBe(0);
      expect(fake.messages).toHaveLength(1);
      expect(fake.messages[0].Subject).toBe('dx-flow: published 2 revisions (10001 assets)');
      expect(fake.messages[0].Message).toMatch(new RegExp(`^Revisions:\\s+${fake.revisions[0].Id}, ${fake.revisions[1].Id}$`, 'm'));
    });

    it('stops at a failed part: the earlier revision stays published, the failed one unfinalized, and nothing is notified', async () => {
      arrange();
      let started = 0;
      const failSecondPartImports = {
        ...handlers,
        'start-import': async (event: unknown) => {
          if ((event as { batch: { part: number } }).batch.part === 1) throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
          started += 1;
          return handlers['start-import'](event);
        },
      };

      const executions = await runChain(input(10_001, { runId: 'big-2' }), failSecondPartImports);

      expect(executions.map((e) => [e.name, e.result.status])).toEqual([
        ['chain', 'SUCCEEDED'],
        ['chain-part-2', 'FAILED'],
      ]);
      expect(executions[1].result.error).toBe('States.TaskFailed');
      expect(batchFailure(executions[1].result)).toMatchObject({ Status: 'FAILED', Error: 'AccessDeniedException' });
      expect(started).toBe(100);
      expect(fake.revisions.map((r) => r.Finalized)).toEqual([true, false]);
      expect(fake.messages).toHaveLength(0);
    });
  });

  it('counts every batch state in the batch executions, none in the publish execution', async () => {
    arrange();

    const result = await run(input(250));

    for (const state of [STATE.uploadBatch, STATE.startImport, STATE.checkImport, STATE.batchImported]) {
      expect(entered(everyEvent(result), state)).toBe(3);
      expect(entered(result.events, state)).toBe(0);
    }
    expect(entered(result.events, STATE.importBatch)).toBe(3);
  });
});
