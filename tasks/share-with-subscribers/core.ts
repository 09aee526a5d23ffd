import {
  CreateDataGrantCommand,
  type DataExchangeClient,
  type DataGrantSummaryEntry,
  paginateListDataGrants,
} from '@aws-sdk/client-dataexchange';
import { awsCall } from '../../shared/errors';
import type { DataGrantReport, ShareWithSubscribersInput, ShareWithSubscribersOutput } from '../../shared/schemas/payloads';

export interface ShareWithSubscribersDeps {
  readonly dataExchange: DataExchangeClient;
  /** When the grants end. @default no end */
  readonly grantEndsAt?: Date;
}

interface GrantFields {
  readonly Id?: string;
  readonly AcceptanceState?: string;
}

function report(grant: GrantFields, receiver: string, status: DataGrantReport['status']): DataGrantReport {
  if (grant.Id === undefined) throw new Error(`Data Exchange described the data grant for account ${receiver} without an Id`);
  return { receiver, id: grant.Id, status, acceptance: grant.AcceptanceState ?? 'UNKNOWN' };
}

/** The provider's grants of this data set, by receiver. ListDataGrants cannot filter, so one pass reads them all. */
async function grantsByReceiver(dataExchange: DataExchangeClient, datasetId: string): Promise<Map<string, DataGrantSummaryEntry>> {
  return awsCall({ action: 'dataexchange:ListDataGrants', resource: `data grants of data set ${datasetId}` }, async () => {
    const grants = new Map<string, DataGrantSummaryEntry>();
    for await (const page of paginateListDataGrants({ client: dataExchange, pageSize: 200 }, {})) {
      for (const grant of page.DataGrantSummaries ?? []) {
        if (grant.SourceDataSetId !== datasetId || grant.ReceiverPrincipal === undefined) continue;
        if (!grants.has(grant.ReceiverPrincipal)) grants.set(grant.ReceiverPrincipal, grant);
      }
    }
    return grants;
  });
}

async function createGrant(datasetId: string, receiver: string, deps: ShareWithSubscribersDeps): Promise<DataGrantReport> {
  const grant = await awsCall(
    { action: 'dataexchange:CreateDataGrant', resource: `data set ${datasetId} for account ${receiver}` },
    () =>
      deps.dataExchange.send(
        new CreateDataGrantCommand({
          Name: `dx-flow ${datasetId} for ${receiver}`,
          GrantDistributionScope: 'NONE',
          ReceiverPrincipal: receiver,
          SourceDataSetId: datasetId,
          EndsAt: deps.grantEndsAt,
          Description: `Data set ${datasetId}, shared with account ${receiver} by dx-flow.`,
        }),
      ),
  );
  return report(grant, receiver, 'created');
}

/**
 * Ensures one data grant of the data set per subscriber. A rerun finds the grants it made and reports them as
 * existing instead of granting twice.
 */
export async function shareWithSubscribers(
  input: ShareWithSubscribersInput,
  deps: ShareWithSubscribersDeps,
): Promise<ShareWithSubscribersOutput> {
  if (input.subscriberAccountIds.length === 0) return { dataGrants: [] };
  const existing = await grantsByReceiver(deps.dataExchange, input.datasetId);
  const dataGrants: DataGrantReport[] = [];
  // One at a time: at most 20 subscribers, and CreateDataGrant's rate limit is low.
  for (const receiver of input.subscriberAccountIds) {
    const grant = existing.get(receiver);
    dataGrants.push(grant ? report(grant, receiver, 'existing') : await createGrant(input.datasetId, receiver, deps));
  }
  return { dataGrants };
}
