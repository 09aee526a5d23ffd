import {
  CreateDataGrantCommand,
  CreateDataSetCommand,
  DataExchangeClient,
  GetDataGrantCommand,
  GetReceivedDataGrantCommand,
  ListDataGrantsCommand,
  ListReceivedDataGrantsCommand,
} from '@aws-sdk/client-dataexchange';
import { SANDBOX_REGION, SUBSCRIBER_ACCOUNT } from '../../sandbox/accounts';
import { startEmulators } from './emulators';
import { recordRawBodies } from './raw-bodies';

/*
 * A data grant on the wire, member for member as AWS's shapes have it: the list entries (DataGrantSummaryEntry,
 * ReceivedDataGrantSummariesEntry) carry no GrantDistributionScope and no Description; GetDataGrant and
 * GetReceivedDataGrant carry both.
 */

/** The members of the first entry of `member` in the last raw answer. */
const entryMembers = (bodies: readonly string[], member: string) => Object.keys((JSON.parse(bodies.at(-1) ?? '{}') as Record<string, object[]>)[member][0]).sort();
const members = (bodies: readonly string[]) => Object.keys(JSON.parse(bodies.at(-1) ?? '{}') as object).sort();

describe('data grants on the wire', () => {
  let env: Awaited<ReturnType<typeof startEmulators>>;
  let subscriber: DataExchangeClient;
  let providerBodies: string[];
  let subscriberBodies: string[];
  let grant: { Id?: string; Arn?: string };

  beforeAll(async () => {
    env = await startEmulators();
    subscriber = new DataExchangeClient({
      endpoint: env.endpoints.dataExchange,
      region: SANDBOX_REGION,
      credentials: { accessKeyId: SUBSCRIBER_ACCOUNT.accessKeyId, secretAccessKey: SUBSCRIBER_ACCOUNT.secretAccessKey },
      maxAttempts: 1,
    });
    providerBodies = recordRawBodies(env.dataExchange);
    subscriberBodies = recordRawBodies(subscriber);
    const dataSet = await env.dataExchange.send(new CreateDataSetCommand({ Name: 'sales', Description: 'daily sales', AssetType: 'S3_SNAPSHOT' }));
    grant = await env.dataExchange.send(
      new CreateDataGrantCommand({
        Name: 'to subscriber',
        Description: 'daily sales, shared',
        GrantDistributionScope: 'NONE',
        ReceiverPrincipal: SUBSCRIBER_ACCOUNT.accountId,
        SourceDataSetId: dataSet.Id,
      }),
    );
  });

  afterAll(async () => {
    subscriber.destroy();
    await env.close();
  });

  it('lists the sender\'s grants as DataGrantSummaryEntry members only', async () => {
    await env.dataExchange.send(new ListDataGrantsCommand({}));

    expect(entryMembers(providerBodies, 'DataGrantSummaries')).toEqual(
      ['AcceptanceState', 'Arn', 'CreatedAt', 'DataSetId', 'Id', 'Name', 'ReceiverPrincipal', 'SenderPrincipal', 'SourceDataSetId', 'UpdatedAt'].sort(),
    );
  });

  it('lists the receiver\'s grants as ReceivedDataGrantSummariesEntry members only', async () => {
    await subscriber.send(new ListReceivedDataGrantsCommand({}));

    expect(entryMembers(subscriberBodies, 'DataGrantSummaries')).toEqual(
      ['AcceptanceState', 'Arn', 'CreatedAt', 'DataSetId', 'Id', 'Name', 'ReceiverPrincipal', 'SenderPrincipal', 'UpdatedAt'].sort(),
    );
  });

  it('gets one grant with its GrantDistributionScope and Description, on either side', async () => {
    await env.dataExchange.send(new GetDataGrantCommand({ DataGrantId: grant.Id }));
    await subscriber.send(new GetReceivedDataGrantCommand({ DataGrantArn: grant.Arn }));

    expect(members(providerBodies)).toEqual(expect.arrayContaining(['GrantDistributionScope', 'Description', 'SourceDataSetId']));
    expect(members(subscriberBodies)).toEqual(expect.arrayContaining(['GrantDistributionScope', 'Description']));
  });
});
