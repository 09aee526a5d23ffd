import { TOPIC_ARN } from '../fixtures/ids';

process.env.NOTIFY_TOPIC_ARN = TOPIC_ARN;

import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { ERROR_NAMES, NotificationFailedError, TransientAwsError } from '../../shared/errors';
import { notify } from '../../tasks/notify/core';
import { handler } from '../../tasks/notify/handler';
import { ACCOUNT_A, ACCOUNT_B, awsError, DATA_SET_ID, OTHER_REVISION_ID, REVISION_ID, RUN_ID } from '../fixtures/ids';

const sns = mockClient(SNSClient);

const STARTED = '2026-11-30T06:00:00.000Z';

const success = () => ({
  outcome: 'SUCCEEDED' as const,
  executionName: `${RUN_ID}-20261130T060000Z`,
  executionStartTime: STARTED,
  runId: RUN_ID,
  datasetId: DATA_SET_ID,
  revisionId: REVISION_ID,
  earlierRevisionIds: [],
  assetCount: 3,
  totalBytes: 1_572_864,
  alreadyPublished: false,
  dataGrants: [
    { receiver: ACCOUNT_A, id: 'grant-a', status: 'created' as const, acceptance: 'PENDING_RECEIVER_ACCEPTANCE' },
    { receiver: ACCOUNT_B, id: 'grant-b', status: 'existing' as const, acceptance: 'ACCEPTED' },
  ],
});

/** The one PublishCommand the test expects, asserting that there was exactly one. */
function published(): PublishCommandInput {
  expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  const call = sns.commandCalls(PublishCommand)[0];
  if (call === undefined) throw new Error('no PublishCommand was sent');
  return call.args[0].input;
}

const at = (iso: string) => () => new Date(iso);

describe('notify', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  });

  it('announces a published revision with its figures, duration and grants', async () => {
    const output = await notify(success(), { sns: new SNSClient({}), topicArn: TOPIC_ARN, now: at('2026-11-30T07:02:05Z') });

    expect(output).toEqual({ messageId: 'msg-1' });
    const sent = published();
    expect(sent).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: `dx-flow: published revision ${REVISION_ID} (3 assets)`,
      MessageAttributes: {
        outcome: { DataType: 'String', StringValue: 'SUCCEEDED' },
        runId: { DataType: 'String', StringValue: RUN_ID },
        datasetId: { DataType: 'String', StringValue: DATA_SET_ID },
      },
    });
    const message = sent.Message ?? '';
    for (const expected of [RUN_ID, success().executionName, DATA_SET_ID, REVISION_ID, '1,572,864 bytes (1.5 MiB)', '1 h 2 min 5 s']) {
      expect(message).toContain(expected);
    }
    expect(message).toContain(`account ${ACCOUNT_A}: grant grant-a, created, PENDING_RECEIVER_ACCEPTANCE`);
    expect(message).toContain(`account ${ACCOUNT_B}: grant grant-b, existing, ACCEPTED`);
    expect(message).toMatch(new RegExp(`^Revision: +${REVISION_ID}$`, 'm'));
  });

  it('names every revision of a run of several parts, in order, the last one last', async () => {
    const firstPart = '0000aaaa1111bbbb2222cccc3333dddd';
    await handler({ ...success(), earlierRevisionIds: [firstPart, OTHER_REVISION_ID], assetCount: 25_000 });

    const sent = published();
    expect(sent.Subject).toBe('dx-flow: published 3 revisions (25000 assets)');
    expect(sent.Message).toContain(`dx-flow published run ${RUN_ID} as 3 revisions of data set ${DATA_SET_ID}, in order.`);
    expect(sent.Message).toMatch(new RegExp(`^Revisions: +${firstPart}, ${OTHER_REVISION_ID}, ${REVISION_ID}$`, 'm'));
    expect(sent.Message).not.toMatch(/^Revision:/m);
  });

  it('says when a run of several parts had already been published, naming its revisions', async () => {
    await handler({ ...success(), earlierRevisionIds: [OTHER_REVISION_ID], alreadyPublished: true });

    const sent = published();
    expect(sent.Subject).toBe(`dx-flow: ${RUN_ID} already published as 2 revisions`);
    expect(sent.Message).toContain(`dx-flow run ${RUN_ID} had already been published as 2 revisions; nothing new went out.`);
    expect(sent.Message).toMatch(new RegExp(`^Revisions: +${OTHER_REVISION_ID}, ${REVISION_ID}$`, 'm'));
  });

  it('reads a missing earlierRevisionIds as a run of one revision', async () => {
    const { earlierRevisionIds: _, ...withoutEarlier } = success();
    await handler(withoutEarlier);

    expect(published().Subject).toBe(`dx-flow: published revision ${REVISION_ID} (3 assets)`);
  });

  it('says when the run had already been published', async () => {
    await handler({ ...success(), alreadyPublished: true, dataGrants: [] });

    const sent = published();
    expect(sent.Subject).toBe(`dx-flow: ${RUN_ID} already published`);
    expect(sent.Message).toContain('had already been published');
    expect(sent.Message).toContain('Data grants: none');
  });

  it('says when the start time cannot be read', async () => {
    await handler({ ...success(), executionStartTime: 'yesterday' });

    expect(published().Message).toContain('unknown (start time "yesterday")');
  });

  it('rethrows a transient SNS failure unchanged, so that the state machine retries it', async () => {
    sns.on(PublishCommand).rejectsOnce(awsError('ThrottlingException', 400)).rejectsOnce(awsError('InternalErrorException', 500));

    const throttled = await notify(success(), { sns: new SNSClient({}), topicArn: TOPIC_ARN, now: at(STARTED) }).catch((error: unknown) => error);
    expect(throttled).toBeInstanceOf(TransientAwsError);
    expect(throttled).toMatchObject({ name: 'TransientAwsError', message: expect.stringContaining('sns:Publish') });
    expect((throttled as Error).cause).toMatchObject({ name: 'ThrottlingException' });
    await expect(handler(success())).rejects.toMatchObject({ name: 'TransientAwsError' });
  });

  it('fails with NotificationFailedError, saying the revision IS published, when SNS refuses for good', async () => {
    sns.on(PublishCommand).rejects(awsError('AuthorizationErrorException', 403));

    const error = await handler(success()).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(NotificationFailedError);
    expect(error).toMatchObject({ name: ERROR_NAMES.notificationFailed, cause: expect.objectContaining({ name: 'AuthorizationErrorException' }) });
    const message = (error as Error).message;
    expect(message).toContain(`Revision ${REVISION_ID} of data set ${DATA_SET_ID} IS published (run ${RUN_ID})`);
    expect(message).toContain('only its success notification or its notice to subscribers could not be sent');
    expect(message).toContain('AuthorizationErrorException');
    expect(message).toContain(TOPIC_ARN);
  });

  it('fails with NotificationFailedError when SNS answers without a message id', async () => {
    sns.on(PublishCommand).resolves({});

    await expect(handler(success())).rejects.toMatchObject({
      name: 'NotificationFailedError',
      message: expect.stringMatching(/IS published .*returned no MessageId/),
    });
  });

  it('rejects a bad payload naming the field, and the FAILED outcome the workflow no longer sends', async () => {
    await expect(handler({ ...success(), revisionId: 'nope' })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('revisionId'),
    });
    await expect(handler({ ...success(), outcome: 'FAILED' })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('outcome'),
    });
    expect(sns).not.toHaveReceivedAnyCommand();
  });
});
