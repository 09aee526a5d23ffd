import {
  DataExchangeClient,
  ListDataGrantsCommand,
  ListDataSetRevisionsCommand,
  ListEventActionsCommand,
  ListReceivedDataGrantsCommand,
  ListRevisionAssetsCommand,
} from '@aws-sdk/client-dataexchange';
import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { dataView } from '../../console/data';

/*
 * The data page's revisions: GIVEN a sandbox of several data sets, WHEN the page reads them, THEN each data set's
 * revisions are there, newest first across all of them, each naming its data set.
 */

const provider = mockClient(DataExchangeClient);
const PRICES = '11111111111111111111111111111111';
const READINGS = '22222222222222222222222222222222';
/** A revision as ListDataSetRevisions answers it. */
const revision = (dataSetId: string, id: string, createdAt: string, finalized: boolean) => ({
  Id: id,
  Arn: `arn:aws:dataexchange:us-east-1:123456789012:data-sets/${dataSetId}/revisions/${id}`,
  DataSetId: dataSetId,
  CreatedAt: new Date(createdAt),
  UpdatedAt: new Date(createdAt),
  Finalized: finalized,
});

describe('dataView', () => {
  beforeEach(() => {
    provider.reset();
    provider.on(ListDataSetRevisionsCommand, { DataSetId: PRICES }).resolves({ Revisions: [revision(PRICES, 'p1', '2026-12-01T01:00:00Z', true)] });
    provider.on(ListDataSetRevisionsCommand, { DataSetId: READINGS }).resolves({
      Revisions: [revision(READINGS, 'r1', '2026-12-01T00:00:00Z', true), revision(READINGS, 'r2', '2026-12-01T02:00:00Z', false)],
    });
    provider.on(ListRevisionAssetsCommand).callsFake((request: { RevisionId: string }) => ({
      Assets: request.RevisionId === 'r2' ? [] : [{ AssetDetails: { S3SnapshotAsset: { Size: 10 } } }],
    }));
    provider.on(ListDataGrantsCommand).resolves({ DataGrantSummaries: [] });
    provider.on(ListReceivedDataGrantsCommand).resolves({ DataGrantSummaries: [] });
    provider.on(ListEventActionsCommand).resolves({ EventActions: [] });
    jest.spyOn(global, 'fetch').mockResolvedValue(new Response(JSON.stringify({ messages: [] })));
  });
  afterEach(() => jest.restoreAllMocks());

  it("lists every data set's revisions, newest first, each with its data set's name", async () => {
    // The provider's and the subscriber's clients are one mock here: the page reads the revisions from the provider.
    const client = new DataExchangeClient({});
    const view = await dataView(
      { provider: client, subscriber: { dataExchange: client, s3: new S3Client({}) }, messagesUrl: 'http://127.0.0.1:9/messages' },
      { prices: PRICES, readings: READINGS },
    );

    expect(view.revisions.map((row) => [row.dataSet, row.id, row.assets])).toEqual([
      ['readings', 'r2', 0],
      ['prices', 'p1', 1],
      ['readings', 'r1', 1],
    ]);
  });
});
