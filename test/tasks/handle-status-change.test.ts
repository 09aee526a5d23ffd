import { BUCKET, TOPIC_ARN } from '../fixtures/ids';

const RECORD_BUCKET = 'dx-flow-test-records';
process.env.NOTIFY_TOPIC_ARN = TOPIC_ARN;
process.env.NOTIFICATION_RECORD_BUCKET = RECORD_BUCKET;

import { DeleteObjectCommand, PutObjectCommand, type PutObjectCommandInput, S3Client } from '@aws-sdk/client-s3';
import {
  type DescribeExecutionCommandOutput,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { NOTIFICATION_RECORD_PREFIX, SNS_MAX_MESSAGE_BYTES } from '../../shared/notifications';
import { StatusChangeEvent } from '../../shared/schemas/status-change-event';
import { STATE } from '../../shared/state-names';
import { handleStatusChange, HISTORY_PAGE_SIZE, MAX_HISTORY_PAGES, readHistory, recordKeyOf } from '../../tasks/handle-status-change/core';
import { findFailedState, findRun } from '../../tasks/handle-status-change/history';
import { describeCause } from '../../tasks/handle-status-change/message';
import { handler } from '../../tasks/handle-status-change/handler';
import { onlyPublished } from '../fixtures/sns';
import { awsError, DATA_SET_ID, REVISION_ID, RUN_ID } from '../fixtures/ids';

const sfn = mockClient(SFNClient);
const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);

const STATE_MACHINE = 'DxFlowPublishRevision';
const STATE_MACHINE_ARN = `arn:aws:states:us-east-1:123456789012:stateMachine:${STATE_MACHINE}`;
const EXECUTION_NAME = `${RUN_ID}-20261130T060000Z`;
const EXECUTION_ARN = `arn:aws:states:us-east-1:123456789012:execution:${STATE_MACHINE}:${EXECUTION_NAME}`;
const CHILD_ARN = 'arn:aws:states:us-east-1:123456789012:execution:DxFlowImportBatch:batch-2-abcd';
const STARTED = new Date('2026-11-30T06:00:00.000Z');
const STOPPED = new Date('2026-11-30T07:02:05.000Z');
const REDRIVE_HINT = `Fix the cause, then redrive this execution (dx-flow redrive ${EXECUTION_ARN}), or start a new run with the same runId.`;

const lambdaCause = (errorType: string, errorMessage: string) => JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`] });

// ---- State JSON as the publish workflow builds it
const workflowInput = { bucket: BUCKET, datasetId: DATA_SET_ID, runId: RUN_ID };
const planned = { ...workflowInput, plan: { runId: RUN_ID, datasetId: DATA_SET_ID, bucket: BUCKET } };
const revised = { ...planned, revision: { revisionId: REVISION_ID, alreadyFinalized: false } };
const batchInput = (index: number) => ({ runId: RUN_ID, bucket: BUCKET, datasetId: DATA_SET_ID, revisionId: REVISION_ID, batch: { index } });

/** Builds a history oldest first, as Step Functions numbers it, and serves it newest first. */
class History {
  private readonly events: HistoryEvent[] = [];

  add(type: string, details: Partial<HistoryEvent> = {}, previousEventId?: number): number {
    const id = this.events.length + 1;
    const timestamp = new Date(STARTED.getTime() + id * 1000);
    this.events.push({ id, previousEventId: previousEventId ?? id - 1, timestamp, type: type as HistoryEvent['type'], ...details });
    return id;
  }

  started(input: unknown = workflowInput): this {
    this.add('ExecutionStarted', { executionStartedEventDetails: { input: JSON.stringify(input) } });
    return this;
  }

  enter(name: string, input: unknown, type = 'Task', previousEventId?: number): number {
    return this.add(`${type}StateEntered`, { stateEnteredEventDetails: { name, input: JSON.stringify(input) } }, previousEventId);
  }

  exit(name: string, output: unknown, type = 'Task', previousEventId?: number): this {
    this.add(`${type}StateExited`, { stateExitedEventDetails: { name, output: JSON.stringify(output) } }, previousEventId);
    return this;
  }

  /** A Lambda task that runs and exits with `output`. */
  task(name: string, input: unknown, output: unknown): this {
    const entry = this.enter(name, input);
    const scheduled = this.add('TaskScheduled', {}, entry);
    const started = this.add('TaskStarted', {}, scheduled);
    return this.exit(name, output, 'Task', this.add('TaskSucceeded', {}, started));
  }

  /** A task that is scheduled and started; returns the TaskStarted event id, for its failure. */
  startTask(name: string, input: unknown): number {
    const entry = this.enter(name, input);
    return this.add('TaskStarted', {}, this.add('TaskScheduled', {}, entry));
  }

  failTask(startedId: number, error: string, cause: string): this {
    this.add('TaskFailed', { taskFailedEventDetails: { resource: 'invoke', resourceType: 'lambda', error, cause } }, startedId);
    return this;
  }

  /** PlanRevision and CreateRevision ran, and the Map started. */
  planned(): this {
    this.started().task(STATE.planRevision, workflowInput, planned).task(STATE.createRevision, planned, revised);
    this.enter(STATE.isAlreadyPublished, revised, 'Choice');
    this.exit(STATE.isAlreadyPublished, revised, 'Choice');
    this.enter(STATE.importBatches, revised, 'Map');
    return this;
  }

  newestFirst(): HistoryEvent[] {
    return [...this.events].reverse();
  }
}

/** A history that failed in FinalizeRevision with a Lambda error. */
function failedInFinalize(): History {
  const history = new History().planned();
  history.add('MapIterationStarted');
  history.task(STATE.importBatch, batchInput(0), {});
  history.add('MapIterationSucceeded');
  history.exit(STATE.importBatches, revised, 'Map');
  const started = history.startTask(STATE.finalizeRevision, revised);
  history.failTask(started, 'RevisionStateError', lambdaCause('RevisionStateError', `Revision ${REVISION_ID} has 2 assets, expected 3`));
  history.add('ExecutionFailed');
  return history;
}

function rawEvent(status: string, detail: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: '123456789012',
    time: STOPPED.toISOString(),
    region: 'us-east-1',
    resources: [EXECUTION_ARN],
    detail: {
      executionArn: EXECUTION_ARN,
      stateMachineArn: STATE_MACHINE_ARN,
      name: EXECUTION_NAME,
      status,
      startDate: STARTED.getTime(),
      stopDate: status === 'RUNNING' ? null : STOPPED.getTime(),
      input: JSON.stringify(workflowInput),
      inputDetails: { included: true },
      output: null,
      outputDetails: null,
      redriveCount: 0,
      ...detail,
    },
  };
}

function described(overrides: Partial<DescribeExecutionCommandOutput> = {}): Partial<DescribeExecutionCommandOutput> {
  return {
    executionArn: EXECUTION_ARN,
    stateMachineArn: STATE_MACHINE_ARN,
    name: EXECUTION_NAME,
    status: 'FAILED',
    startDate: STARTED,
    stopDate: STOPPED,
    input: JSON.stringify(workflowInput),
    redriveCount: 0,
    ...overrides,
  };
}

function given(history: History, execution: Partial<DescribeExecutionCommandOutput> = described()): void {
  sfn.on(DescribeExecutionCommand).resolves(execution);
  sfn.on(GetExecutionHistoryCommand).resolves({ events: history.newestFirst() });
}

const logger = () => ({ info: jest.fn(), warn: jest.fn() });

function deps(log = logger()) {
  return {
    sfn: new SFNClient({}),
    s3: new S3Client({}),
    sns: new SNSClient({}),
    topicArn: TOPIC_ARN,
    bucket: RECORD_BUCKET,
    now: () => new Date('2026-11-30T07:03:00.000Z'),
    logger: log,
  };
}

const run = (status: string, detail: Record<string, unknown> = {}, log = logger()) =>
  handleStatusChange(StatusChangeEvent.parse(rawEvent(status, detail)), deps(log));

const published = (): PublishCommandInput => onlyPublished(sns);
const recordKey = (redriveCount: number, status: string) =>
  `${NOTIFICATION_RECORD_PREFIX}${STATE_MACHINE}/${EXECUTION_NAME}/${redriveCount}/${status}.json`;
const puts = (): PutObjectCommandInput[] => s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);

/** Every client answering as it does when nothing goes wrong. */
function resetClients(): void {
  sfn.reset();
  s3.reset();
  sns.reset();
  s3.on(PutObjectCommand).resolves({});
  s3.on(DeleteObjectCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
}

describe('handle-status-change', () => {
  beforeEach(resetClients);

  describe('a FAILED execution', () => {
    it('announces a Lambda failure with its errorMessage, the failed state, the run and what to do', async () => {
      given(failedInFinalize(), described({ error: 'RevisionStateError', cause: lambdaCause('RevisionStateError', `Revision ${REVISION_ID} has 2 assets, expected 3`) }));

      const output = await run('FAILED');

      expect(output).toEqual({ outcome: 'sent', messageId: 'msg-1', recordKey: recordKey(0, 'FAILED') });
      expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION_ARN });
      expect(sfn).toHaveReceivedCommandWith(GetExecutionHistoryCommand, {
        executionArn: EXECUTION_ARN,
        reverseOrder: true,
        includeExecutionData: true,
        maxResults: HISTORY_PAGE_SIZE,
      });
      const sent = published();
      expect(sent).toMatchObject({
        TopicArn: TOPIC_ARN,
        Subject: `dx-flow: run ${RUN_ID} failed: RevisionStateError`,
        MessageAttributes: {
          outcome: { DataType: 'String', StringValue: 'FAILED' },
          runId: { DataType: 'String', StringValue: RUN_ID },
          datasetId: { DataType: 'String', StringValue: DATA_SET_ID },
        },
      });
      const message = sent.Message ?? '';
      expect(message).toMatch(/^Status: +FAILED$/m);
      expect(message).toMatch(/^Error: +RevisionStateError$/m);
      expect(message).toMatch(new RegExp(`^Cause: +Revision ${REVISION_ID} has 2 assets, expected 3$`, 'm'));
      expect(message).not.toContain('"trace"');
      expect(message).toMatch(/^Failed state: +FinalizeRevision$/m);
      expect(message).toMatch(new RegExp(`^Run: +${RUN_ID}$`, 'm'));
      expect(message).toMatch(new RegExp(`^Execution: +${EXECUTION_ARN}$`, 'm'));
      expect(message).toMatch(/^Attempt: +first run$/m);
      expect(message).toMatch(new RegExp(`^Data set: +${DATA_SET_ID}$`, 'm'));
      expect(message).toMatch(new RegExp(`^Revision: +${REVISION_ID}$`, 'm'));
      expect(message).toMatch(/^Started: +2026-11-30T06:00:00.000Z$/m);
      expect(message).toMatch(/^Duration: +1 h 2 min 5 s$/m);
      expect(message.endsWith(REDRIVE_HINT)).toBe(true);
    });

    it('claims the record with a conditional write before publishing, then records the message id', async () => {
      given(failedInFinalize(), described({ error: 'RevisionStateError' }));
      const order: string[] = [];
      s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
        order.push(input.IfNoneMatch === undefined ? 'record' : 'claim');
        return {};
      });
      sns.on(PublishCommand).callsFake(() => {
        order.push('publish');
        return { MessageId: 'msg-1' };
      });

      await run('FAILED');

      expect(order).toEqual(['claim', 'publish', 'record']);
      const [claim, record] = puts();
      expect(claim).toMatchObject({ Bucket: RECORD_BUCKET, Key: recordKey(0, 'FAILED'), IfNoneMatch: '*' });
      expect(record).toMatchObject({ Bucket: RECORD_BUCKET, Key: recordKey(0, 'FAILED') });
      expect(JSON.parse(String(record?.Body))).toEqual({ messageId: 'msg-1', sentAt: '2026-11-30T07:03:00.000Z' });
    });

    it("unwraps a failed batch's States.TaskFailed cause into the child's error, naming the batch and the child execution", async () => {
      const childCause = JSON.stringify({
        ExecutionArn: CHILD_ARN,
        StateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:DxFlowImportBatch',
        Name: 'batch-2-abcd',
        Status: 'FAILED',
        StartDate: 1_796_018_400_000,
        StopDate: 1_796_018_460_000,
        Error: 'ImportJobFailedError',
        Cause: lambdaCause('ImportJobFailedError', 'Import job aaaa for batch 2 failed: key data/a2.csv not found'),
      });
      const history = new History().planned();
      history.add('MapIterationStarted');
      const started = history.startTask(STATE.importBatch, batchInput(2));
      history.failTask(started, 'States.TaskFailed', childCause).add('MapIterationFailed');
      history.add('MapStateFailed');
      history.add('ExecutionFailed');
      given(history, described({ error: 'States.TaskFailed', cause: childCause }));

      await run('FAILED');

      const sent = published();
      expect(sent.Subject).toBe(`dx-flow: run ${RUN_ID} failed: ImportJobFailedError`);
      const message = sent.Message ?? '';
      expect(message).toMatch(/^Error: +ImportJobFailedError$/m);
      expect(message).toMatch(/^Cause: +Import job aaaa for batch 2 failed: key data\/a2.csv not found$/m);
      expect(message).toMatch(/^Failed state: +ImportBatch \(batch index 2\)$/m);
      expect(message).toMatch(new RegExp(`^Batch execution: +${CHILD_ARN} \\(FAILED\\)$`, 'm'));
      expect(message).not.toContain('StartDate');
    });

    it('names the batch whose task failed, not a sibling iteration that started later and was aborted', async () => {
      const history = new History().planned();
      const failing = history.startTask(STATE.importBatch, batchInput(1));
      history.startTask(STATE.importBatch, batchInput(4));
      history.failTask(failing, 'States.TaskFailed', 'child failed');
      history.add('MapIterationFailed');
      history.add('TaskStateAborted');
      history.add('MapIterationAborted');
      history.add('MapStateFailed');

      expect(findFailedState(history.newestFirst())).toMatchObject({ name: STATE.importBatch, batchIndex: 1 });
    });

    it('shows a cause that is not JSON as it is', async () => {
      given(failedInFinalize(), described({ error: 'States.Runtime', cause: 'An error occurred while executing the state FinalizeRevision.' }));

      await run('FAILED');

      expect(published().Message).toMatch(/^Cause: +An error occurred while executing the state FinalizeRevision\.$/m);
    });

    it('reports a redriven execution by its latest attempt, and keys the record by its redrive count', async () => {
      const history = new History().planned();
      history.add('MapIterationStarted');
      const firstTry = history.startTask(STATE.importBatch, batchInput(0));
      history.failTask(firstTry, 'States.TaskFailed', 'first attempt').add('MapIterationFailed');
      history.add('MapStateFailed');
      history.add('ExecutionFailed');
      history.add('ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: 1 } });
      history.enter(STATE.importBatches, revised, 'Map');
      history.add('MapIterationStarted');
      history.task(STATE.importBatch, batchInput(0), {});
      history.add('MapIterationSucceeded');
      history.exit(STATE.importBatches, revised, 'Map');
      history.task(STATE.finalizeRevision, revised, revised);
      // This attempt fails with no task failure: the first attempt's failed ImportBatch must not take the blame.
      history.enter(STATE.hasMoreParts, revised, 'Choice');
      history.add('ExecutionFailed');
      const cause = "An error occurred while executing the state 'HasMoreParts' (entered at the event id #60). Invalid path '$.plan.hasMoreParts'";
      given(history, described({ error: 'States.Runtime', cause, redriveCount: 1 }));

      const output = await run('FAILED', { redriveCount: 1 });

      expect(output.recordKey).toBe(recordKey(1, 'FAILED'));
      expect(puts()[0]).toMatchObject({ Key: recordKey(1, 'FAILED'), IfNoneMatch: '*' });
      const message = published().Message ?? '';
      expect(message).toMatch(/^Failed state: +HasMoreParts$/m);
      expect(message).toMatch(/^Error: +States.Runtime$/m);
      expect(message).toMatch(/^Attempt: +redrive 1$/m);
      expect(message).toMatch(new RegExp(`^Run: +${RUN_ID}$`, 'm'));
      expect(message).toMatch(new RegExp(`^Revision: +${REVISION_ID}$`, 'm'));
    });

    it('reads the run from PlanRevision and CreateRevision outputs of an earlier attempt', () => {
      const history = new History().planned();
      history.add('ExecutionFailed');
      history.add('ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: 1 } });
      history.enter(STATE.importBatches, {}, 'Map');

      expect(findRun(history.newestFirst(), undefined, findFailedState(history.newestFirst()))).toEqual({
        runId: RUN_ID,
        datasetId: DATA_SET_ID,
        revisionId: REVISION_ID,
      });
    });

    it("reads the redrive count from DescribeExecution when the event lacks it", async () => {
      given(failedInFinalize(), described({ error: 'RevisionStateError', redriveCount: 2 }));
      const event = rawEvent('FAILED');
      delete (event.detail as { redriveCount?: number }).redriveCount;

      const output = await handleStatusChange(StatusChangeEvent.parse(event), deps());

      expect(output.recordKey).toBe(recordKey(2, 'FAILED'));
      expect(published().Message).toMatch(/^Attempt: +redrive 2$/m);
    });

    it('says that the revision IS published when only NotifySuccess failed', async () => {
      const cause = lambdaCause(
        'NotificationFailedError',
        `Revision ${REVISION_ID} of data set ${DATA_SET_ID} IS published (run ${RUN_ID}); only its success notification could not be sent: AuthorizationErrorException`,
      );
      const notifying = new History().planned();
      notifying.add('MapIterationStarted');
      notifying.task(STATE.importBatch, batchInput(0), {});
      notifying.add('MapIterationSucceeded');
      notifying.exit(STATE.importBatches, revised, 'Map');
      notifying.task(STATE.finalizeRevision, revised, revised);
      const started = notifying.startTask(STATE.notifySuccess, { ...revised, sharing: { dataGrants: [] } });
      notifying.failTask(started, 'NotificationFailedError', cause).add('ExecutionFailed');
      given(notifying, described({ error: 'NotificationFailedError', cause }));

      await run('FAILED');

      const sent = published();
      expect(sent.Subject).toBe(`dx-flow: revision ${REVISION_ID} IS published; only its notification failed`);
      expect(sent.MessageAttributes).toEqual({
        outcome: { DataType: 'String', StringValue: 'SUCCEEDED' },
        executionStatus: { DataType: 'String', StringValue: 'FAILED' },
        runId: { DataType: 'String', StringValue: RUN_ID },
        datasetId: { DataType: 'String', StringValue: DATA_SET_ID },
      });
      const message = sent.Message ?? '';
      expect(message.startsWith(`Revision ${REVISION_ID} of data set ${DATA_SET_ID} IS published (run ${RUN_ID}). Only its success notification could not be sent`)).toBe(
        true,
      );
      expect(message).toMatch(/^Failed state: +NotifySuccess$/m);
      expect(message).toContain('Nothing needs republishing.');
      expect(message).not.toContain('start a new run');
    });

    it('reads the run of a lost notification from NotifySuccess input when the plan and revision outputs are out of reach', () => {
      const history = new History();
      const started = history.startTask(STATE.notifySuccess, revised);
      history.failTask(started, 'NotificationFailedError', 'x');
      const failed = findFailedState(history.newestFirst());

      expect(failed?.name).toBe(STATE.notifySuccess);
      expect(findRun(history.newestFirst(), undefined, failed)).toEqual({ runId: RUN_ID, datasetId: DATA_SET_ID, revisionId: REVISION_ID });
    });

    it('falls back to the execution input when PlanRevision itself failed, and to the execution name when that says nothing', async () => {
      const history = new History().started({ continueRun: { runId: RUN_ID }, datasetId: DATA_SET_ID });
      history.failTask(history.startTask(STATE.planRevision, {}), 'InputValidationError', lambdaCause('InputValidationError', 'Invalid run input: bucket: is required'));
      given(history, described({ error: 'InputValidationError', input: JSON.stringify({ continueRun: { runId: RUN_ID }, datasetId: DATA_SET_ID }) }));

      await run('FAILED');

      let sent = published();
      expect(sent.Subject).toBe(`dx-flow: run ${RUN_ID} failed: InputValidationError`);
      expect(sent.Message).toMatch(/^Failed state: +PlanRevision$/m);
      expect(sent.Message).toMatch(/^Revision: +none yet$/m);

      sns.resetHistory();
      s3.resetHistory();
      given(new History().started('not an object'), described({ error: 'InputValidationError', input: 'not JSON' }));
      await run('FAILED', { input: null });

      sent = published();
      expect(sent.Subject).toBe(`dx-flow: run ${EXECUTION_NAME} failed: InputValidationError`);
      expect(sent.Message).toMatch(/^Run: +unknown$/m);
      expect(sent.MessageAttributes).toEqual({ outcome: { DataType: 'String', StringValue: 'FAILED' } });
    });

    it('keeps the subject within SNS rules for a long, non-ASCII error name', async () => {
      given(failedInFinalize(), described({ error: `Bad\nthing ${'é'.repeat(120)}` }));

      await run('FAILED');

      const subject = published().Subject ?? '';
      expect(subject.length).toBeLessThanOrEqual(100);
      expect(subject).toMatch(/^[\x20-\x7e]+$/);
      expect(subject.startsWith(`dx-flow: run ${RUN_ID} failed: Bad thing ??`)).toBe(true);
    });

    it('truncates a huge cause to fit SNS, on a character boundary', async () => {
      given(failedInFinalize(), described({ error: 'Error', cause: lambdaCause('Error', 'ü'.repeat(200_000)) }));

      await run('FAILED');

      const message = published().Message ?? '';
      expect(Buffer.byteLength(message, 'utf8')).toBeLessThan(SNS_MAX_MESSAGE_BYTES);
      expect(message).toMatch(/ü\n\n\[message truncated to fit the SNS size limit\]$/);
    });
  });

  describe('TIMED_OUT and ABORTED', () => {
    function stoppedWhileImporting(): History {
      const history = new History().planned();
      history.add('MapIterationStarted');
      history.startTask(STATE.importBatch, batchInput(3));
      return history;
    }

    it('says that the execution timed out, without an error of its own', async () => {
      given(stoppedWhileImporting(), described({ status: 'TIMED_OUT' }));

      const output = await run('TIMED_OUT');

      expect(output.recordKey).toBe(recordKey(0, 'TIMED_OUT'));
      const sent = published();
      expect(sent.Subject).toBe(`dx-flow: run ${RUN_ID} timed out`);
      expect(sent.MessageAttributes?.outcome?.StringValue).toBe('TIMED_OUT');
      const message = sent.Message ?? '';
      expect(message).toMatch(/^Cause: +The execution timed out \(the state machine's TimeoutSeconds\)\.$/m);
      expect(message).not.toMatch(/^Error:/m);
      expect(message).toMatch(/^Stopped in: +ImportBatch \(batch index 3\)$/m);
      expect(message.endsWith(REDRIVE_HINT)).toBe(true);
    });

    it('says that the execution was stopped, with the reason StopExecution gave when there is one', async () => {
      given(stoppedWhileImporting(), described({ status: 'ABORTED' }));

      await run('ABORTED');

      let sent = published();
      expect(sent.Subject).toBe(`dx-flow: run ${RUN_ID} was stopped`);
      expect(sent.MessageAttributes?.outcome?.StringValue).toBe('ABORTED');
      expect(sent.Message).toMatch(/^Cause: +The execution was stopped\.$/m);

      sns.resetHistory();
      given(stoppedWhileImporting(), described({ status: 'ABORTED', error: 'OperatorStop', cause: 'wrong manifest' }));
      await run('ABORTED');

      sent = published();
      expect(sent.Message).toMatch(/^Error: +OperatorStop$/m);
      expect(sent.Message).toMatch(/^Cause: +The execution was stopped: wrong manifest$/m);
    });
  });

  describe('once per attempt', () => {
    it('sends nothing when the record says this status of this attempt was already notified (412)', async () => {
      given(failedInFinalize(), described({ error: 'RevisionStateError' }));
      s3.on(PutObjectCommand).rejects(awsError('PreconditionFailed', 412));
      const log = logger();

      const output = await run('FAILED', {}, log);

      expect(output).toEqual({ outcome: 'duplicate', recordKey: recordKey(0, 'FAILED') });
      expect(sns).not.toHaveReceivedCommand(PublishCommand);
      expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
      expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
      expect(log.info).toHaveBeenCalledWith('status already notified', expect.objectContaining({ recordKey: recordKey(0, 'FAILED') }));
    });

    it('rethrows any other S3 error of the claim under its name, without publishing', async () => {
      given(failedInFinalize(), described({ error: 'RevisionStateError' }));
      s3.on(PutObjectCommand).rejects(awsError('AccessDenied', 403));

      await expect(run('FAILED')).rejects.toMatchObject({
        name: 'AccessDenied',
        message: expect.stringContaining(`s3:PutObject on s3://${RECORD_BUCKET}/${recordKey(0, 'FAILED')} was denied`),
      });
      expect(sns).not.toHaveReceivedCommand(PublishCommand);
    });

    it('gives the claim back and rethrows when the publish fails, so that a retry can send it', async () => {
      given(failedInFinalize(), described({ error: 'RevisionStateError' }));
      sns.on(PublishCommand).rejects(awsError('ThrottledException', 400));

      await expect(run('FAILED')).rejects.toMatchObject({ name: 'TransientAwsError', message: expect.stringContaining('sns:Publish') });

      expect(s3).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: RECORD_BUCKET, Key: recordKey(0, 'FAILED') });
      expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
    });

    it('still reports the publish error when the claim cannot be given back', async () => {
      given(failedInFinalize(), described({ error: 'RevisionStateError' }));
      sns.on(PublishCommand).rejects(awsError('AuthorizationErrorException', 403));
      s3.on(DeleteObjectCommand).rejects(awsError('AccessDenied', 403));
      const log = logger();

      await expect(run('FAILED', {}, log)).rejects.toMatchObject({ name: 'AuthorizationErrorException' });
      expect(log.warn).toHaveBeenCalledWith(expect.stringContaining('could not release'), expect.objectContaining({ recordKey: recordKey(0, 'FAILED') }));
    });

    it('only logs a failure to record the message id: the claim already stops a resend', async () => {
      given(failedInFinalize(), described({ error: 'RevisionStateError' }));
      s3.on(PutObjectCommand).resolvesOnce({}).rejects(awsError('InternalError', 500));
      const log = logger();

      await expect(run('FAILED', {}, log)).resolves.toMatchObject({ outcome: 'sent', messageId: 'msg-1' });
      expect(log.warn).toHaveBeenCalledWith('notified, but could not record the message id', expect.objectContaining({ messageId: 'msg-1' }));
    });

    it('keys the record by state machine, execution, redrive count and status', () => {
      expect(recordKeyOf({ stateMachineArn: STATE_MACHINE_ARN, name: EXECUTION_NAME }, 3, 'ABORTED')).toBe(
        `notifications/sent/${STATE_MACHINE}/${EXECUTION_NAME}/3/ABORTED.json`,
      );
    });
  });

  it.each(['SUCCEEDED', 'RUNNING', 'PENDING_REDRIVE'])('ignores %s without an AWS call', async (status) => {
    await expect(run(status)).resolves.toEqual({ outcome: 'ignored' });

    expect(sfn).not.toHaveReceivedAnyCommand();
    expect(s3).not.toHaveReceivedAnyCommand();
    expect(sns).not.toHaveReceivedAnyCommand();
  });

  describe('reading the history', () => {
    it('follows nextToken to older pages for the plan, and stops once it has what it needs', async () => {
      const events = failedInFinalize().newestFirst();
      // The latest events, then the ones with CreateRevision's and PlanRevision's outputs, then more that are not needed.
      const cut = events.findIndex((event) => event.stateExitedEventDetails?.name === STATE.importBatches) + 1;
      sfn.on(DescribeExecutionCommand).resolves(described({ error: 'RevisionStateError' }));
      sfn
        .on(GetExecutionHistoryCommand)
        .resolvesOnce({ events: events.slice(0, cut), nextToken: 'page-2' })
        .resolvesOnce({ events: events.slice(cut), nextToken: 'page-3' })
        .resolves({ events: [] });

      await run('FAILED');

      expect(sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 2);
      expect(sfn).toHaveReceivedNthSpecificCommandWith(2, GetExecutionHistoryCommand, { executionArn: EXECUTION_ARN, nextToken: 'page-2', reverseOrder: true });
      expect(published().Message).toMatch(new RegExp(`^Revision: +${REVISION_ID}$`, 'm'));
    });

    it(`reads at most ${MAX_HISTORY_PAGES} pages`, async () => {
      sfn.on(DescribeExecutionCommand).resolves(described({ error: 'RevisionStateError' }));
      sfn.on(GetExecutionHistoryCommand).resolves({ events: [{ id: 1, timestamp: STARTED, type: 'TaskScheduled' }], nextToken: 'more' });

      await run('FAILED');

      expect(sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, MAX_HISTORY_PAGES);
      expect(published().Message).toMatch(new RegExp(`^Run: +${RUN_ID}$`, 'm'));
    });

    it('maps a denied history read to its AWS name, naming the execution', async () => {
      sfn.on(DescribeExecutionCommand).resolves(described());
      sfn.on(GetExecutionHistoryCommand).rejects(awsError('AccessDeniedException', 400));

      await expect(run('FAILED')).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining(`states:GetExecutionHistory on execution ${EXECUTION_ARN} was denied`),
      });
      expect(s3).not.toHaveReceivedAnyCommand();
    });
  });

  describe('describeCause', () => {
    it('shows a JSON cause that is neither a Lambda error nor a child execution as it is', () => {
      const cause = JSON.stringify({ JobId: 'aaaa', Errors: [{ Code: 'RESOURCE_NOT_FOUND' }] });

      expect(describeCause('ImportJobFailedError', cause)).toEqual({ error: 'ImportJobFailedError', cause });
    });

    it('says how a child that timed out ended, keeping the parent error', () => {
      const cause = JSON.stringify({ ExecutionArn: CHILD_ARN, Status: 'TIMED_OUT' });

      expect(describeCause('States.TaskFailed', cause)).toEqual({
        error: 'States.TaskFailed',
        cause: 'The child execution ended TIMED_OUT.',
        childExecutionArn: CHILD_ARN,
        childStatus: 'TIMED_OUT',
      });
    });

    it('says when there is no cause', () => {
      expect(describeCause('X', undefined)).toEqual({ error: 'X', cause: '(none given)' });
      expect(describeCause(undefined, '  ')).toEqual({ error: undefined, cause: '(none given)' });
    });
  });

  describe('through the handler', () => {
    it('reads its configuration and announces the failure', async () => {
      given(failedInFinalize(), described({ error: 'RevisionStateError' }));

      await expect(handler(rawEvent('FAILED'))).resolves.toMatchObject({ outcome: 'sent', recordKey: recordKey(0, 'FAILED') });
      expect(puts()[0]).toMatchObject({ Bucket: RECORD_BUCKET });
    });

    it('rejects an event from another source, naming the field', async () => {
      await expect(handler({ ...rawEvent('FAILED'), source: 'aws.s3' })).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringContaining('source'),
      });
      expect(sfn).not.toHaveReceivedAnyCommand();
    });

    it('rejects an unknown status, naming the field', async () => {
      await expect(handler(rawEvent('EXPLODED'))).rejects.toMatchObject({
        name: 'InputValidationError',
        message: expect.stringContaining('detail.status'),
      });
    });
  });
});

describe('handle-status-change, each rule on its own', () => {
  beforeEach(resetClients);

  describe('reading the history', () => {
    it('returns the events of a single page as they are, with one call', async () => {
      const events = failedInFinalize().newestFirst();
      sfn.on(GetExecutionHistoryCommand).resolvesOnce({ events }).resolves({ events: [] });

      await expect(readHistory(new SFNClient({}), EXECUTION_ARN)).resolves.toEqual(events);
      expect(sfn).toHaveReceivedCommandTimes(GetExecutionHistoryCommand, 1);
    });

    it('reads a page without events as none', async () => {
      sfn.on(GetExecutionHistoryCommand).resolves({});

      await expect(readHistory(new SFNClient({}), EXECUTION_ARN)).resolves.toEqual([]);
    });
  });

  describe('the claim', () => {
    it('writes, with If-None-Match, a JSON record of the execution, status, attempt and claim time', async () => {
      given(failedInFinalize(), described({ error: 'RevisionStateError' }));

      await run('FAILED');

      const [claim, record] = puts();
      expect(claim).toEqual({
        Bucket: RECORD_BUCKET,
        Key: recordKey(0, 'FAILED'),
        Body: JSON.stringify({ executionArn: EXECUTION_ARN, status: 'FAILED', redriveCount: 0, claimedAt: '2026-11-30T07:03:00.000Z' }),
        ContentType: 'application/json',
        IfNoneMatch: '*',
      });
      expect(record).toMatchObject({ ContentType: 'application/json' });
    });

    it.each([
      ['named PreconditionFailed', Object.assign(new Error('taken'), { name: 'PreconditionFailed' })],
      ['answered 412', Object.assign(new Error('taken'), { name: 'SomeS3Error', $metadata: { httpStatusCode: 412 } })],
    ])('takes an S3 error %s for a record already claimed', async (_, error) => {
      given(failedInFinalize(), described({ error: 'RevisionStateError' }));
      s3.on(PutObjectCommand).rejects(error);

      await expect(run('FAILED')).resolves.toMatchObject({ outcome: 'duplicate' });
    });

    it.each([
      ['an error without $metadata', Object.assign(new Error('boom'), { name: 'SomeS3Error' })],
      ['a thrown string', 'boom'],
    ])('rethrows %s of the claim, publishing nothing', async (_, thrown) => {
      given(failedInFinalize(), described({ error: 'RevisionStateError' }));
      s3.on(PutObjectCommand).callsFake(() => {
        throw thrown;
      });

      await expect(run('FAILED')).rejects.toThrow(thrown instanceof Error ? thrown.message : String(thrown));
      expect(sns).not.toHaveReceivedCommand(PublishCommand);
    });
  });

  it('logs what it sent, with the message id and record key', async () => {
    given(failedInFinalize(), described({ error: 'RevisionStateError' }));
    const log = logger();

    await run('FAILED', {}, log);

    expect(log.info).toHaveBeenCalledWith(
      'status notified',
      expect.objectContaining({ executionArn: EXECUTION_ARN, status: 'FAILED', messageId: 'msg-1', recordKey: recordKey(0, 'FAILED'), runId: RUN_ID }),
    );
  });

  it('names DescribeExecution and the execution when reading it is denied', async () => {
    sfn.on(DescribeExecutionCommand).rejects(awsError('AccessDeniedException', 400));

    await expect(run('FAILED')).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`Check that the task's role allows states:DescribeExecution on execution ${EXECUTION_ARN}.`),
    });
  });

  describe('what DescribeExecution says against the event', () => {
    const otherRun = { bucket: BUCKET, datasetId: DATA_SET_ID, runId: 'run-from-the-event' };
    const stopped = () => {
      const history = new History().started('not the run');
      history.startTask(STATE.planRevision, 'not the run either');
      return history;
    };

    it("reads the run from DescribeExecution's input before the event's", async () => {
      given(stopped(), described({ error: 'X' }));

      await run('FAILED', { input: JSON.stringify(otherRun) });

      expect(published().Subject).toBe(`dx-flow: run ${RUN_ID} failed: X`);
    });

    it("reads the run from the event's input when DescribeExecution has none", async () => {
      given(stopped(), described({ error: 'X', input: undefined }));

      await run('FAILED', { input: JSON.stringify(otherRun) });

      expect(published().Subject).toBe('dx-flow: run run-from-the-event failed: X');
    });

    it("takes the start from DescribeExecution, the stop from the event, and DescribeExecution's stop when the event has none", async () => {
      const startDate = new Date('2026-11-30T05:00:00.000Z');
      given(stopped(), described({ error: 'X', startDate, stopDate: new Date('2026-11-30T05:00:30.000Z') }));

      await run('FAILED');
      const withEventStop = published().Message ?? '';
      sns.resetHistory();
      await run('FAILED', { stopDate: null });
      const withoutEventStop = published().Message ?? '';

      expect(withEventStop).toMatch(/^Started: +2026-11-30T05:00:00.000Z$/m);
      expect(withEventStop).toMatch(/^Duration: +2 h 2 min 5 s$/m);
      expect(withoutEventStop).toMatch(/^Duration: +30 s$/m);
    });

    it('measures up to now when neither says when the execution stopped', async () => {
      given(stopped(), described({ error: 'X', stopDate: undefined }));

      await run('FAILED', { stopDate: null });

      // now() is 07:03:00, three minutes after the start.
      expect(published().Message).toMatch(/^Duration: +1 h 3 min 0 s$/m);
    });
  });
});
