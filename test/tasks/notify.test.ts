import { TOPIC_ARN } from '../fixtures/ids';

process.env.NOTIFY_TOPIC_ARN = TOPIC_ARN;

import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SNS_MAX_MESSAGE_BYTES } from '../../shared/notifications';
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

const lambdaCause = JSON.stringify({
  errorType: 'ImportJobFailedError',
  errorMessage: 'Import job aaaa failed: key data/a0.csv not found',
  trace: ['ImportJobFailedError: Import job aaaa failed', '    at checkImport (core.ts:1:1)'],
});

const failure = (context: unknown = { plan: { runId: RUN_ID, datasetId: DATA_SET_ID }, revision: { revisionId: REVISION_ID } }) => ({
  outcome: 'FAILED' as const,
  executionName: 'nightly-20261130T060000Z',
  executionStartTime: STARTED,
  failure: { Error: 'ImportJobFailedError', Cause: lambdaCause },
  context,
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

  it('reports a failure with the error, the Lambda errorMessage and the run read from the state', async () => {
    const output = await handler(failure());

    expect(output).toEqual({ messageId: 'msg-1' });
    const sent = published();
    expect(sent).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: `dx-flow: run ${RUN_ID} failed: ImportJobFailedError`,
      MessageAttributes: {
        outcome: { DataType: 'String', StringValue: 'FAILED' },
        runId: { DataType: 'String', StringValue: RUN_ID },
        datasetId: { DataType: 'String', StringValue: DATA_SET_ID },
      },
    });
    expect(sent.Message).toContain('ImportJobFailedError');
    expect(sent.Message).toContain('Import job aaaa failed: key data/a0.csv not found');
    expect(sent.Message).not.toContain('"trace"');
    expect(sent.Message).toContain(REVISION_ID);
    expect(sent.Message).toContain('nightly-20261130T060000Z');
  });

  it('reads the raw workflow fields when the plan never ran, and shows a non-JSON cause as it is', async () => {
    await handler({
      ...failure({ runId: RUN_ID, datasetId: DATA_SET_ID, bucket: 'b' }),
      failure: { Error: 'States.Timeout', Cause: 'The state machine timed out.' },
    });

    const sent = published();
    expect(sent.Subject).toBe(`dx-flow: run ${RUN_ID} failed: States.Timeout`);
    expect(sent.Message).toContain('The state machine timed out.');
    expect(sent.MessageAttributes?.datasetId?.StringValue).toBe(DATA_SET_ID);
  });

  it('falls back to the execution name and leaves unknown attributes out when the state says nothing usable', async () => {
    await handler({ ...failure('not an object'), failure: { Error: 'InputValidationError' } });

    const sent = published();
    expect(sent.Subject).toBe('dx-flow: run nightly-20261130T060000Z failed: InputValidationError');
    expect(sent.MessageAttributes).toEqual({ outcome: { DataType: 'String', StringValue: 'FAILED' } });
    expect(sent.Message).toContain('(none given)');
  });

  it('keeps the usable fields of a state that has some bad ones', async () => {
    await handler(failure({ plan: { runId: 'bad id!', datasetId: DATA_SET_ID }, revision: 'oops' }));

    const sent = published();
    expect(sent.MessageAttributes).toEqual({
      outcome: { DataType: 'String', StringValue: 'FAILED' },
      datasetId: { DataType: 'String', StringValue: DATA_SET_ID },
    });
    expect(sent.Message).toMatch(/Revision:\s+none yet/);
  });

  it('shows a JSON cause that is not a Lambda error as it is', async () => {
    const cause = JSON.stringify({ JobId: 'aaaa', Errors: [{ Code: 'RESOURCE_NOT_FOUND' }] });
    await handler({ ...failure(), failure: { Error: 'ImportJobFailedError', Cause: cause } });

    expect(published().Message).toContain(cause);
  });

  it('keeps the subject within SNS rules for a long, non-ASCII error name', async () => {
    await handler({ ...failure(), failure: { Error: `Bad\nthing ${'é'.repeat(120)}` } });

    const subject = published().Subject ?? '';
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
    expect(subject.startsWith(`dx-flow: run ${RUN_ID} failed: Bad thing ??`)).toBe(true);
  });

  it('truncates a huge cause to fit SNS, on a character boundary', async () => {
    const huge = JSON.stringify({ errorType: 'Error', errorMessage: 'ü'.repeat(200_000) });
    await handler({ ...failure(), failure: { Error: 'Error', Cause: huge } });

    const message = published().Message ?? '';
    expect(Buffer.byteLength(message, 'utf8')).toBeLessThan(SNS_MAX_MESSAGE_BYTES);
    expect(message).toMatch(/ü\n\n\[message truncated to fit the SNS size limit\]$/);
  });

  it('says when the start time cannot be read', async () => {
    await handler({ ...success(), executionStartTime: 'yesterday' });

    expect(published().Message).toContain('unknown (start time "yesterday")');
  });

  it('maps SNS throttling and internal errors to TransientAwsError', async () => {
    sns.on(PublishCommand).rejectsOnce(awsError('ThrottlingException', 400)).rejectsOnce(awsError('InternalErrorException', 500));

    await expect(handler(success())).rejects.toMatchObject({ name: 'TransientAwsError', message: expect.stringContaining('sns:Publish') });
    await expect(handler(success())).rejects.toMatchObject({ name: 'TransientAwsError' });
  });

  it('keeps AuthorizationErrorException fatal and names the topic', async () => {
    sns.on(PublishCommand).rejects(awsError('AuthorizationErrorException', 403));

    await expect(handler(success())).rejects.toMatchObject({
      name: 'AuthorizationErrorException',
      message: expect.stringContaining(TOPIC_ARN),
    });
  });

  it('fails when SNS answers without a message id', async () => {
    sns.on(PublishCommand).resolves({});

    await expect(handler(success())).rejects.toThrow('returned no MessageId');
  });

  it('rejects a bad payload naming the field', async () => {
    await expect(handler({ ...success(), revisionId: 'nope' })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('revisionId'),
    });
    await expect(handler({ ...failure(), failure: { Cause: 'x' } })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('failure.Error'),
    });
    expect(sns).not.toHaveReceivedAnyCommand();
  });
});
