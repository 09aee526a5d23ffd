import { CreateJobCommand, CreateRevisionCommand, UpdateRevisionCommand } from '@aws-sdk/client-dataexchange';
import { PublishCommand } from '@aws-sdk/client-sns';
import { awsError, BUCKET, DATA_SET_ID, TOPIC_ARN } from '../fixtures/ids';
import { runLocalExecution, type LocalEvent } from '../../workflows/local-runner';
import { STATE, TASK_OF_STATE } from '../../workflows/state-names';
import type { RunnableAsl } from '../../workflows/asl';
import { createFakeAws, type FakeAwsOptions } from './fake-aws';
import { loadTaskHandlers } from '../../workflows/local-runner';
import { instrument, synthesizeRunnableAsl } from './harness';

process.env.NOTIFY_TOPIC_ARN = TOPIC_ARN;

const entered = (events: readonly LocalEvent[], state: string) =>
  events.filter((e) => e.type === 'StateEntered' && e.state.name === state).length;
const retried = (events: readonly LocalEvent[], state: string) =>
  events.filter((e) => e.type === 'StateRetried' && e.state.name === state).length;

const input = (assets: number, extra: Record<string, unknown> = {}) => ({
  bucket: BUCKET,
  datasetId: DATA_SET_ID,
  source: { type: 'generate', assets, recordsPerAsset: 1 },
  ...extra,
});

describe('the runnable ASL of the synthesized stack', () => {
  it('maps every Lambda state, the Map body included, to its task', () => {
    const { taskOfState } = synthesizeRunnableAsl();

    expect(taskOfState).toEqual(TASK_OF_STATE);
  });
});

describe('the synthesized publish workflow', () => {
  let asl: RunnableAsl;
  const handlers = loadTaskHandlers();
  let fake: ReturnType<typeof createFakeAws>;

  beforeAll(() => {
    asl = synthesizeRunnableAsl();
  });
  afterEach(() => fake.restore());

  const run = (workflowInput: unknown, options: { name?: string } = {}, taskHandlers = handlers) =>
    runLocalExecution(asl, taskHandlers, workflowInput, { executionName: options.name ?? 'exec-1' });
  const arrange = (options: FakeAwsOptions = {}) => {
    fake = createFakeAws(options);
  };

  it('publishes 250 assets in 3 batches, finalizes once and notifies once', async () => {
    arrange();

    const result = await run(input(250));

    expect(result.status).toBe('SUCCEEDED');
    expect(fake.dataExchange).toHaveReceivedCommandTimes(CreateJobCommand, 3);
    expect(fake.revisions).toHaveLength(1);
    expect(fake.revisions[0]).toMatchObject({ Finalized: true });
    expect(fake.revisions[0].assetNames.size).toBe(250);
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0].Subject).toContain('published revision');
    expect(entered(result.events, STATE.shareWithSubscribers)).toBe(0);
  });

  it('polls a job that waits, then runs twice, then completes', async () => {
    arrange({ jobStates: ['WAITING', 'IN_PROGRESS', 'IN_PROGRESS', 'COMPLETED'] });

    const result = await run(input(1));

    expect(result.status).toBe('SUCCEEDED');
    expect(entered(result.events, STATE.checkImport)).toBe(4);
    expect(entered(result.events, STATE.waitForImport)).toBe(4);
  });

  it('fails with ImportJobFailedError after notifying, and never finalizes', async () => {
    arrange({ jobStates: ['ERROR'] });

    const result = await run(input(2));

    expect(result).toMatchObject({ status: 'FAILED', error: 'ImportJobFailedError' });
    expect(result.cause).toContain('RESOURCE_NOT_FOUND');
    expect(entered(result.events, STATE.notifyFailure)).toBe(1);
    expect(entered(result.events, STATE.publishFailed)).toBe(1);
    expect(fake.dataExchange).not.toHaveReceivedCommand(UpdateRevisionCommand);
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0].Subject).toContain('ImportJobFailedError');
  });

  it('retries throttling twice and then succeeds', async () => {
    arrange();
    fake.failNext('CreateRevision', () => awsError('ThrottlingException', 400), 2);

    const result = await run(input(1));

    expect(result.status).toBe('SUCCEEDED');
    expect(fake.dataExchange).toHaveReceivedCommandTimes(CreateRevisionCommand, 3);
    expect(retried(result.events, STATE.createRevision)).toBe(2);
  });

  it('fails at once on invalid input: one invocation, no retry, one notification', async () => {
    arrange();
    const counted = instrument(handlers);

    const result = await run(input(0), {}, counted.handlers);

    expect(result).toMatchObject({ status: 'FAILED', error: 'InputValidationError' });
    expect(result.cause).toContain('source.assets');
    expect(counted.calls['plan-revision']).toBe(1);
    expect(retried(result.events, STATE.planRevision)).toBe(0);
    expect(fake.dataExchange).not.toHaveReceivedCommand(CreateRevisionCommand);
    expect(fake.sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('never runs more batches at once than the Map allows', async () => {
    arrange();
    const counted = instrument(handlers, { 'upload-batch': 20 });
    const maxConcurrency = asl.definition.States[STATE.importBatches].MaxConcurrency;

    const result = await run(input(2500), {}, counted.handlers);

    expect(result.status).toBe('SUCCEEDED');
    expect(maxConcurrency).toBe(10);
    expect(counted.calls['upload-batch']).toBe(25);
    expect(counted.peak['upload-batch']).toBe(maxConcurrency);
  });

  it('ends an already-published runId in success without importing again', async () => {
    arrange();
    await run(input(2, { runId: 'daily-1' }), { name: 'first' });
    fake.dataExchange.resetHistory();

    const again = await run(input(2, { runId: 'daily-1' }), { name: 'second' });

    expect(again.status).toBe('SUCCEEDED');
    expect(fake.dataExchange).not.toHaveReceivedCommand(CreateJobCommand);
    expect(fake.revisions).toHaveLength(1);
    expect(entered(again.events, STATE.importBatches)).toBe(0);
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

  describe('a run of more than one revision', () => {
    /** Runs the execution and every one it starts, in order, as Step Functions would. */
    const runChain = async (workflowInput: unknown) => {
      const executions: { name: string; result: Awaited<ReturnType<typeof runLocalExecution>> }[] = [];
      let next: { name: string; input: unknown } | undefined = { name: 'chain', input: workflowInput };
      while (next !== undefined) {
        const current: { name: string; input: unknown } = next;
        next = undefined;
        const result = await runLocalExecution(asl, handlers, current.input, {
          executionName: current.name,
          startExecution: async (request) => {
            next = { name: request.Name ?? '', input: request.Input };
            return { ExecutionArn: `arn:aws:states:us-east-1:000000000000:execution:publish:${request.Name}`, StartDate: new Date().toISOString() };
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
      expect(fake.revisions.map((r) => [r.Comment, r.Finalized, r.assetNames.size])).toEqual([
        ['dx-flow run big-1', true, 10_000],
        ['dx-flow run big-1 part 2', true, 1],
      ]);
      expect(entered(executions[0].result.events, STATE.continuedInNextExecution)).toBe(1);
      expect(entered(executions[0].result.events, STATE.notifySuccess)).toBe(0);
      expect(fake.messages).toHaveLength(1);
      expect(fake.messages[0].Subject).toBe('dx-flow: published 2 revisions (10001 assets)');
      expect(fake.messages[0].Message).toMatch(new RegExp(`^Revisions:\\s+${fake.revisions[0].Id}, ${fake.revisions[1].Id}$`, 'm'));
    }, 60_000);

    it('stops at a failed part: the earlier revision stays published, the failed one unfinalized, one failure notification', async () => {
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
      const first = await runLocalExecution(asl, failSecondPartImports, input(10_001, { runId: 'big-2' }), {
        executionName: 'first',
        startExecution: async (request) => {
          const second = await runLocalExecution(asl, failSecondPartImports, request.Input, { executionName: request.Name ?? '' });
          expect(second).toMatchObject({ status: 'FAILED', error: 'AccessDeniedException' });
          return { ExecutionArn: 'arn:aws:states:us-east-1:000000000000:execution:publish:second', StartDate: new Date().toISOString() };
        },
      });

      expect(first.status).toBe('SUCCEEDED');
      expect(started).toBe(100);
      expect(fake.revisions.map((r) => r.Finalized)).toEqual([true, false]);
      expect(fake.messages).toHaveLength(1);
      expect(fake.messages[0].Subject).toContain('AccessDeniedException');
    }, 60_000);
  });
});
