import { TOPIC_ARN } from '../fixtures/ids';

process.env.NOTIFY_TOPIC_ARN = TOPIC_ARN;

import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { AutoExportEvent } from '../../shared/schemas/export-event';
import { handleExportEvent } from '../../tasks/handle-export-event/core';
import { handler } from '../../tasks/handle-export-event/handler';
import { fixture, onlyPublished } from '../fixtures/sns';
import { awsError, DATA_SET_ID, REVISION_ID } from '../fixtures/ids';
import exportCompleted from '../fixtures/exchange-events/auto-export-job-completed.json';
import exportFailed from '../fixtures/exchange-events/auto-export-job-failed.json';
import revisionPublished from '../fixtures/exchange-events/revision-published.json';
import revisionRevoked from '../fixtures/exchange-events/revision-revoked.json';
import dataDelayed from '../fixtures/exchange-events/data-delayed.json';
import grantRevoked from '../fixtures/exchange-events/data-grant-revoked.json';

const sns = mockClient(SNSClient);

const published = (): PublishCommandInput => onlyPublished(sns);

async function runCore(event: unknown) {
  const logger = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const output = await handleExportEvent(AutoExportEvent.parse(event), { sns: new SNSClient({}), topicArn: TOPIC_ARN, logger });
  return { output, logger };
}

describe('handle-export-event', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  });

  it('logs a completed auto-export and announces it with the data set and revisions', async () => {
    const { output, logger } = await runCore(fixture(exportCompleted));

    expect(output).toEqual({ messageId: 'msg-1', eventType: 'Auto-export Job Completed', succeeded: true });
    expect(logger.info).toHaveBeenCalledWith('auto-export completed', {
      eventType: 'Auto-export Job Completed',
      eventId: exportCompleted.id,
      datasetId: DATA_SET_ID,
      revisionIds: [REVISION_ID],
    });
    expect(logger.error).not.toHaveBeenCalled();
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC_ARN,
      Subject: 'dx-flow subscriber: Auto-export Job Completed',
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'Auto-export Job Completed' },
        datasetId: { DataType: 'String', StringValue: DATA_SET_ID },
        outcome: { DataType: 'String', StringValue: 'completed' },
      },
    });
    expect(published().Message).toContain(`${DATA_SET_ID} (dx-flow sample analytics)`);
  });

  it('logs a failed auto-export as an error and announces it with ADX\'s detail', async () => {
    const { output, logger } = await runCore(fixture(exportFailed));

    expect(output).toEqual({ messageId: 'msg-1', eventType: 'Auto-export Job Failed', succeeded: false });
    expect(logger.error).toHaveBeenCalledWith('auto-export failed', expect.objectContaining({ datasetId: DATA_SET_ID, revisionIds: [REVISION_ID] }));
    expect(logger.info).not.toHaveBeenCalled();
    const sent = published();
    expect(sent.MessageAttributes?.outcome?.StringValue).toBe('failed');
    expect(sent.Message).toContain('export of the revisions below failed');
    expect(sent.Message).toContain(`  - ${REVISION_ID}`);
  });

  it('announces a completed auto-export in full: what ADX reported, the event, the data set and its name, and each revision', async () => {
    await runCore(fixture(exportCompleted));

    expect(published().Message).toBe(
      [
        'AWS Data Exchange reported: Auto-export Job Completed.',
        [
          'Event:    Auto-export Job Completed',
          'Time:     2026-12-01T10:00:00Z',
          'Account:  123456789012',
          'Region:   us-east-1',
          `Data set: ${DATA_SET_ID} (dx-flow sample analytics)`,
          `Event id: ${exportCompleted.id}`,
        ].join('\n'),
        'The revisions below were exported to the receiving bucket.',
        `Revisions:\n  - ${REVISION_ID}`,
      ].join('\n\n'),
    );
  });

  it("quotes ADX's whole detail, indented as JSON, in a failed auto-export's message", async () => {
    const { detail } = AutoExportEvent.parse(fixture(exportFailed));

    await runCore(fixture(exportFailed));

    expect(published().Message).toContain(`The export of the revisions below failed; ADX's detail:\n${JSON.stringify(detail, null, 2)}\n\nRevisions:`);
  });

  it('names a data set without a name by its id alone', async () => {
    const event = fixture(exportCompleted);
    event.detail.DataSets = [{ Id: DATA_SET_ID } as (typeof event.detail.DataSets)[number]];

    await runCore(event);

    expect(published().Message).toContain(`Data set: ${DATA_SET_ID}\n`);
  });

  it('takes the data set from DataSetIds when the detail names no DataSets', async () => {
    const event = fixture(exportCompleted);
    delete (event.detail as Partial<typeof event.detail>).DataSets;

    await handler(event);

    expect(published().MessageAttributes?.datasetId?.StringValue).toBe(DATA_SET_ID);
  });

  it('writes to the task log through the handler', async () => {
    const error = jest.spyOn(Logger.prototype, 'error');

    await handler(fixture(exportFailed));

    expect(error).toHaveBeenCalledWith('auto-export failed', expect.objectContaining({ eventType: 'Auto-export Job Failed' }));
    error.mockRestore();
  });

  it('maps SNS throttling to TransientAwsError', async () => {
    sns.on(PublishCommand).rejects(awsError('ThrottlingException', 400));

    await expect(handler(fixture(exportCompleted))).rejects.toMatchObject({ name: 'TransientAwsError', message: expect.stringContaining('sns:Publish') });
  });

  it.each([
    ['a revoked revision, with its reason', revisionRevoked, 'Revision Revoked', 'Reason:'],
    ['a notice that data is late', dataDelayed, 'Data Set Update Delayed', 'Notice:'],
    ['its grant revoked', grantRevoked, 'Data Grant Revoked', 'Grant ARN:'],
  ])("announces what the provider sent it, %s, as the provider's event handler does", async (_what, event, detailType, line) => {
    // Act
    const output = await handler(fixture(event));

    // Assert
    expect(output).toEqual({ messageId: 'msg-1', eventType: detailType, known: true });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { TopicArn: TOPIC_ARN, Subject: `dx-flow: ${detailType}` });
    expect(published().Message).toContain(line);
  });

  it('names the field of a malformed notice', async () => {
    const malformed = { ...fixture(dataDelayed), detail: { ...dataDelayed.detail, Notification: { Type: 'DATA_UPDATE' } } };

    await expect(handler(malformed)).rejects.toMatchObject({ name: 'InputValidationError', message: expect.stringContaining('detail.Notification.Type') });
    expect(sns).not.toHaveReceivedAnyCommand();
  });

  it('rejects any other Data Exchange event, naming the detail-type', async () => {
    await expect(handler(fixture(revisionPublished))).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('detail-type'),
    });
    expect(sns).not.toHaveReceivedAnyCommand();
  });

  it('rejects an event from another source', async () => {
    await expect(handler({ ...fixture(exportCompleted), source: 'aws.s3' })).rejects.toMatchObject({ name: 'InputValidationError' });
    expect(sns).not.toHaveReceivedAnyCommand();
  });
});
