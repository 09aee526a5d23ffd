import {
  type DataExchangeClient,
  paginateListDataGrants,
  paginateListDataSetRevisions,
  paginateListEventActions,
  paginateListReceivedDataGrants,
  paginateListRevisionAssets,
} from '@aws-sdk/client-dataexchange';
import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { RecordedMessage } from '../sandbox/sns/model';

/*
 * The data page: what the runs published, read as each account would read it on AWS (the provider's revisions
 * and grants, the subscriber's received grants and exported objects), plus the one thing AWS has no read API
 * for, the SNS messages published, from the sandbox's own record.
 */

/** Revisions shown, newest first; the assets of each are counted in full. */
export const REVISIONS_MAX = 20;
/** Objects listed per subscriber bucket. */
export const OBJECTS_MAX = 200;

export interface RevisionRow {
  /** The configured name of the data set it belongs to. */
  readonly dataSet: string;
  readonly id: string;
  readonly comment?: string;
  readonly createdAt?: string;
  readonly finalized?: boolean;
  readonly revoked?: boolean;
  readonly assets: number;
  readonly bytes: number;
}

export interface GrantRow {
  readonly id?: string;
  readonly name?: string;
  readonly receiver?: string;
  readonly acceptanceState?: string;
  readonly dataSetId?: string;
}

export interface DataView {
  readonly revisions: RevisionRow[];
  readonly grants: GrantRow[];
  readonly received: GrantRow[];
  readonly exported: { readonly bucket: string; readonly key: string; readonly bytes: number }[];
  readonly messages: RecordedMessage[];
}

export interface DataClients {
  readonly provider: DataExchangeClient;
  readonly subscriber: { readonly dataExchange: DataExchangeClient; readonly s3: S3Client };
  /** The sandbox's sandbox-only list of SNS messages (SANDBOX_MESSAGES_PATH). */
  readonly messagesUrl: string;
}

async function all<T>(pages: AsyncIterable<T>, max = Number.POSITIVE_INFINITY): Promise<T[]> {
  const items: T[] = [];
  for await (const page of pages) {
    items.push(page);
    if (items.length >= max) break;
  }
  return items;
}

/** The newest revisions of every data set, each with the name of its data set; the assets of those shown only. */
async function revisions(dataExchange: DataExchangeClient, dataSets: Readonly<Record<string, string>>): Promise<RevisionRow[]> {
  const listed = await Promise.all(
    Object.entries(dataSets).map(async ([dataSet, dataSetId]) =>
      (await all(paginateListDataSetRevisions({ client: dataExchange }, { DataSetId: dataSetId })))
        .flatMap((page) => page.Revisions ?? [])
        .map((revision) => ({ dataSet, dataSetId, revision })),
    ),
  );
  const newest = listed
    .flat()
    .sort((a, b) => (b.revision.CreatedAt?.getTime() ?? 0) - (a.revision.CreatedAt?.getTime() ?? 0))
    .slice(0, REVISIONS_MAX);
  return Promise.all(
    newest.map(async ({ dataSet, dataSetId, revision }) => {
      const assets = (await all(paginateListRevisionAssets({ client: dataExchange }, { DataSetId: dataSetId, RevisionId: revision.Id }))).flatMap((p) => p.Assets ?? []);
      return {
        dataSet,
        id: revision.Id ?? '',
        comment: revision.Comment,
        createdAt: revision.CreatedAt?.toISOString(),
        finalized: revision.Finalized,
        revoked: revision.Revoked,
        assets: assets.length,
        // An S3 snapshot asset's size in bytes (https://docs.aws.amazon.com/data-exchange/latest/apireference/API_S3SnapshotAsset.html).
        bytes: assets.reduce((sum, asset) => sum + (asset.AssetDetails?.S3SnapshotAsset?.Size ?? 0), 0),
      };
    }),
  );
}

/**
 * The objects in each bucket the subscriber's event actions export revisions to (ExportRevisionToS3's
 * RevisionDestination: https://docs.aws.amazon.com/data-exchange/latest/apireference/API_AutoExportRevisionDestinationEntry.html):
 * what its auto-export received.
 */
async function exportedObjects(dataExchange: DataExchangeClient, s3: S3Client): Promise<DataView['exported']> {
  const actions = (await all(paginateListEventActions({ client: dataExchange }, {}))).flatMap((page) => page.EventActions ?? []);
  const buckets = [...new Set(actions.flatMap((action) => action.Action?.ExportRevisionToS3?.RevisionDestination?.Bucket ?? []))];
  const perBucket = await Promise.all(
    buckets.map(async (bucket) =>
      (await all(paginateListObjectsV2({ client: s3, pageSize: OBJECTS_MAX }, { Bucket: bucket }), 1))
        .flatMap((page) => page.Contents ?? [])
        .map((object) => ({ bucket, key: object.Key ?? '', bytes: object.Size ?? 0 })),
    ),
  );
  return perBucket.flat();
}

const Messages = z.object({ messages: z.array(RecordedMessage) });

async function publishedMessages(url: string): Promise<RecordedMessage[]> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`The sandbox's SNS answered ${response.status} at ${url}`);
  return Messages.parse(await response.json()).messages;
}

/**
 * The grants' acceptance state as each side sees it: DataGrantSummaryEntry and ReceivedDataGrantSummariesEntry
 * (https://docs.aws.amazon.com/data-exchange/latest/apireference/API_DataGrantSummaryEntry.html).
 */
export async function dataView(clients: DataClients, dataSets: Readonly<Record<string, string>>): Promise<DataView> {
  const [revisionRows, sent, received, exported, messages] = await Promise.all([
    revisions(clients.provider, dataSets),
    all(paginateListDataGrants({ client: clients.provider }, {})),
    all(paginateListReceivedDataGrants({ client: clients.subscriber.dataExchange }, {})),
    exportedObjects(clients.subscriber.dataExchange, clients.subscriber.s3),
    publishedMessages(clients.messagesUrl),
  ]);
  const grantRow = (grant: { Id?: string; Name?: string; ReceiverPrincipal?: string; AcceptanceState?: string; DataSetId?: string }): GrantRow => ({
    id: grant.Id,
    name: grant.Name,
    receiver: grant.ReceiverPrincipal,
    acceptanceState: grant.AcceptanceState,
    dataSetId: grant.DataSetId,
  });
  return {
    revisions: revisionRows,
    grants: sent.flatMap((page) => page.DataGrantSummaries ?? []).map(grantRow),
    received: received.flatMap((page) => page.DataGrantSummaries ?? []).map(grantRow),
    exported,
    messages,
  };
}
