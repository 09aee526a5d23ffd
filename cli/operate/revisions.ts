import { type DataExchangeClient, paginateListDataSetRevisions, paginateListRevisionAssets, type RevisionEntry } from '@aws-sdk/client-dataexchange';
import { mapLimited } from '../../shared/concurrency';
import { RUN_ID_PATTERN } from '../../shared/limits';
import { isRunComment } from '../../tasks/create-revision/core';
import { CliError } from '../errors';

/*
 * `dx-flow revisions`: the data set's revisions, newest first, a run of several parts as one run.
 * ListDataSetRevisions returns no tags, so a revision's run and part are read from the marker create-revision
 * writes at the head of its comment (`dx-flow run <runId>`, `... part <n>` from the second part on).
 * ListDataSetRevisions: https://docs.aws.amazon.com/data-exchange/latest/apireference/API_ListDataSetRevisions.html
 * ListRevisionAssets: https://docs.aws.amazon.com/data-exchange/latest/apireference/API_ListRevisionAssets.html
 */

/** `finalized`: published and readable by subscribers; `revoked`: withdrawn; `open`: not finalized, never published. */
export type RevisionState = 'finalized' | 'revoked' | 'open';

export interface RevisionRow {
  readonly id: string;
  readonly arn: string | null;
  /** 1 for a run's first (or only) part; null for a revision dx-flow did not make. */
  readonly part: number | null;
  readonly state: RevisionState;
  readonly assetCount: number;
  readonly bytes: number;
  readonly createdAt: string | null;
  readonly revokedAt: string | null;
  readonly revocationComment: string | null;
}

export interface RunRow {
  /** null for a revision dx-flow did not make: it is a run of its own. */
  readonly runId: string | null;
  /** The revisions' state when they agree, else `mixed` (say, a revoked part and its re-publication). */
  readonly state: RevisionState | 'mixed';
  readonly assetCount: number;
  readonly bytes: number;
  /** The newest revision's. */
  readonly createdAt: string | null;
  /** Newest first. */
  readonly revisions: readonly RevisionRow[];
}

/** The `--json` output of `dx-flow revisions`. */
export interface RevisionsReport {
  readonly datasetId: string;
  readonly runs: readonly RunRow[];
}

const MARKER = /^dx-flow run ([A-Za-z0-9_-]+)(?: part (\d+))?(?::|$)/;

/** The run and part a revision's comment records, checked against create-revision's own reading of it. */
function runOfComment(comment: string | undefined): { readonly runId: string; readonly part: number } | undefined {
  const match = MARKER.exec(comment ?? '');
  if (match === null || !RUN_ID_PATTERN.test(match[1])) return undefined;
  const part = match[2] === undefined ? 1 : Number(match[2]);
  return isRunComment(comment, match[1], part - 1) ? { runId: match[1], part } : undefined;
}

export function stateOf(revision: Pick<RevisionEntry, 'Revoked' | 'Finalized'>): RevisionState {
  if (revision.Revoked === true) return 'revoked';
  return revision.Finalized === true ? 'finalized' : 'open';
}

/** What the commands read of a revision, from ListDataSetRevisions or GetRevision alike. */
export type RevisionFacts = Partial<Pick<RevisionEntry, 'Comment' | 'CreatedAt' | 'Finalized' | 'Revoked' | 'RevokedAt' | 'RevocationComment'>> & {
  readonly Id: string;
  readonly Arn?: string;
};

/** A listed revision with its run, before its assets are counted. */
export interface ListedRevision {
  readonly entry: RevisionFacts;
  readonly runId: string | null;
  readonly part: number | null;
}

export function listedRevision(entry: RevisionFacts): ListedRevision {
  const run = runOfComment(entry.Comment);
  return { entry, runId: run?.runId ?? null, part: run?.part ?? null };
}

const newestFirst = (a: ListedRevision, b: ListedRevision) =>
  (b.entry.CreatedAt?.getTime() ?? 0) - (a.entry.CreatedAt?.getTime() ?? 0) || b.entry.Id.localeCompare(a.entry.Id);

/**
 * Every revision of the data set, newest first, grouped by run in the order of each run's newest revision.
 * AWS lists newest first already; sorting again keeps the order whatever a page boundary or an emulator does.
 */
async function listRunRevisions(dataExchange: DataExchangeClient, datasetId: string): Promise<ListedRevision[][]> {
  const listed: ListedRevision[] = [];
  for await (const page of paginateListDataSetRevisions({ client: dataExchange, pageSize: 200 }, { DataSetId: datasetId })) {
    for (const entry of page.Revisions ?? []) {
      if (entry.Id !== undefined) listed.push(listedRevision({ ...entry, Id: entry.Id }));
    }
  }
  const runs = new Map<string, ListedRevision[]>();
  for (const revision of listed.sort(newestFirst)) {
    const key = revision.runId === null ? `revision ${revision.entry.Id}` : `run ${revision.runId}`;
    runs.set(key, [...(runs.get(key) ?? []), revision]);
  }
  return [...runs.values()];
}

/** The revisions of one run, newest first; a run with none is the user's mistake, said with the data set. */
export async function revisionsOfRun(dataExchange: DataExchangeClient, datasetId: string, runId: string): Promise<ListedRevision[]> {
  const run = (await listRunRevisions(dataExchange, datasetId)).find((revisions) => revisions[0].runId === runId);
  if (run === undefined) throw new CliError(`No revision of data set ${datasetId} records run ${runId}: see \`dx-flow revisions\`.`);
  return run;
}

async function assetTotals(dataExchange: DataExchangeClient, datasetId: string, revisionId: string) {
  let assetCount = 0;
  let bytes = 0;
  for await (const page of paginateListRevisionAssets({ client: dataExchange, pageSize: 200 }, { DataSetId: datasetId, RevisionId: revisionId })) {
    for (const asset of page.Assets ?? []) {
      assetCount += 1;
      bytes += asset.AssetDetails?.S3SnapshotAsset?.Size ?? 0;
    }
  }
  return { assetCount, bytes };
}

/** Asset listings in flight at once: ADX throttles per account, and a terminal waits on the slowest anyway. */
const ASSET_LISTING_CONCURRENCY = 4;

/** Runs shown when no --run-id narrows the list: each revision costs an asset listing. */
export const DEFAULT_RUN_LIMIT = 20;

export async function revisionsReport(
  dataExchange: DataExchangeClient,
  datasetId: string,
  options: { readonly runId?: string; readonly limit?: number },
): Promise<RevisionsReport> {
  const chosen =
    options.runId === undefined
      ? (await listRunRevisions(dataExchange, datasetId)).slice(0, options.limit ?? DEFAULT_RUN_LIMIT)
      : [await revisionsOfRun(dataExchange, datasetId, options.runId)];
  const rows = await mapLimited(chosen.flat(), ASSET_LISTING_CONCURRENCY, async ({ entry, part }): Promise<RevisionRow> => ({
    id: entry.Id,
    arn: entry.Arn ?? null,
    part,
    state: stateOf(entry),
    ...(await assetTotals(dataExchange, datasetId, entry.Id)),
    createdAt: entry.CreatedAt?.toISOString() ?? null,
    revokedAt: entry.RevokedAt?.toISOString() ?? null,
    revocationComment: entry.RevocationComment ?? null,
  }));
  const byId = new Map(rows.map((row) => [row.id, row]));
  const runs = chosen.map((revisions): RunRow => {
    const parts = revisions.map(({ entry }) => byId.get(entry.Id)!);
    const states = new Set(parts.map((row) => row.state));
    return {
      runId: revisions[0].runId,
      state: states.size === 1 ? parts[0].state : 'mixed',
      assetCount: parts.reduce((sum, row) => sum + row.assetCount, 0),
      bytes: parts.reduce((sum, row) => sum + row.bytes, 0),
      createdAt: parts[0].createdAt,
      revisions: parts,
    };
  });
  return { datasetId, runs };
}

const revisionLine = (row: RevisionRow) =>
  `${row.id}  ${row.state.padEnd(9)}  ${String(row.assetCount).padStart(6)} assets  ${String(row.bytes).padStart(12)} bytes  ${row.createdAt ?? ''}`;

/** One line per run (its revision's, when it has one part), then one indented line per part. */
export function describeRevisions(report: RevisionsReport): string {
  if (report.runs.length === 0) return `Data set ${report.datasetId} has no revisions.`;
  const lines = [`Revisions of data set ${report.datasetId}, newest first:`];
  for (const run of report.runs) {
    const name = run.runId === null ? '(not made by dx-flow)' : `run ${run.runId}`;
    if (run.revisions.length === 1) {
      lines.push(`${revisionLine(run.revisions[0])}  ${name}`);
      continue;
    }
    lines.push(`${name}: ${run.revisions.length} parts, ${run.state}, ${run.assetCount} assets, ${run.bytes} bytes`);
    for (const row of run.revisions) lines.push(`  part ${row.part ?? '?'}  ${revisionLine(row)}`);
  }
  return lines.join('\n');
}
