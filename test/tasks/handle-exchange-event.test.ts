import { TOPIC_ARN } from '../fixtures/ids';

process.env.NOTIFY_TOPIC_ARN = TOPIC_ARN;

import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { ExchangeEvent } from '../../shared/schemas/exchange-event';
import { handleExchangeEvent } from '../../tasks/handle-exchange-event/core';
import { handler } from '../../tasks/handle-exchange-event/handler';
import { fixture, onlyPublished } from '../fixtures/sns';
import { awsError, DATA_SET_ID, OTHER_REVISION_ID, REVISION_ID } from '../fixtures/ids';
import autoExportCompleted from '../fixtures/exchange-events/auto-export-job-completed.json';
import grantAccepted from '../fixtures/exchange-events/data-grant-accepted.json';
import grantExtended from '../fixtures/exchange-events/data-grant-extended.json';
import grantRevoked from '../fixtures/exchange-events/data-grant-revoked.json';
import revisionPublished from '../fixtures/exchange-events/revision-published.json';
import revisionRevoked from '../fixtures/exchange-events/revision-revoked.json';
import dataUpdated from '../fixtures/exchange-events/data-updated.json';
import dataDelayed from '../fixtures/exchange-events/data-delayed.json';
import schemaChange from '../fixtures/exchange-events/schema-change.json';
import deprecation from '../fixtures/exchange-events/deprecation.json';

const sns = mockClient(SNSClient);

const GRANT_ID = '99998888777766665555444433332222';

const published = (): PublishCommandInput => onlyPublished(sns);

/** A fresh copy of a fixture without one member of its detail. */
function omit<E extends { detail: object }>(event: E, key: keyof E['detail']): E {
  const copy = fixture(event);
  delete (copy.detail as Partial<E['detail']>)[key];
  return copy;
}

/** A fresh copy of a fixture with some of its detail's members replaced, one level deep. */
function merge<E extends { detail: Record<string, unknown> }>(event: E, detail: Record<string, Record<string, unknown>>): E {
  const copy = fixture(event);
  for (const [key, value] of Object.entries(detail)) copy.detail[key] = { ...(copy.detail[key] as object), ...value };
  return copy;
}

/** Runs the core on a parsed fixture with a logger the test can inspect. */
async function runCore(event: unknown) {
  const logger = { info: jest.fn(), warn: jest.fn() };
  const output = await handleExchangeEvent(ExchangeEvent.parse(event), { sns: new SNSClient({}), topicArn: TOPIC_ARN, logger });
  return { output, logger };
}

describe('handle-exchange-event', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  });

  it('logs and announces a published revision', async () => {
    const { output, logger } = await runCore(fixture(revisionPublished));

    expect(output).toEqual({ messageId: 'msg-1', eventType: 'Revision Published To Data Set', known: true });
    expect(logger.info).toHaveBeenCalledWith('Data Exchange event', {
      eventType: 'Revision Published To Data Set',
      known: true,
      eventId: revisionPublished.id,
      datasetId: DATA_SET_ID,
      revisionIds: [REVISION_ID],
    });
    expect(logger.warn).not.toHaveBeenCalled();
    const sent = published();
    expect(sent).toMatchObject({
      TopicArn: TOPIC_ARN,
      Subject: 'dx-flow: Revision Published To Data Set',
      MessageAttributes: {
        eventType: { DataType: 'String', StringValue: 'Revision Published To Data Set' },
        datasetId: { DataType: 'String', StringValue: DATA_SET_ID },
      },
    });
    expect(sent.Message).toContain(`${DATA_SET_ID} (dx-flow sample analytics)`);
    expect(sent.Message).toContain(`${REVISION_ID}: dx-flow run run-2026-11-30`);
  });

  it('announces a published revision in full: what ADX reported, the event, the data set and its name, each revision and its comment', async () => {
    const event = fixture(revisionPublished);
    event.detail.RevisionIds = [REVISION_ID, OTHER_REVISION_ID];

    await runCore(event);

    expect(published().Message).toBe(
      [
        'AWS Data Exchange reported: Revision Published To Data Set.',
        [
          'Event:    Revision Published To Data Set',
          'Time:     2026-11-30T06:12:41Z',
          'Account:  123456789012',
          'Region:   us-east-1',
          `Data set: ${DATA_SET_ID} (dx-flow sample analytics)`,
          `Event id: ${revisionPublished.id}`,
        ].join('\n'),
        // The second revision has no comment in the detail: it is listed bare.
        ['Revisions:', `  - ${REVISION_ID}: dx-flow run run-2026-11-30`, `  - ${OTHER_REVISION_ID}`].join('\n'),
      ].join('\n\n'),
    );
  });

  it('announces a data grant event with the grant name and ARN', async () => {
    await runCore(fixture(grantAccepted));

    expect(published().Message).toBe(
      [
        'AWS Data Exchange reported: Data Grant Accepted.',
        [
          'Event:    Data Grant Accepted',
          'Time:     2026-12-01T09:30:00Z',
          'Account:  123456789012',
          'Region:   us-east-1',
          `Data set: ${DATA_SET_ID} (dx-flow sample analytics)`,
          `Event id: ${grantAccepted.id}`,
        ].join('\n'),
        [`Data grant: ${grantAccepted.detail.DataGrant.Name}`, `Grant ARN:  ${grantAccepted.detail.DataGrant.Arn}`].join('\n'),
      ].join('\n\n'),
    );
  });

  it("announces an unknown event type with its whole detail as indented JSON, and no data set it cannot name", async () => {
    await runCore(fixture(autoExportCompleted));

    const message = published().Message ?? '';
    expect(message).toContain('\n\nEvent:    Auto-export Job Completed\n');
    expect(message).not.toContain('Data set:');
    expect(message.endsWith(`\n\ndx-flow has no summary for this event type; its detail:\n${JSON.stringify(autoExportCompleted.detail, null, 2)}`)).toBe(true);
  });

  it.each([
    ['a bare data set id', DATA_SET_ID, DATA_SET_ID],
    ['a data set ARN', `arn:aws:dataexchange:us-east-1::data-sets/${DATA_SET_ID}`, DATA_SET_ID],
    ['a 30-character id', 'a'.repeat(30), 'a'.repeat(30)],
    ['a 40-character id', 'b'.repeat(40), 'b'.repeat(40)],
    ['a 29-character id, which is none', 'a'.repeat(29), undefined],
    ['a 41-character id, which is none', 'b'.repeat(41), undefined],
    ['a product id, which is none', 'prod-abcdefghijklm', undefined],
    ['an id after another resource type, which is none', `arn:aws:dataexchange:us-east-1::revisions/${DATA_SET_ID}`, undefined],
    ['an id inside a longer name, which is none', `revision-${DATA_SET_ID}`, undefined],
  ])('reads the data set of an unknown event from %s in resources', async (_, resource, datasetId) => {
    const { logger } = await runCore({ ...fixture(autoExportCompleted), resources: ['prod-abcdefghijklm', resource] });

    expect(logger.warn).toHaveBeenCalledWith('unknown Data Exchange event type', expect.objectContaining({ datasetId }));
    expect(published().MessageAttributes?.datasetId?.StringValue).toBe(datasetId);
  });

  it('names a data set the detail gives without a name by its id alone', async () => {
    const event = fixture(revisionPublished);
    event.detail.DataSets = [{ Id: DATA_SET_ID } as (typeof event.detail.DataSets)[number]];

    await runCore(event);

    expect(published().Message).toContain(`\nData set: ${DATA_SET_ID}\n`);
  });

  it('reads the data set from resources when the detail names none', async () => {
    const event = fixture(revisionPublished);
    delete (event.detail as Partial<typeof event.detail>).DataSets;

    await handler(event);

    expect(published().MessageAttributes?.datasetId?.StringValue).toBe(DATA_SET_ID);
  });

  it.each([
    ['Data Grant Accepted', grantAccepted],
    ['Data Grant Extended', grantExtended],
    ['Data Grant Revoked', grantRevoked],
  ])('logs and announces %s with the grant id', async (eventType, event) => {
    const { output, logger } = await runCore(fixture(event));

    expect(output).toEqual({ messageId: 'msg-1', eventType, known: true });
    expect(logger.info).toHaveBeenCalledWith(
      'Data Exchange event',
      expect.objectContaining({ eventType, datasetId: DATA_SET_ID, grantId: GRANT_ID, revisionIds: [] }),
    );
    const sent = published();
    expect(sent.Subject).toBe(`dx-flow: ${eventType}`);
    expect(sent.MessageAttributes?.eventType?.StringValue).toBe(eventType);
    expect(sent.Message).toContain(event.detail.DataGrant.Arn);
  });

  it('takes the data set of a grant event from its resource ARN when the detail lists none', async () => {
    const event = fixture(grantAccepted);
    event.detail.DataSets = [];

    await handler(event);

    expect(published().MessageAttributes?.datasetId?.StringValue).toBe(DATA_SET_ID);
  });

  it('accepts an unknown event type, logs it as unknown and announces its raw detail', async () => {
    const { output, logger } = await runCore(fixture(autoExportCompleted));

    expect(output).toEqual({ messageId: 'msg-1', eventType: 'Auto-export Job Completed', known: false });
    expect(logger.warn).toHaveBeenCalledWith(
      'unknown Data Exchange event type',
      expect.objectContaining({ eventType: 'Auto-export Job Completed', known: false, revisionIds: [] }),
    );
    expect(logger.info).not.toHaveBeenCalled();
    const sent = published();
    expect(sent.Subject).toBe('dx-flow: Auto-export Job Completed');
    // Its only resource is a product, which is not a data set.
    expect(sent.MessageAttributes).toEqual({ eventType: { DataType: 'String', StringValue: 'Auto-export Job Completed' } });
    expect(sent.Message).toContain('"DataSetIds": [');
  });

  it('writes to the task log through the handler', async () => {
    const info = jest.spyOn(Logger.prototype, 'info');

    await handler(fixture(grantRevoked));

    expect(info).toHaveBeenCalledWith('Data Exchange event', expect.objectContaining({ eventType: 'Data Grant Revoked', grantId: GRANT_ID }));
    info.mockRestore();
  });

  it('maps SNS throttling and internal errors to TransientAwsError', async () => {
    sns.on(PublishCommand).rejectsOnce(awsError('ThrottlingException', 400)).rejectsOnce(awsError('InternalErrorException', 500));

    await expect(handler(fixture(grantAccepted))).rejects.toMatchObject({ name: 'TransientAwsError' });
    await expect(handler(fixture(grantAccepted))).rejects.toMatchObject({
      name: 'TransientAwsError',
      message: expect.stringContaining('sns:Publish'),
    });
  });

  it('keeps AuthorizationErrorException fatal and names the topic', async () => {
    sns.on(PublishCommand).rejects(awsError('AuthorizationErrorException', 403));

    await expect(handler(fixture(revisionPublished))).rejects.toMatchObject({
      name: 'AuthorizationErrorException',
      message: expect.stringContaining(TOPIC_ARN),
    });
  });

  it('logs a revoked revision and announces it with the reason and what becomes of exported copies', async () => {
    const { output, logger } = await runCore(fixture(revisionRevoked));

    expect(output).toEqual({ messageId: 'msg-1', eventType: 'Revision Revoked', known: true });
    expect(logger.info).toHaveBeenCalledWith(
      'Data Exchange event',
      expect.objectContaining({ eventType: 'Revision Revoked', datasetId: DATA_SET_ID, revisionIds: [REVISION_ID] }),
    );
    // The header (event, time, account, data set) is the one every event gets, as above.
    const revoked = [
      ['Revoked revisions:', `  - ${REVISION_ID}: dx-flow run run-2026-11-30`].join('\n'),
      'Reason: Published the wrong day of data',
      'Data Exchange no longer exports these revisions; copies exported before stay where they were written.',
    ].join('\n\n');
    expect(published().Message?.endsWith(`\n\n${revoked}`)).toBe(true);
  });

  it('announces a revoked revision whose event gives no reason as such', async () => {
    const event = fixture(revisionRevoked);
    delete (event.detail as Partial<typeof event.detail>).RevocationComment;

    await runCore(event);

    expect(published().Message).toContain('\n\nReason: (none given)\n\n');
  });

  it.each([
    ['Data Updated in Data Set', 'DATA_UPDATE', dataUpdated],
    ['Data Set Update Delayed', 'DATA_DELAY', dataDelayed],
    ['Schema Change Planned for Data Set', 'SCHEMA_CHANGE', schemaChange],
    ['Deprecation Planned for Data Set', 'DEPRECATION', deprecation],
  ])('logs and announces the notice "%s" with its type, data set and comment', async (eventType, noticeType, event) => {
    const { output, logger } = await runCore(fixture(event));

    expect(output).toEqual({ messageId: 'msg-1', eventType, known: true });
    expect(logger.info).toHaveBeenCalledWith('Data Exchange event', {
      eventType,
      known: true,
      eventId: event.id,
      datasetId: DATA_SET_ID,
      revisionIds: [],
      noticeType,
    });
    const sent = published();
    expect(sent.Subject).toBe(`dx-flow: ${eventType}`);
    expect(sent.MessageAttributes?.datasetId?.StringValue).toBe(DATA_SET_ID);
    expect(sent.Message).toContain(`\nData set: ${DATA_SET_ID} (dx-flow sample analytics)\n`);
    expect(sent.Message).toContain(`\n\nNotice:           ${noticeType}\nComment:          ${event.detail.Notification.Comment}\n`);
  });

  it.each([
    ['the time of a data update', dataUpdated, 'Data updated at:  2026-12-01T06:00:00Z'],
    ['the date of a deprecation', deprecation, 'Deprecation at:   2027-06-30T00:00:00Z'],
    ['the provider contact', dataDelayed, 'Provider contact: data@example.com'],
  ])('announces %s', async (_, event, line) => {
    await runCore(fixture(event));

    expect(published().Message).toContain(`\n${line}`);
  });

  it('announces a schema change with its date and each change', async () => {
    await runCore(fixture(schemaChange));

    expect(published().Message?.endsWith(
      [
        [
          'Notice:           SCHEMA_CHANGE',
          'Comment:          Two columns change next month.',
          'Schema change at: 2027-01-01T00:00:00Z',
          'Provider contact: data@example.com',
        ].join('\n'),
        ['Schema changes:', "  - ADD region: The sale's sales region.", '  - REMOVE legacy_id'].join('\n'),
      ].join('\n\n'),
    )).toBe(true);
  });

  it("leaves out details of another type than the notice's", async () => {
    const event = fixture(dataDelayed) as unknown as typeof dataUpdated;
    event.detail.Notification.Details = dataUpdated.detail.Notification.Details;

    await runCore(event);

    expect(published().Message).not.toContain('Data updated at');
  });

  it.each([
    ['DATA_UPDATE', dataUpdated, 'Data updated at'],
    ['DATA_DELAY', dataDelayed, undefined],
    ['SCHEMA_CHANGE', schemaChange, 'Schema change at'],
    ['DEPRECATION', deprecation, 'Deprecation at'],
  ])('announces a %s notice carrying every type of detail with its own alone', async (type, notice, ownLine) => {
    const event = merge(notice as typeof dataDelayed, {
      Notification: {
        Details: {
          DataUpdate: dataUpdated.detail.Notification.Details.DataUpdate,
          SchemaChange: schemaChange.detail.Notification.Details.SchemaChange,
          Deprecation: deprecation.detail.Notification.Details.Deprecation,
        },
      },
    });

    await runCore(event);

    const message = published().Message ?? '';
    const dated = ['Data updated at', 'Schema change at', 'Deprecation at'].filter((line) => message.includes(line));
    expect(dated).toEqual(ownLine === undefined ? [] : [ownLine]);
    expect(message.includes('Schema changes:\n  - ADD region')).toBe(type === 'SCHEMA_CHANGE');
    expect(message.includes('Schema changes')).toBe(type === 'SCHEMA_CHANGE');
  });

  it.each([dataUpdated, dataDelayed, schemaChange, deprecation])('announces a $detail.Notification.Type notice with no details and no product by its type and comment', async (event) => {
    const bare = fixture(event) as { detail: { Notification: { Details?: unknown }; Product?: unknown } };
    delete bare.detail.Notification.Details;
    delete bare.detail.Product;

    await runCore(bare);

    const message = published().Message ?? '';
    expect(message.endsWith(`\n\nNotice:  ${event.detail.Notification.Type}\nComment: ${event.detail.Notification.Comment}`)).toBe(true);
  });

  it('rejects an event from another source', async () => {
    await expect(handler({ ...fixture(grantAccepted), source: 'aws.s3' })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('source'),
    });
    expect(sns).not.toHaveReceivedAnyCommand();
  });

  it.each([
    ['a known event whose detail lacks a field', () => omit(revisionPublished, 'RevisionIds'), 'detail.RevisionIds: is required'],
    ['a grant event with a malformed grant ARN', () => merge(grantExtended, { DataGrant: { Arn: 'not-an-arn' } }), 'detail.DataGrant.Arn: must be a data grant ARN'],
    [
      'a notice whose type is not its detail-type',
      () => merge(dataDelayed, { Notification: { Type: 'DATA_UPDATE' } }),
      'detail.Notification.Type: must be DATA_DELAY for a "Data Set Update Delayed" event',
    ],
    ['a notice that names no data set', () => omit(deprecation, 'DataSet'), 'detail.DataSet: is required'],
  ])('rejects %s, naming the field, and announces nothing', async (_, event, message) => {
    await expect(handler(event())).rejects.toMatchObject({ name: 'InputValidationError', message: expect.stringContaining(message) });
    expect(sns).not.toHaveReceivedAnyCommand();
  });
});
