import { DeleteDataGrantCommand, type DataExchangeClient, type DataGrantSummaryEntry, paginateListDataGrants } from '@aws-sdk/client-dataexchange';
import * as z from 'zod';
import { AccountId } from '../../shared/schemas/fields';
import { type Confirm, declined } from './confirm';
import { parseFlags } from './flags';

/*
 * `dx-flow grants` and `dx-flow revoke-grant`: the data grants of the data set, and ending one receiver's.
 * ListDataGrants cannot filter, so the data set's grants are picked from all the account sent.
 * ListDataGrants: https://docs.aws.amazon.com/data-exchange/latest/apireference/API_ListDataGrants.html
 * DeleteDataGrant: https://docs.aws.amazon.com/data-exchange/latest/apireference/API_DeleteDataGrant.html
 * The receiver then gets a `Data Grant Revoked` event (user guide, "EventBridge events"); what becomes of its
 * entitled copy AWS does not say: the sandbox assumes it goes away with the grant.
 */

export interface GrantRow {
  readonly receiver: string;
  readonly id: string;
  readonly arn: string | null;
  /** AcceptanceState: `PENDING_RECEIVER_ACCEPTANCE` or `ACCEPTED`. */
  readonly acceptance: string;
  readonly acceptedAt: string | null;
  /** null: the grant does not end. */
  readonly endsAt: string | null;
  readonly createdAt: string | null;
}

/** The `--json` output of `dx-flow grants`. */
export interface GrantsReport {
  readonly datasetId: string;
  readonly grants: readonly GrantRow[];
}

const rowOf = (grant: DataGrantSummaryEntry & { readonly Id: string }): GrantRow => ({
  receiver: grant.ReceiverPrincipal ?? 'unknown',
  id: grant.Id,
  arn: grant.Arn ?? null,
  acceptance: grant.AcceptanceState ?? 'UNKNOWN',
  acceptedAt: grant.AcceptedAt?.toISOString() ?? null,
  endsAt: grant.EndsAt?.toISOString() ?? null,
  createdAt: grant.CreatedAt?.toISOString() ?? null,
});

/** The data set's grants, oldest first (the order they were shared in). */
export async function grantsReport(dataExchange: DataExchangeClient, datasetId: string): Promise<GrantsReport> {
  const grants: GrantRow[] = [];
  for await (const page of paginateListDataGrants({ client: dataExchange, pageSize: 200 }, {})) {
    for (const grant of page.DataGrantSummaries ?? []) {
      if (grant.SourceDataSetId === datasetId && grant.Id !== undefined) grants.push(rowOf({ ...grant, Id: grant.Id }));
    }
  }
  grants.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.id.localeCompare(b.id));
  return { datasetId, grants };
}

export function describeGrants(report: GrantsReport): string {
  if (report.grants.length === 0) return `Data set ${report.datasetId} is shared through no data grant.`;
  return [
    `Data grants of data set ${report.datasetId}:`,
    ...report.grants.map(
      (grant) => `${grant.receiver}  ${grant.acceptance.padEnd(27)}  ends ${grant.endsAt ?? 'never'}  created ${grant.createdAt ?? '?'}  ${grant.id}`,
    ),
  ].join('\n');
}

const RevokeGrantFlags = z.object({ '<account>': AccountId });

/** The receiver the argument names, checked before any call to AWS. */
export function parseRevokeGrantAccount(account: string): string {
  return parseFlags(RevokeGrantFlags, { '<account>': account })['<account>'];
}

/** The `--json` output of `dx-flow revoke-grant`. */
export interface RevokeGrantReport {
  readonly datasetId: string;
  readonly receiver: string;
  /** The grants deleted; empty when the account held none (the command is idempotent). */
  readonly deleted: readonly GrantRow[];
}

export interface RevokeGrantDeps {
  readonly dataExchange: DataExchangeClient;
  readonly confirm: Confirm;
}

/** The account's grants are deleted one by one; one already gone (ResourceNotFoundException) counts as done. */
async function deleteGrant(dataExchange: DataExchangeClient, grant: GrantRow): Promise<void> {
  try {
    await dataExchange.send(new DeleteDataGrantCommand({ DataGrantId: grant.id }));
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
}

/**
 * Deletes every grant of the data set to the account, after confirmation. An account with none is said so
 * and succeeds, so that a rerun after a partial failure finishes the job.
 */
export async function revokeGrant(receiver: string, datasetId: string, deps: RevokeGrantDeps): Promise<RevokeGrantReport> {
  const grants = (await grantsReport(deps.dataExchange, datasetId)).grants.filter((grant) => grant.receiver === receiver);
  if (grants.length > 0) {
    const what = `${grants.length} data grant(s) of data set ${datasetId} to account ${receiver}`;
    if (!(await deps.confirm(`Delete ${what} (the account loses the data set at once)?`))) throw declined(what);
    for (const grant of grants) await deleteGrant(deps.dataExchange, grant);
  }
  return { datasetId, receiver, deleted: grants };
}

export function describeRevokeGrant(report: RevokeGrantReport): string {
  if (report.deleted.length === 0) return `Account ${report.receiver} holds no data grant of data set ${report.datasetId}: nothing to revoke.`;
  return report.deleted.map((grant) => `Deleted data grant ${grant.id} of data set ${report.datasetId} to account ${report.receiver}.`).join('\n');
}
