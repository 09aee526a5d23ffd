// The stack's list: this data set's grants end mid-2027, the other's never.
process.env.DATA_SETS = JSON.stringify([
  { name: 'default', dataSetId: '0123456789abcdef0123456789abcdef', subscriberAccountIds: [], grantEndsAt: '2027-06-30T00:00:00Z' },
  { name: 'weather', dataSetId: '99990000999900009999000099990000', subscriberAccountIds: [] },
]);

import {
  CreateDataGrantCommand,
  DataExchangeClient,
  type DataGrantAcceptanceState,
  type DataGrantSummaryEntry,
  ListDataGrantsCommand,
} from '@aws-sdk/client-dataexchange';
import { mockClient } from 'aws-sdk-client-mock';
import { shareWithSubscribers } from '../../tasks/share-with-subscribers/core';
import { handler } from '../../tasks/share-with-subscribers/handler';
import { ACCOUNT_A, ACCOUNT_B, awsError, DATA_SET_ID } from '../fixtures/ids';

const dataExchange = mockClient(DataExchangeClient);

const OTHER_DATA_SET_ID = '99990000999900009999000099990000';
const GRANT_A = 'aaaa0000aaaa0000aaaa0000aaaa0000';
const GRANT_B = 'bbbb0000bbbb0000bbbb0000bbbb0000';

const input = (subscriberAccountIds = [ACCOUNT_A]) => ({ datasetId: DATA_SET_ID, subscriberAccountIds });
const grantSummary = (
  receiver: string,
  id: string,
  source = DATA_SET_ID,
  acceptance: DataGrantAcceptanceState = 'ACCEPTED',
): DataGrantSummaryEntry => ({
  Id: id,
  Arn: `arn:aws:dataexchange:us-east-1:123456789012:data-grants/${id}`,
  CreatedAt: new Date('2026-11-01T00:00:00Z'),
  UpdatedAt: new Date('2026-11-01T00:00:00Z'),
  Name: `grant ${id}`,
  ReceiverPrincipal: receiver,
  SenderPrincipal: '123456789012',
  SourceDataSetId: source,
  DataSetId: source,
  AcceptanceState: acceptance,
});

describe('share-with-subscribers', () => {
  beforeEach(() => {
    dataExchange.reset();
    dataExchange.on(ListDataGrantsCommand).resolves({ DataGrantSummaries: [] });
    dataExchange
      .on(CreateDataGrantCommand)
      .callsFake((request: { ReceiverPrincipal: string }) => ({
        Id: request.ReceiverPrincipal === ACCOUNT_A ? GRANT_A : GRANT_B,
        AcceptanceState: 'PENDING_RECEIVER_ACCEPTANCE',
      }));
  });

  it('creates a grant that never ends for a data set with no grantEndsAt', async () => {
    await handler({ datasetId: OTHER_DATA_SET_ID, subscriberAccountIds: [ACCOUNT_A] });

    expect(dataExchange.commandCalls(CreateDataGrantCommand)[0].args[0].input.EndsAt).toBeUndefined();
  });

  it("creates a grant for a new subscriber, ending when its data set's grantEndsAt in DATA_SETS says", async () => {
    const output = await handler(input());

    expect(output).toEqual({
      dataGrants: [{ receiver: ACCOUNT_A, id: GRANT_A, status: 'created', acceptance: 'PENDING_RECEIVER_ACCEPTANCE' }],
    });
    expect(dataExchange).toHaveReceivedCommandTimes(CreateDataGrantCommand, 1);
    expect(dataExchange).toHaveReceivedCommandWith(CreateDataGrantCommand, {
      Name: `dx-flow ${DATA_SET_ID} for ${ACCOUNT_A}`,
      GrantDistributionScope: 'NONE',
      ReceiverPrincipal: ACCOUNT_A,
      SourceDataSetId: DATA_SET_ID,
      EndsAt: new Date('2027-06-30T00:00:00Z'),
      Description: expect.stringContaining(ACCOUNT_A),
    });
  });

  it('reports an existing grant of the data set without creating another', async () => {
    dataExchange.on(ListDataGrantsCommand).resolves({ DataGrantSummaries: [grantSummary(ACCOUNT_A, GRANT_A)] });

    const output = await handler(input());

    expect(output.dataGrants).toEqual([{ receiver: ACCOUNT_A, id: GRANT_A, status: 'existing', acceptance: 'ACCEPTED' }]);
    expect(dataExchange).not.toHaveReceivedCommand(CreateDataGrantCommand);
  });

  it('mixes existing and new grants across subscribers, reading every page once', async () => {
    dataExchange
      .on(ListDataGrantsCommand)
      .resolvesOnce({ DataGrantSummaries: [grantSummary(ACCOUNT_B, 'other0000other0000other0000other', OTHER_DATA_SET_ID)], NextToken: 'p2' })
      .resolvesOnce({ DataGrantSummaries: [grantSummary(ACCOUNT_A, GRANT_A, DATA_SET_ID, 'PENDING_RECEIVER_ACCEPTANCE')] });

    const output = await handler(input([ACCOUNT_A, ACCOUNT_B]));

    expect(output.dataGrants).toEqual([
      { receiver: ACCOUNT_A, id: GRANT_A, status: 'existing', acceptance: 'PENDING_RECEIVER_ACCEPTANCE' },
      { receiver: ACCOUNT_B, id: GRANT_B, status: 'created', acceptance: 'PENDING_RECEIVER_ACCEPTANCE' },
    ]);
    expect(dataExchange).toHaveReceivedCommandTimes(ListDataGrantsCommand, 2);
    expect(dataExchange).toHaveReceivedNthSpecificCommandWith(2, ListDataGrantsCommand, { NextToken: 'p2', MaxResults: 200 });
    expect(dataExchange).toHaveReceivedCommandTimes(CreateDataGrantCommand, 1);
    expect(dataExchange).toHaveReceivedCommandWith(CreateDataGrantCommand, { ReceiverPrincipal: ACCOUNT_B });
  });

  it('makes no call for an empty subscriber list', async () => {
    await expect(handler(input([]))).resolves.toEqual({ dataGrants: [] });
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it('leaves EndsAt out when no end date is configured', async () => {
    const output = await shareWithSubscribers(input(), { dataExchange: new DataExchangeClient({}) });

    expect(output.dataGrants[0]).toMatchObject({ status: 'created' });
    const request = dataExchange.commandCalls(CreateDataGrantCommand)[0]?.args[0].input;
    expect(request).toBeDefined();
    expect(request).not.toHaveProperty('EndsAt', expect.anything());
  });

  it('maps throttling while listing to TransientAwsError', async () => {
    dataExchange.on(ListDataGrantsCommand).rejects(awsError('ThrottlingException', 429));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'TransientAwsError',
      message: expect.stringContaining('dataexchange:ListDataGrants'),
    });
    expect(dataExchange).not.toHaveReceivedCommand(CreateDataGrantCommand);
  });

  it('maps an internal server error while creating to TransientAwsError', async () => {
    dataExchange.on(CreateDataGrantCommand).rejects(awsError('InternalServerException', 500));

    await expect(handler(input())).rejects.toMatchObject({ name: 'TransientAwsError' });
  });

  it('keeps the data grant quota fatal, naming it', async () => {
    dataExchange
      .on(CreateDataGrantCommand)
      .rejects(awsError('ServiceLimitExceededException', 402, { LimitName: 'Active and pending data grants' }));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'ServiceLimitExceededException',
      message: expect.stringContaining('Active and pending data grants'),
    });
  });

  it('keeps AccessDeniedException fatal and names the permission and the account', async () => {
    dataExchange.on(CreateDataGrantCommand).rejects(awsError('AccessDeniedException', 403));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringMatching(new RegExp(`dataexchange:CreateDataGrant.*${ACCOUNT_A}`)),
    });
  });

  it('says which IAM action on which data set and account was denied, and what to allow', async () => {
    dataExchange.on(CreateDataGrantCommand).rejects(awsError('AccessDeniedException', 403));

    await expect(handler(input())).rejects.toMatchObject({
      message:
        `dataexchange:CreateDataGrant on data set ${DATA_SET_ID} for account ${ACCOUNT_A} was denied: AccessDeniedException from the mock. ` +
        `Check that the task's role allows dataexchange:CreateDataGrant on data set ${DATA_SET_ID} for account ${ACCOUNT_A}.`,
    });
  });

  it("names the data set's grants when listing them is denied", async () => {
    dataExchange.on(ListDataGrantsCommand).rejects(awsError('AccessDeniedException', 403));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`Check that the task's role allows dataexchange:ListDataGrants on data grants of data set ${DATA_SET_ID}.`),
    });
  });

  it('describes the grant it creates: the data set, the account, and that dx-flow made it', async () => {
    await handler(input());

    expect(dataExchange).toHaveReceivedCommandWith(CreateDataGrantCommand, {
      Description: `Data set ${DATA_SET_ID}, shared with account ${ACCOUNT_A} by dx-flow.`,
    });
  });

  it('keeps the first grant listed for a receiver, and skips grants that name no receiver', async () => {
    const nobody = { ...grantSummary(ACCOUNT_A, 'nobody00nobody00nobody00nobody00'), ReceiverPrincipal: undefined };
    dataExchange.on(ListDataGrantsCommand).resolves({
      DataGrantSummaries: [nobody, grantSummary(ACCOUNT_A, GRANT_A), grantSummary(ACCOUNT_A, 'later000later000later000later000')],
    });

    const output = await handler(input());

    expect(output.dataGrants).toEqual([{ receiver: ACCOUNT_A, id: GRANT_A, status: 'existing', acceptance: 'ACCEPTED' }]);
  });

  it('reports an acceptance state Data Exchange leaves out as UNKNOWN', async () => {
    dataExchange.on(CreateDataGrantCommand).resolves({ Id: GRANT_A });

    await expect(handler(input())).resolves.toEqual({ dataGrants: [{ receiver: ACCOUNT_A, id: GRANT_A, status: 'created', acceptance: 'UNKNOWN' }] });
  });

  it('fails loudly when Data Exchange answers without a grant id', async () => {
    dataExchange.on(CreateDataGrantCommand).resolves({ AcceptanceState: 'PENDING_RECEIVER_ACCEPTANCE' });

    await expect(handler(input())).rejects.toThrow(`data grant for account ${ACCOUNT_A} without an Id`);
  });

  it('rejects a bad payload naming the field', async () => {
    await expect(handler(input(['12345']))).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('subscriberAccountIds[0]'),
    });
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it('rejects a repeated subscriber', async () => {
    await expect(handler(input([ACCOUNT_A, ACCOUNT_A]))).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('subscriberAccountIds[1]: repeats account'),
    });
  });
});
