import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type GetExecutionHistoryCommandInput,
  type HistoryEvent,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { executionNameFor, main } from '../../cli/main';
import { awsError, DATA_SET_ID, REVISION_ID } from '../fixtures/ids';

/*
 * The CLI against a deployed stack, through main() in-process: Step Functions is mocked, and the histories are
 * recorded-shape fixtures of the publish execution (AWS's TaskSucceeded holds the raw Lambda Invoke response;
 * states' outputs are in their *StateExited events). Each batch runs in an execution of its own, which
 * ImportBatch (`states:startExecution.sync:2`) starts and waits for: the publish history holds its start, its
 * end and its job's status, and a failed batch fails ImportBatch with States.TaskFailed and the batch
 * execution's DescribeExecution answer as the cause. Fake timers stand in for the 2 s poll interval and fix the
 * execution names.
 */

const sfn = mockClient(SFNClient);

const ACCOUNT = '123456789012';
const STATE_MACHINE_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:PublishRevisionStateMachineE2B7C3A4-Xy7kQ2mN9pLr`;
const BUCKET = 'dataexchangestack-databucket-123456789012-us-east-1';
const RUN_ID = 'nightly-2026-11-30';
const NOW = new Date('2026-11-30T02:00:00.000Z');
const EXECUTION_NAME = `${RUN_ID}-20261130T020000000Z`;
const EXECUTION_ARN = `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${EXECUTION_NAME}`;
const GRANT = { receiver: '111122223333', id: 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6', status: 'created', acceptance: 'PENDING_RECEIVER_ACCEPTANCE' };
const IMPORT_FAILURE = `Import job aaaabbbbccccddddeeeeffff00003333 for batch 0 of revision ${REVISION_ID} ended ERROR: s3://${BUCKET}/generated/${RUN_ID}/analytics-00002.csv: NoSuchKey`;
const REVISION_FAILURE = `Revision ${REVISION_ID} holds 2 of the 3 planned assets`;
/** The `--json` fields of DESIGN section 4. */
const SUMMARY_FIELDS = [
  'status',
  'executionArn',
  'executionName',
  'runId',
  'datasetId',
  'revisionId',
  'revisionIds',
  'finalized',
  'alreadyPublished',
  'assetCount',
  'bytes',
  'importJobs',
  'stateTransitions',
  'durationMs',
  'notifications',
  'dataGrants',
  'error',
  'cause',
];

/** A fixture as the SDK returns it: the deserializer makes each timestamp a Date. */
function history(name: 'succeeded' | 'failed' | 'redriven'): HistoryEvent[] {
  const { events } = JSON.parse(readFileSync(path.join(__dirname, 'fixtures', `${name}-history.json`), 'utf8')) as {
    events: (Omit<HistoryEvent, 'timestamp'> & { timestamp: string })[];
  };
  return events.map((event) => ({ ...event, timestamp: new Date(event.timestamp) }));
}

/** The id, link and time of the event `offset` places after `last`, 10 ms apart. */
const after = (last: HistoryEvent, offset: number) => ({
  id: (last.id ?? 0) + offset,
  previousEventId: (last.id ?? 0) + offset - 1,
  timestamp: new Date((last.timestamp?.getTime() ?? 0) + 10 * offset),
});

/**
 * The redriven fixture up to the start of `state`'s task in the redrive, then the events `ending` gives after
 * that start: a redrive that ended another way than the fixture's.
 */
function redriveEndingWith(state: string, ending: (last: HistoryEvent) => HistoryEvent[]): HistoryEvent[] {
  const events = history('redriven');
  const redriven = events.findIndex((event) => event.type === 'ExecutionRedriven');
  const entered = events.findIndex((event, i) => i > redriven && event.stateEnteredEventDetails?.name === state);
  const started = events.findIndex((event, i) => i > entered && event.type === 'TaskStarted');
  const kept = events.slice(0, started + 1);
  return [...kept, ...ending(kept[kept.length - 1])];
}

function execution(events: HistoryEvent[], overrides: Partial<DescribeExecutionCommandOutput> = {}): DescribeExecutionCommandOutput {
  const last = events.at(-1);
  const failed = last?.executionFailedEventDetails;
  return {
    $metadata: {},
    executionArn: EXECUTION_ARN,
    stateMachineArn: STATE_MACHINE_ARN,
    name: EXECUTION_NAME,
    status: failed === undefined ? 'SUCCEEDED' : 'FAILED',
    startDate: events[0]?.timestamp,
    stopDate: last?.timestamp,
    input: events[0]?.executionStartedEventDetails?.input,
    error: failed?.error,
    cause: failed?.cause,
    ...overrides,
  };
}

/**
 * GetExecutionHistory as AWS pages it: in either order, `pageSize` events at most per page, with an opaque
 * nextToken. `visible()` says how many events exist at the moment of the call.
 */
function serveHistory(events: HistoryEvent[], { pageSize = 7, visible = () => events.length } = {}) {
  sfn.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryCommandInput) => {
    const shown = events.slice(0, visible());
    const ordered = input.reverseOrder === true ? [...shown].reverse() : shown;
    const from = input.nextToken === undefined ? 0 : Number(Buffer.from(input.nextToken, 'base64').toString().split('/')[1]);
    const to = from + Math.min(pageSize, input.maxResults ?? 100);
    return {
      events: ordered.slice(from, to),
      nextToken: to < ordered.length ? Buffer.from(`page/${to}`).toString('base64') : undefined,
    };
  });
}

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The last stdout line, parsed: the `--json` summary. */
  json: () => Record<string, unknown>;
}

/** Runs the CLI in-process; `during` acts while it follows (the fake clock advances a poll interval at a time). */
async function cli(argv: string[], during?: (tick: number) => void): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  let settled: { code: number } | { error: unknown } | undefined;
  main(argv).then(
    (code) => (settled = { code }),
    (error: unknown) => (settled = { error }),
  );
  for (let tick = 0; settled === undefined && tick < 100; tick += 1) {
    during?.(tick);
    await jest.advanceTimersByTimeAsync(1000);
  }
  jest.restoreAllMocks();
  if (settled === undefined) throw new Error(`dx-flow ${argv.join(' ')} did not end`);
  if ('error' in settled) throw settled.error;
  const code = settled.code;
  return { code, stdout, stderr, json: () => JSON.parse(stdout.trimEnd().split('\n').at(-1) ?? '') as Record<string, unknown> };
}

/** The progress lines, without the elapsed-time column. */
const progress = (text: string) =>
  text
    .split('\n')
    .filter((line) => /^\s+\d+\.\ds {2}/.test(line))
    .map((line) => line.replace(/^\s+\d+\.\ds\s+/, '').replace(/\s+/g, ' '));

const runArgs = ['run', '--state-machine-arn', STATE_MACHINE_ARN, '--bucket', BUCKET, '--dataset', DATA_SET_ID, '--run-id', RUN_ID];

describe('dx-flow against a deployed stack', () => {
  beforeAll(() => {
    process.env.AWS_REGION = 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  });

  beforeEach(() => {
    jest.useFakeTimers({ now: NOW });
    sfn.reset();
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: NOW });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('run', () => {
    /** The input of the execution the CLI started. */
    const startedInput = () => JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}') as Record<string, unknown>;

    it.each([
      ['a name', 'weather', { dataSet: 'weather' }],
      ['an id', DATA_SET_ID, { datasetId: DATA_SET_ID }],
      ['a name the outputs file knows, though it looks like an id', 'weatherstationreadingsbyhour2026', { dataSet: 'weatherstationreadingsbyhour2026' }],
    ])('puts --dataset into the input as the data set it names: %s', async (_, dataset, named) => {
      const events = history('succeeded');
      sfn.on(DescribeExecutionCommand).resolves(execution(events));
      serveHistory(events);
      const scratch = mkdtempSync(path.join(tmpdir(), 'dx-flow-outputs-'));
      const outputsFile = path.join(scratch, 'outputs.json');
      const DataSets = JSON.stringify({ default: REVISION_ID, weatherstationreadingsbyhour2026: DATA_SET_ID });
      writeFileSync(outputsFile, JSON.stringify({ DataExchangeStack: { StateMachineArn: STATE_MACHINE_ARN, BucketName: BUCKET, DataSetId: REVISION_ID, DataSets } }));

      const result = await cli(['run', '--outputs-file', outputsFile, '--dataset', dataset, '--input', `{"datasetId":"${REVISION_ID}"}`, '--run-id', RUN_ID]);
      rmSync(scratch, { recursive: true, force: true });

      expect(result.code).toBe(0);
      // The flag replaces --input's data set, and no default is added beside it.
      expect(startedInput()).toEqual({ bucket: BUCKET, runId: RUN_ID, ...named });
    });

    it('starts an execution named after the runId, prints a line per state, and ends SUCCEEDED with exit 0', async () => {
      const events = history('succeeded');
      sfn.on(DescribeExecutionCommand).resolves(execution(events));
      serveHistory(events);

      const result = await cli([...runArgs, '--assets', '150', '--subscriber', '111122223333']);

      expect(result.code).toBe(0);
      expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE_ARN, name: EXECUTION_NAME });
      const started = JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}') as unknown;
      expect(started).toEqual({
        bucket: BUCKET,
        datasetId: DATA_SET_ID,
        runId: RUN_ID,
        source: { type: 'generate', assets: 150 },
        subscriberAccountIds: ['111122223333'],
      });
      expect(result.stdout).toContain(`Started ${EXECUTION_NAME}`);
      const lines = progress(result.stdout);
      expect(lines.slice(0, 6)).toEqual([
        'PlanRevision',
        'CreateRevision',
        'IsAlreadyPublished',
        'ImportBatches 2 batches',
        'ImportBatch batch 1/2',
        'ImportBatch batch 2/2',
      ]);
      // Only the throttled start of batch 2's execution was retried: concurrent iterations are not mistaken for retries.
      expect(lines.filter((line) => line.includes('retry'))).toEqual(['ImportBatch retry 1 after StepFunctions.ExecutionLimitExceeded']);
      expect(lines).toEqual(expect.arrayContaining(['ImportBatch batch 1/2 job COMPLETED', 'ImportBatch batch 2/2 job COMPLETED']));
      expect(lines.slice(-6)).toEqual(['FinalizeRevision', 'HasMoreParts', 'HasSubscribers', 'ShareWithSubscribers', 'NotifySuccess', 'Published']);
      expect(result.stdout).toMatch(/SUCCEEDED in 1\.\d s {2}\(nightly-2026-11-30-20261130T020000000Z\)/);
      expect(result.stdout).toContain(`revision       ${REVISION_ID} (finalized)`);
      expect(result.stdout).toContain('assets         150 (515.8 KiB)');
      expect(result.stdout).toContain('import jobs    2');
      expect(result.stdout).toContain('notifications  1');
      expect(result.stdout).toContain('data grant     111122223333: created, PENDING_RECEIVER_ACCEPTANCE');
    });

    it('ends --json output with the summary object of DESIGN section 4, progress going to stderr', async () => {
      const events = history('succeeded');
      sfn.on(DescribeExecutionCommand).resolves(execution(events));
      serveHistory(events);

      const result = await cli([...runArgs, '--json']);
      const summary = result.json();

      expect(result.code).toBe(0);
      expect(progress(result.stdout)).toEqual([]);
      expect(progress(result.stderr)).toContain('PlanRevision');
      expect(Object.keys(summary)).toEqual(expect.arrayContaining(SUMMARY_FIELDS));
      expect(summary).toMatchObject({
        status: 'SUCCEEDED',
        executionArn: EXECUTION_ARN,
        executionName: EXECUTION_NAME,
        runId: RUN_ID,
        datasetId: DATA_SET_ID,
        revisionId: REVISION_ID,
        revisionIds: [REVISION_ID],
        finalized: true,
        alreadyPublished: false,
        assetCount: 150,
        bytes: 528150,
        importJobs: 2,
        stateTransitions: events.filter((e) => e.type?.endsWith('StateEntered')).length,
        durationMs: (events.at(-1)?.timestamp?.getTime() ?? 0) - (events[0]?.timestamp?.getTime() ?? 0),
        notifications: 1,
        dataGrants: [GRANT],
        error: null,
        cause: null,
      });
    });

    it('exits 1 on a failure, naming the error, the failing state and the readable cause', async () => {
      const events = history('failed');
      sfn.on(DescribeExecutionCommand).resolves(execution(events));
      serveHistory(events);

      const result = await cli(runArgs);
      const json = await cli([...runArgs, '--json']);

      expect(result.code).toBe(1);
      // The execution failed with States.TaskFailed; its lines and its summary name the batch's own error.
      expect(progress(result.stdout).slice(-2)).toEqual(['ImportBatch batch 1/1', 'Execution failed: ImportJobFailedError']);
      expect(result.stdout).toContain('FAILED in 0.5 s');
      expect(result.stdout).toContain(`revision       ${REVISION_ID} (not finalized)`);
      expect(result.stdout).toContain('error          ImportJobFailedError in ImportBatch');
      // The Lambda error's message, not the batch execution's DescribeExecution JSON or the stack trace in it.
      expect(result.stdout).toContain(`cause          ${IMPORT_FAILURE}`);
      expect(result.stdout).not.toContain('errorType');
      expect(result.stdout).not.toContain('States.TaskFailed');
      expect(json.code).toBe(1);
      expect(json.json()).toMatchObject({
        status: 'FAILED',
        error: 'ImportJobFailedError',
        cause: IMPORT_FAILURE,
        failedState: 'ImportBatch',
        revisionId: REVISION_ID,
        revisionIds: [],
        finalized: false,
        // The failed batch's job is in its own execution's history; ImportBatch reports a job only when it ends.
        importJobs: 0,
        // The failure's notification comes from the execution's status change, not from a state of the history.
        notifications: 0,
      });
    });

    it('blames the state that failed the run: the one whose failure ended it, after a redrive too', async () => {
      // The first attempt failed in ImportBatch; its redrive imported the batch, then failed in FinalizeRevision.
      const events = redriveEndingWith('FinalizeRevision', (last) => {
        const failure = { error: 'RevisionStateError', cause: JSON.stringify({ errorType: 'RevisionStateError', errorMessage: REVISION_FAILURE }) };
        return [
          { ...after(last, 1), type: 'TaskFailed', taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', ...failure } },
          { ...after(last, 2), type: 'ExecutionFailed', executionFailedEventDetails: failure },
        ];
      });
      sfn.on(DescribeExecutionCommand).resolves(execution(events, { redriveCount: 1 }));
      serveHistory(events);

      const result = await cli(['status', EXECUTION_ARN, '--json']);

      expect(result.json()).toMatchObject({
        status: 'FAILED',
        error: 'RevisionStateError',
        cause: REVISION_FAILURE,
        failedState: 'FinalizeRevision',
        importJobs: 1,
        notifications: 0,
      });
    });

    it('blames no state of an earlier attempt once the run was redriven', async () => {
      // Stopped during its redrive: nothing failed in this attempt, and the first attempt's failure is history.
      const events = redriveEndingWith('FinalizeRevision', (last) => [{ ...after(last, 1), type: 'ExecutionAborted', executionAbortedEventDetails: {} }]);
      sfn.on(DescribeExecutionCommand).resolves(execution(events, { status: 'ABORTED', redriveCount: 1 }));
      serveHistory(events);

      const result = await cli(['status', EXECUTION_ARN, '--json']);

      expect(result.json()).toMatchObject({ status: 'ABORTED', failedState: null, error: null, revisionId: REVISION_ID });
    });

    it('follows a running execution across polls and history pages, printing each state once, in order', async () => {
      const events = history('succeeded');
      const visibleAtPoll = [25, 60, events.length];
      const polls = () => sfn.commandCalls(DescribeExecutionCommand).length;
      const stillRunning = { status: 'RUNNING' as const, stopDate: undefined };
      sfn
        .on(DescribeExecutionCommand)
        .resolvesOnce(execution(events, stillRunning))
        .resolvesOnce(execution(events, stillRunning))
        .resolves(execution(events));
      serveHistory(events, { pageSize: 6, visible: () => visibleAtPoll[Math.min(polls(), visibleAtPoll.length) - 1] ?? 0 });

      const paged = await cli(runArgs);
      const calls = sfn.commandCalls(GetExecutionHistoryCommand).map((call) => call.args[0].input);
      const pollCount = polls();
      sfn.resetHistory();
      serveHistory(events, { pageSize: 1000 });
      const whole = await cli(runArgs);

      expect(paged.code).toBe(0);
      expect(pollCount).toBe(3);
      expect(progress(paged.stdout)).toEqual(progress(whole.stdout));
      expect(calls.every((input) => input.reverseOrder === true && input.executionArn === EXECUTION_ARN)).toBe(true);
      expect(calls.filter((input) => input.nextToken !== undefined).length).toBeGreaterThan(3);
    });

    it('reads each poll newest first and stops at the events it already has', async () => {
      const events = history('succeeded');
      const before = events.length - 9;
      sfn
        .on(DescribeExecutionCommand)
        .resolvesOnce(execution(events, { status: 'RUNNING', stopDate: undefined }))
        .resolves(execution(events));
      serveHistory(events, { pageSize: 10, visible: () => (sfn.commandCalls(DescribeExecutionCommand).length === 1 ? before : events.length) });

      await cli(runArgs);

      // Pages of 10 for the events of the first poll, then one page holds the 9 new ones and the newest one it had.
      expect(sfn.commandCalls(GetExecutionHistoryCommand)).toHaveLength(Math.ceil(before / 10) + 1);
    });

    it('takes the state machine, bucket and data set from a `cdk deploy --outputs-file` file', async () => {
      const directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-outputs-'));
      const outputsFile = path.join(directory, 'outputs.json');
      writeFileSync(
        outputsFile,
        JSON.stringify({
          DataExchangeSubscriberStack: { EntitledDataSetId: 'c0ffee00c0ffee00c0ffee00c0ffee00' },
          DataExchangeStack: {
            BucketName: BUCKET,
            DataSetId: DATA_SET_ID,
            StateMachineArn: STATE_MACHINE_ARN,
            TopicArn: `arn:aws:sns:us-east-1:${ACCOUNT}:DataExchangeStack-Notifications`,
            StartExecutionCommand: `aws stepfunctions start-execution --state-machine-arn ${STATE_MACHINE_ARN}`,
          },
        }),
      );
      const events = history('succeeded');
      sfn.on(DescribeExecutionCommand).resolves(execution(events));
      serveHistory(events);

      const result = await cli(['run', '--outputs-file', outputsFile, '--run-id', RUN_ID]);
      rmSync(directory, { recursive: true, force: true });

      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(sfn).toHaveReceivedCommandWith(StartExecutionCommand, { stateMachineArn: STATE_MACHINE_ARN, name: EXECUTION_NAME });
      expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input.input ?? '{}')).toEqual({
        bucket: BUCKET,
        datasetId: DATA_SET_ID,
        runId: RUN_ID,
      });
    });

    it('stops following on Ctrl-C with exit 130, and says the execution goes on', async () => {
      const events = history('succeeded');
      sfn.on(DescribeExecutionCommand).resolves(execution(events, { status: 'RUNNING', stopDate: undefined }));
      serveHistory(events, { visible: () => 20 });

      const result = await cli(runArgs, (tick) => {
        if (tick === 3) process.emit('SIGINT');
      });

      expect(result.code).toBe(130);
      expect(result.stdout).toContain(`Stopped following. The execution goes on: ${EXECUTION_ARN}`);
      expect(sfn).not.toHaveReceivedCommand(StopExecutionCommand);
      expect(process.listenerCount('SIGINT')).toBe(0);
    });
  });

  describe('status', () => {
    it('exits 0 for a failed run and names the error, the cause and the failing state', async () => {
      const events = history('failed');
      sfn.on(DescribeExecutionCommand).resolves(execution(events));
      serveHistory(events);

      const result = await cli(['status', EXECUTION_ARN]);

      expect(result.code).toBe(0);
      expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION_ARN });
      expect(result.stdout).toContain('FAILED in 0.5 s');
      expect(result.stdout).toContain('error          ImportJobFailedError in ImportBatch');
      expect(result.stdout).toContain(`cause          ${IMPORT_FAILURE}`);
    });

    it('exits 0 for a running execution and says which state it is in', async () => {
      const events = history('succeeded');
      // Seen while FinalizeRevision runs: the history ends with its entry and the task's start.
      const finalizing = events.findIndex((event) => event.stateEnteredEventDetails?.name === 'FinalizeRevision') + 3;
      sfn.on(DescribeExecutionCommand).resolves(execution(events, { status: 'RUNNING', stopDate: undefined }));
      serveHistory(events, { visible: () => finalizing });

      const result = await cli(['status', EXECUTION_ARN, '--json']);

      expect(result.code).toBe(0);
      expect(result.stderr).toContain('RUNNING');
      expect(result.stderr).toContain('last state     FinalizeRevision');
      expect(result.json()).toMatchObject({ status: 'RUNNING', durationMs: null, revisionId: REVISION_ID, finalized: false });
    });

    it("asks the execution's own region, whatever the default region is", async () => {
      const events = history('failed');
      sfn.on(DescribeExecutionCommand).resolves(execution(events));
      serveHistory(events);

      await cli(['status', EXECUTION_ARN.replace(':us-east-1:', ':eu-west-1:')]);

      const client = sfn.commandCalls(DescribeExecutionCommand)[0]?.thisValue as SFNClient;
      await expect(client.config.region()).resolves.toBe('eu-west-1');
    });
  });

  describe('redrive', () => {
    it('redrives the execution and follows it to the end, without reprinting the earlier attempt', async () => {
      const events = history('redriven');
      const redriven = events.findIndex((event) => event.type === 'ExecutionRedriven');
      sfn.on(RedriveExecutionCommand).resolves({ redriveDate: events[redriven]?.timestamp });
      sfn
        .on(DescribeExecutionCommand)
        .resolvesOnce(execution(events, { status: 'RUNNING', stopDate: undefined }))
        .resolves(execution(events, { redriveCount: 1 }));
      // Before the redrive, the history ends with the failure; the first poll sees the redrive begin.
      const visibleAtPoll = [redriven, redriven + 5, events.length];
      serveHistory(events, { visible: () => visibleAtPoll[Math.min(sfn.commandCalls(DescribeExecutionCommand).length, 2)] ?? 0 });

      const result = await cli(['redrive', EXECUTION_ARN, '--json']);

      expect(result.code).toBe(0);
      expect(sfn).toHaveReceivedCommandWith(RedriveExecutionCommand, { executionArn: EXECUTION_ARN });
      expect(result.stderr).toContain(`Redriving ${EXECUTION_ARN}`);
      const lines = progress(result.stderr);
      expect(lines[0]).toBe('ImportBatches 1 batch');
      expect(lines).not.toContain('PlanRevision');
      expect(lines).not.toContain('Execution failed: ImportJobFailedError');
      // The failed batch runs again in a new execution of its own, whose job completes.
      expect(lines).toContain('ImportBatch batch 1/1 job COMPLETED');
      expect(lines.at(-1)).toBe('Published');
      expect(result.json()).toMatchObject({ status: 'SUCCEEDED', runId: RUN_ID, revisionId: REVISION_ID, finalized: true, assetCount: 3 });
    });
  });

  describe('expected errors: one sentence on stderr, no stack trace, exit 2', () => {
    const noStack = (result: CliResult) => {
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    };

    it.each([
      [
        'no credentials',
        Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError', tryNextLink: false }),
        /No AWS credentials were found/,
      ],
      ['access denied', awsError('AccessDeniedException', 400), /AWS denied the request: AccessDeniedException from the mock/],
      ['a missing state machine', awsError('StateMachineDoesNotExist', 400), /No such state machine/],
      ['a name already used', awsError('ExecutionAlreadyExists', 400), /An execution with that name already exists/],
    ])('run: %s', async (_, error, sentence) => {
      sfn.on(StartExecutionCommand).rejects(error);

      const result = await cli(runArgs);
      const json = await cli([...runArgs, '--json']);

      noStack(result);
      expect(result.stderr).toMatch(new RegExp(`^dx-flow: ${sentence.source}`));
      expect(result.stdout).toBe('');
      expect(json.code).toBe(2);
      expect(json.json()).toMatchObject({ status: 'REJECTED', executionArn: null, error: error.name, cause: expect.stringMatching(sentence) });
    });

    it('status: an execution that does not exist', async () => {
      sfn.on(DescribeExecutionCommand).rejects(awsError('ExecutionDoesNotExist', 400));

      const result = await cli(['status', `${EXECUTION_ARN}-nope`]);

      noStack(result);
      expect(result.stderr).toContain('dx-flow: No such execution');
    });

    it('redrive: an execution that does not exist', async () => {
      sfn.on(GetExecutionHistoryCommand).rejects(awsError('ExecutionDoesNotExist', 400));
      sfn.on(RedriveExecutionCommand).rejects(awsError('ExecutionDoesNotExist', 400));

      const result = await cli(['redrive', `${EXECUTION_ARN}-nope`]);

      noStack(result);
      expect(result.stderr).toContain('dx-flow: No such execution');
      expect(sfn).not.toHaveReceivedCommand(DescribeExecutionCommand);
    });

    it('redrive: an execution that cannot be redriven', async () => {
      serveHistory(history('succeeded'));
      sfn.on(RedriveExecutionCommand).rejects(awsError('ExecutionNotRedrivable', 400));

      const result = await cli(['redrive', EXECUTION_ARN]);

      noStack(result);
      expect(result.stderr).toContain('dx-flow: That execution cannot be redriven');
    });
  });

  describe('bad usage and bad input: exit 2, nothing started', () => {
    it.each([
      ['an unknown option', ['run', '--state-machine-arn', STATE_MACHINE_ARN, '--frobnicate'], /unknown option '--frobnicate'/],
      ['two targets', ['run', '--local', '--state-machine-arn', STATE_MACHINE_ARN], /Give only one of --local, --state-machine-arn and --outputs-file/],
      ['no target', ['run', '--bucket', BUCKET, '--dataset', DATA_SET_ID], /Give --state-machine-arn, --outputs-file or --local/],
      ['faults outside the sandbox', [...runArgs, '--faults', 'faults.json'], /--faults works only with --local/],
      ['a config file outside the sandbox', [...runArgs, '--config', 'data-sets.json'], /--config works only with --local/],
      ['a --dataset that is neither a name nor an id', [...runArgs.slice(0, -4), '--dataset', 'Weather_Data', '--run-id', RUN_ID], /dataSet: must be a lowercase name/],
      ['a missing outputs file', ['run', '--outputs-file', '/nonexistent/outputs.json'], /No outputs file at \/nonexistent\/outputs.json/],
      ['input that is not JSON', [...runArgs, '--input', '{bucket'], /--input is not JSON/],
      ['a bad field', [...runArgs, '--assets', 'many'], /source\.assets/],
      ['an unknown key', [...runArgs, '--input', '{"colour":"red"}'], /unknown key: "colour"/],
    ])('%s', async (_, argv, message) => {
      const result = await cli(argv);
      const json = await cli([...argv, '--json']);

      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(sfn).not.toHaveReceivedCommand(StartExecutionCommand);
      expect(json.code).toBe(2);
      expect(json.json()).toMatchObject({ status: 'REJECTED', executionArn: null, revisionIds: [] });
    });

    it('names every missing field of the input', async () => {
      const result = await cli(['run', '--state-machine-arn', STATE_MACHINE_ARN, '--json']);

      expect(result.code).toBe(2);
      expect(result.json()).toMatchObject({ status: 'REJECTED', error: 'InputValidationError' });
      expect(result.json().cause).toEqual(expect.stringContaining('bucket: is required'));
    });
  });
});

describe('executionNameFor', () => {
  const now = new Date('2026-11-30T07:27:13.723Z');

  it('is the runId and a compact UTC timestamp', () => {
    expect(executionNameFor('nightly', now)).toBe('nightly-20261130T072713723Z');
  });

  it('cuts a 64-character runId so the name stays within 80 characters, keeping the whole timestamp', () => {
    const runId = 'r'.repeat(64);

    const name = executionNameFor(runId, now);

    expect(name).toHaveLength(80);
    expect(name).toBe(`${'r'.repeat(60)}-20261130T072713723Z`);
  });

  it('gives the same runId a new name at another moment', () => {
    expect(executionNameFor('nightly', now)).not.toBe(executionNameFor('nightly', new Date(now.getTime() + 1)));
  });

  it('replaces characters Step Functions refuses in a name', () => {
    expect(executionNameFor('bad id/ü', now)).toBe('bad-id---20261130T072713723Z');
  });
});
