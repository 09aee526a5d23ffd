import { TOPIC_ARN } from '../fixtures/ids';

import { DataExchangeClient, GetRevisionCommand, SendDataSetNotificationCommand } from '@aws-sdk/client-dataexchange';
import { GetObjectCommand, type GetObjectCommandOutput, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { ERROR_NAMES } from '../../shared/errors';
import { clientTokenOf, sendSubscriberNoticeOnce, SUBSCRIBER_NOTICE_RECORD_PREFIX, subscriberNoticeKey } from '../../shared/notification-records';
import { StatusChangeEvent } from '../../shared/schemas/status-change-event';
import { handleStatusChange } from '../../tasks/handle-status-change/core';
import { handler as statusChangeHandler } from '../../tasks/handle-status-change/handler';
import { scheduledRunOf } from '../../tasks/handle-status-change/subscriber-notice';
import { notify } from '../../tasks/notify/core';
import { handler as notifyHandler } from '../../tasks/notify/handler';
import { awsError, BUCKET, DATA_SET_ID, REVISION_ID, RUN_ID } from '../fixtures/ids';

const dataExchange = mockClient(DataExchangeClient);
const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const sfn = mockClient(SFNClient);

const RECORD_BUCKET = 'dx-flow-test-records';
const NOW = new Date('2026-11-30T07:00:00.000Z');
const FINALIZED = new Date('2026-11-30T06:58:00.000Z');
const TICK = '2026-11-30T06:00:00Z';
const SCHEDULED_RUN = 'scheduled-20261130T0600Z';

const noticeDeps = () => ({ s3: new S3Client({}), bucket: RECORD_BUCKET, dataExchange: new DataExchangeClient({}), now: () => NOW });

/** A GetObject answer with a JSON body, as the SDK's stream mixin reads it. */
const jsonBody = (value: unknown) => ({ Body: { transformToString: async () => JSON.stringify(value) } }) as unknown as GetObjectCommandOutput;

/** The record already exists: the conditional write is refused, and GetObject reads `state`. */
function recordExists(key: string, state: 'sending' | 'sent'): void {
  s3.on(PutObjectCommand, { Key: key, IfNoneMatch: '*' }).rejects(awsError('PreconditionFailed', 412));
  s3.on(GetObjectCommand, { Key: key }).resolves(jsonBody({ state }));
}

const sentNotices = () => dataExchange.commandCalls(SendDataSetNotificationCommand).map((call) => call.args[0].input);

/** Exactly one notice went out: of `type`, for the run, under the token of its record key. */
function expectOneNotice(type: 'DATA_UPDATE' | 'DATA_DELAY', runId: string, more: Record<string, unknown> = {}): void {
  const notices = sentNotices();
  expect(notices).toHaveLength(1);
  expect(notices[0]).toMatchObject({ DataSetId: DATA_SET_ID, Type: type, ClientToken: clientTokenOf(subscriberNoticeKey({ datasetId: DATA_SET_ID, runId, type })), ...more });
}

/** The Lambda environment infra gives a notifier, `more` added, for the length of one test. */
const savedEnv = process.env;
function lambdaEnv(more: Record<string, string>): void {
  process.env = { ...savedEnv, NOTIFY_TOPIC_ARN: TOPIC_ARN, ...more };
}
afterEach(() => {
  process.env = savedEnv;
});

beforeEach(() => {
  dataExchange.reset();
  s3.reset();
  sns.reset();
  sfn.reset();
  dataExchange.on(SendDataSetNotificationCommand).resolves({});
  dataExchange.on(GetRevisionCommand).resolves({ Id: REVISION_ID, Finalized: true, UpdatedAt: FINALIZED });
  s3.on(PutObjectCommand).resolves({});
  sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
});

describe('sendSubscriberNoticeOnce', () => {
  const notice = { datasetId: DATA_SET_ID, runId: RUN_ID, type: 'DATA_DELAY' as const, comment: 'Late.' };
  const key = `${SUBSCRIBER_NOTICE_RECORD_PREFIX}${DATA_SET_ID}/${RUN_ID}/DATA_DELAY.json`;

  it('claims the record, sends under a token derived from its key, then records the send', async () => {
    // Act
    const outcome = await sendSubscriberNoticeOnce(notice, noticeDeps());

    // Assert
    expect(outcome).toEqual({ outcome: 'sent', recordKey: key });
    expect(subscriberNoticeKey(notice)).toBe(key);
    expect(sentNotices()).toEqual([{ DataSetId: DATA_SET_ID, Type: 'DATA_DELAY', ClientToken: clientTokenOf(key), Comment: 'Late.', Details: undefined }]);
    expect(clientTokenOf(key)).toMatch(/^[0-9a-f]{64}$/);
    const writes = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    expect(writes.map((write) => [write.Key, write.IfNoneMatch, JSON.parse(String(write.Body)).state])).toEqual([
      [key, '*', 'sending'],
      [key, undefined, 'sent'],
    ]);
  });

  it('sends nothing when the record says the notice was sent', async () => {
    // Arrange
    recordExists(key, 'sent');

    // Act
    const outcome = await sendSubscriberNoticeOnce(notice, noticeDeps());

    // Assert
    expect(outcome).toEqual({ outcome: 'already-sent', recordKey: key });
    expect(dataExchange).not.toHaveReceivedCommand(SendDataSetNotificationCommand);
  });

  it('sends again under the same token when an earlier attempt claimed the notice and never recorded the send', async () => {
    // Arrange
    recordExists(key, 'sending');

    // Act
    const outcome = await sendSubscriberNoticeOnce(notice, noticeDeps());

    // Assert
    expect(outcome.outcome).toBe('sent');
    expect(sentNotices().map((sent) => sent.ClientToken)).toEqual([clientTokenOf(key)]);
  });

  it('records who, what and when in the claim and in the sent record, as JSON', async () => {
    // Act
    await sendSubscriberNoticeOnce(notice, noticeDeps());

    // Assert
    const writes = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input);
    const identity = { datasetId: DATA_SET_ID, runId: RUN_ID, type: 'DATA_DELAY', clientToken: clientTokenOf(key) };
    expect(writes.map((write) => JSON.parse(String(write.Body)))).toEqual([
      { ...identity, state: 'sending', claimedAt: NOW.toISOString() },
      { ...identity, state: 'sent', sentAt: NOW.toISOString() },
    ]);
    expect(writes.map((write) => [write.Bucket, write.ContentType])).toEqual([
      [RECORD_BUCKET, 'application/json'],
      [RECORD_BUCKET, 'application/json'],
    ]);
  });

  it('cuts a comment to the 4,096 characters SendDataSetNotification takes', async () => {
    await sendSubscriberNoticeOnce({ ...notice, comment: 'x'.repeat(5000) }, noticeDeps());

    expect(sentNotices()[0].Comment).toHaveLength(4096);
  });

  it('takes a 412 without the error name as the claim refused, as some S3 answers carry only the status', async () => {
    // Arrange
    s3.on(PutObjectCommand, { Key: key, IfNoneMatch: '*' }).rejects(awsError('UnknownError', 412));
    s3.on(GetObjectCommand, { Key: key }).resolves(jsonBody({ state: 'sent' }));

    // Act
    const outcome = await sendSubscriberNoticeOnce(notice, noticeDeps());

    // Assert
    expect(outcome.outcome).toBe('already-sent');
  });

  it('sends when the claim is refused but the record is gone by the time it is read (removed by hand)', async () => {
    // Arrange
    s3.on(PutObjectCommand, { Key: key, IfNoneMatch: '*' }).rejects(awsError('PreconditionFailed', 412));
    s3.on(GetObjectCommand, { Key: key }).rejects(awsError('NoSuchKey', 404));

    // Act
    const outcome = await sendSubscriberNoticeOnce(notice, noticeDeps());

    // Assert
    expect(outcome.outcome).toBe('sent');
    expect(sentNotices()).toHaveLength(1);
  });

  it.each([
    ['a refused claim', () => s3.on(PutObjectCommand, { Key: key, IfNoneMatch: '*' }).rejects(awsError('AccessDenied', 403)), `s3:PutObject on s3://${RECORD_BUCKET}/${key}`],
    ['a thrown string', () => s3.on(PutObjectCommand, { Key: key, IfNoneMatch: '*' }).rejects('socket hang up'), 'socket hang up'],
    [
      'an unreadable record',
      () => {
        s3.on(PutObjectCommand, { Key: key, IfNoneMatch: '*' }).rejects(awsError('PreconditionFailed', 412));
        s3.on(GetObjectCommand, { Key: key }).rejects(awsError('AccessDenied', 403));
      },
      'AccessDenied',
    ],
    ['a failed sent record', () => s3.on(PutObjectCommand, { Key: key, IfNoneMatch: undefined }).rejects(awsError('AccessDenied', 403)), `s3:PutObject on s3://${RECORD_BUCKET}/${key}`],
  ])('fails on %s rather than guess whether the notice went out', async (_case, arrange, message) => {
    // Arrange
    arrange();

    // Act
    const sending = sendSubscriberNoticeOnce(notice, noticeDeps());

    // Assert
    await expect(sending).rejects.toThrow(message);
  });

  it('names the action and the data set when Data Exchange refuses, and leaves the record unsent for the retry', async () => {
    // Arrange
    dataExchange.on(SendDataSetNotificationCommand).rejects(awsError('AccessDeniedException', 403));

    // Act
    const sending = sendSubscriberNoticeOnce(notice, noticeDeps());

    // Assert
    await expect(sending).rejects.toThrow(`dataexchange:SendDataSetNotification on data set ${DATA_SET_ID} was denied`);
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 1);
  });
});

describe('notify with subscriber notices', () => {
  const published = () => ({
    outcome: 'SUCCEEDED' as const,
    executionName: `${RUN_ID}-20261130T060000Z`,
    executionStartTime: '2026-11-30T06:00:00.000Z',
    runId: RUN_ID,
    datasetId: DATA_SET_ID,
    revisionId: REVISION_ID,
    earlierRevisionIds: [],
    assetCount: 3,
    totalBytes: 1024,
    alreadyPublished: false,
    dataGrants: [],
  });
  const deps = (on: boolean) => ({ sns: new SNSClient({}), topicArn: TOPIC_ARN, now: () => NOW, subscriberNotices: on ? noticeDeps() : undefined });

  it('sends one DATA_UPDATE notice dated when the revision was finalized, then the message', async () => {
    // Act
    const output = await notify(published(), deps(true));

    // Assert
    expect(output).toEqual({ messageId: 'msg-1' });
    expect(dataExchange).toHaveReceivedCommandWith(GetRevisionCommand, { DataSetId: DATA_SET_ID, RevisionId: REVISION_ID });
    expectOneNotice('DATA_UPDATE', RUN_ID, { Details: { DataUpdate: { DataUpdatedAt: FINALIZED } } });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('sends no notice when subscriber notices are off', async () => {
    // Act
    await notify(published(), deps(false));

    // Assert
    expect(dataExchange).not.toHaveReceivedAnyCommand();
    expect(s3).not.toHaveReceivedAnyCommand();
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('is on in the Lambda when NOTIFY_SUBSCRIBERS is true: the notice is recorded in NOTIFICATION_RECORD_BUCKET', async () => {
    // Arrange
    lambdaEnv({ NOTIFY_SUBSCRIBERS: 'true', NOTIFICATION_RECORD_BUCKET: RECORD_BUCKET });

    // Act
    await notifyHandler(published());

    // Assert
    expectOneNotice('DATA_UPDATE', RUN_ID);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: RECORD_BUCKET, IfNoneMatch: '*' });
  });

  it('is off in the Lambda without NOTIFY_SUBSCRIBERS, even with a record bucket set', async () => {
    // Arrange
    lambdaEnv({ NOTIFICATION_RECORD_BUCKET: RECORD_BUCKET });

    // Act
    await notifyHandler(published());

    // Assert
    expect(dataExchange).not.toHaveReceivedAnyCommand();
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('sends no second notice for a re-run of the runId whose notice is recorded', async () => {
    // Arrange
    recordExists(subscriberNoticeKey({ datasetId: DATA_SET_ID, runId: RUN_ID, type: 'DATA_UPDATE' }), 'sent');

    // Act
    await notify({ ...published(), alreadyPublished: true }, deps(true));

    // Assert
    expect(dataExchange).not.toHaveReceivedCommand(SendDataSetNotificationCommand);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it.each([
    ['one revision', [], `dx-flow run ${RUN_ID} published 3 assets as revision ${REVISION_ID}.`],
    ['a run of two parts', ['earlier0000000000000000000000001'], `dx-flow run ${RUN_ID} published 3 assets as revisions earlier0000000000000000000000001, ${REVISION_ID}.`],
  ])("says in the notice's comment what the run published: %s", async (_case, earlierRevisionIds, comment) => {
    await notify({ ...published(), earlierRevisionIds }, deps(true));

    expectOneNotice('DATA_UPDATE', RUN_ID, { Comment: comment });
  });

  it.each([
    ['revoked', { Finalized: true, Revoked: true, UpdatedAt: FINALIZED }],
    ['without a time of its last change', { Finalized: true }],
    ['finalized but not said to be so', { Finalized: undefined, UpdatedAt: FINALIZED }],
  ])('announces no data update for a revision %s', async (_case, revision) => {
    // Arrange
    dataExchange.on(GetRevisionCommand).resolves({ Id: REVISION_ID, ...revision });

    // Act
    const notifying = notify(published(), deps(true));

    // Assert
    await expect(notifying).rejects.toMatchObject({ name: ERROR_NAMES.notificationFailed });
    expect(dataExchange).not.toHaveReceivedCommand(SendDataSetNotificationCommand);
  });

  it('names GetRevision and the revision when reading it is refused', async () => {
    dataExchange.on(GetRevisionCommand).rejects(awsError('AccessDeniedException', 403));

    await expect(notify(published(), deps(true))).rejects.toThrow(`dataexchange:GetRevision on revision ${REVISION_ID} of data set ${DATA_SET_ID}`);
  });

  it('fails with NotificationFailedError naming the action and the revision when the revision is not finalized', async () => {
    // Arrange
    dataExchange.on(GetRevisionCommand).resolves({ Id: REVISION_ID, Finalized: false, UpdatedAt: FINALIZED });

    // Act
    const notifying = notify(published(), deps(true));

    // Assert
    await expect(notifying).rejects.toMatchObject({
      name: ERROR_NAMES.notificationFailed,
      message: expect.stringContaining(`dataexchange:GetRevision says revision ${REVISION_ID} of data set ${DATA_SET_ID} is not a finalized`),
    });
    expect(dataExchange).not.toHaveReceivedCommand(SendDataSetNotificationCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});

describe('handleStatusChange with subscriber notices', () => {
  const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:DxFlowPublishRevision';
  const executionArn = (name: string) => `arn:aws:states:us-east-1:123456789012:execution:DxFlowPublishRevision:${name}`;
  const scheduledInput = { bucket: BUCKET, datasetId: DATA_SET_ID, scheduledAt: TICK };
  const manualInput = { bucket: BUCKET, datasetId: DATA_SET_ID, runId: RUN_ID };
  const logger = { info: jest.fn(), warn: jest.fn() };

  /** A run that stopped with `status` before any state ran, as DescribeExecution and an empty history tell it. */
  function ended(status: string, input: unknown, extra: { error?: string } = {}) {
    const name = `run-${status}`;
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: executionArn(name),
      stateMachineArn: STATE_MACHINE_ARN,
      status: status as never,
      startDate: new Date(TICK),
      stopDate: NOW,
      input: JSON.stringify(input),
      error: extra.error ?? 'States.TaskFailed',
      cause: 'boom',
    });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    return StatusChangeEvent.parse({
      version: '0',
      id: `event-${status}`,
      'detail-type': 'Step Functions Execution Status Change',
      source: 'aws.states',
      account: '123456789012',
      time: NOW.toISOString(),
      region: 'us-east-1',
      resources: [executionArn(name)],
      detail: { executionArn: executionArn(name), stateMachineArn: STATE_MACHINE_ARN, name, status, input: JSON.stringify(input), startDate: Date.parse(TICK), stopDate: NOW.getTime() },
    });
  }
  const deps = (on: boolean) => ({
    sfn: new SFNClient({}),
    s3: new S3Client({}),
    sns: new SNSClient({}),
    topicArn: TOPIC_ARN,
    bucket: RECORD_BUCKET,
    now: () => NOW,
    logger,
    subscriberNotices: on ? noticeDeps() : undefined,
  });

  it.each([
    ['FAILED', 'failed'],
    ['TIMED_OUT', 'timed out'],
    ['ABORTED', 'was stopped'],
  ])('sends one DATA_DELAY notice when a scheduled run ends %s, saying so', async (status, said) => {
    // Act
    await handleStatusChange(ended(status, scheduledInput), deps(true));

    // Assert
    expectOneNotice('DATA_DELAY', SCHEDULED_RUN, {
      Comment: `The scheduled update ${SCHEDULED_RUN} of this data set ${said} and is not published yet; it will follow once the run is redriven or re-run.`,
    });
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('sends no DATA_DELAY notice for a run the schedule did not start', async () => {
    // Act
    await handleStatusChange(ended('FAILED', manualInput), deps(true));

    // Assert
    expect(dataExchange).not.toHaveReceivedCommand(SendDataSetNotificationCommand);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('sends no DATA_DELAY notice when subscriber notices are off', async () => {
    // Act
    await handleStatusChange(ended('FAILED', scheduledInput), deps(false));

    // Assert
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it('sends no DATA_DELAY notice for a status that is not a failure', async () => {
    // Act
    const output = await handleStatusChange(ended('SUCCEEDED', scheduledInput), deps(true));

    // Assert
    expect(output).toEqual({ outcome: 'ignored' });
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it('sends no DATA_DELAY notice when the revision went out and only its success notification failed', async () => {
    // Act
    await handleStatusChange(ended('FAILED', scheduledInput, { error: ERROR_NAMES.notificationFailed }), deps(true));

    // Assert
    expect(dataExchange).not.toHaveReceivedCommand(SendDataSetNotificationCommand);
  });

  it.each([
    ['true', ['DATA_DELAY' as const]],
    ['false', []],
  ])('with NOTIFY_SUBSCRIBERS=%s, the Lambda sends the notices %j', async (flag, types) => {
    // Arrange
    lambdaEnv({ NOTIFY_SUBSCRIBERS: flag, NOTIFICATION_RECORD_BUCKET: RECORD_BUCKET });

    // Act
    await statusChangeHandler(ended('FAILED', scheduledInput));

    // Assert
    expect(sentNotices().map((notice) => [notice.Type, notice.ClientToken])).toEqual(
      types.map((type) => [type, clientTokenOf(subscriberNoticeKey({ datasetId: DATA_SET_ID, runId: SCHEDULED_RUN, type }))]),
    );
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('sends no second DATA_DELAY notice for a redrive or a re-run of the scheduled run that fails again', async () => {
    // Arrange
    recordExists(subscriberNoticeKey({ datasetId: DATA_SET_ID, runId: SCHEDULED_RUN, type: 'DATA_DELAY' }), 'sent');

    // Act
    await handleStatusChange(ended('FAILED', scheduledInput), deps(true));

    // Assert
    expect(dataExchange).not.toHaveReceivedCommand(SendDataSetNotificationCommand);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });
});

describe('scheduledRunOf', () => {
  it.each([
    ['the schedule input, before PlanRevision named the run', { scheduledAt: TICK }, undefined, SCHEDULED_RUN],
    ['a later part or re-run, by its runId', { continueRun: { runId: SCHEDULED_RUN } }, SCHEDULED_RUN, SCHEDULED_RUN],
    ['a run started by hand', { runId: RUN_ID }, RUN_ID, undefined],
    ['a run with no readable input', 'not json', undefined, undefined],
    ['a run named by hand but started by the schedule', { scheduledAt: TICK, runId: RUN_ID }, RUN_ID, RUN_ID],
    ["another data set's schedule input, by its name", { scheduledAt: TICK, dataSet: 'weather' }, undefined, SCHEDULED_RUN.replace('scheduled-', 'scheduled-weather-')],
    ["a later part of another data set's scheduled run", { continueRun: {} }, SCHEDULED_RUN.replace('scheduled-', 'scheduled-weather-'), SCHEDULED_RUN.replace('scheduled-', 'scheduled-weather-')],
  ])('%s', (_, input, runId, expected) => {
    // Act, Assert
    expect(scheduledRunOf(typeof input === 'string' ? input : JSON.stringify(input), runId)).toBe(expected);
  });
});
