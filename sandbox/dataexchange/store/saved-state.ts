import type { AssetRecord, RevisionRecord } from '../model';
import type { AccountSnapshot } from './account-state';
import type { OrderedJob } from './jobs';

/*
 * How the Data Exchange state is saved: an index (the state file) holding what every account keeps beside its
 * revisions, and a part per revision (persist.ts's PartedStateFile) holding the revision, its assets and the jobs
 * that target it first. A change to one revision, the bulk of a publish, rewrites that revision's part and the small
 * index, not every revision's. This module turns the saved form back into the snapshot the store starts from.
 */

/** The whole state in one file: what sandboxes wrote before the parts, and what the store starts from. */
export const WHOLE_FORMAT = 'dx-flow-sandbox-dataexchange/1';
export const PARTED_FORMAT = 'dx-flow-sandbox-dataexchange/2';

/** An account in the index: all but its revisions, assets and jobs, and its revisions' ids, oldest first. */
export type AccountIndex = Omit<AccountSnapshot, 'revisions' | 'assets' | 'jobs'> & { revisionIds: string[] };

/** One revision's part: the revision (none once deleted, or when it is another account's), its assets in ASSET_ORDER, its jobs. */
export interface RevisionPart {
  revision?: RevisionRecord;
  assets: AssetRecord[];
  jobs: OrderedJob[];
}

export interface StoreSnapshot {
  format: typeof WHOLE_FORMAT;
  accounts: Record<string, AccountSnapshot>;
}

export interface StoreIndex {
  format: typeof PARTED_FORMAT;
  accounts: Record<string, AccountIndex>;
}

/** One of an account's revisions' committed part, read now; for a revision whose data a save has committed. */
export type SavedRevisionReader = (revisionId: string) => RevisionPart;

/** A part's key, which names its file: the account and the revision. */
export function partKey(accountId: string, revisionId: string): string {
  return `${accountId}.${revisionId}`;
}

/** The part's shape, checked enough that a part of something else is named as damaged rather than misread. */
export function revisionPartOf(json: unknown): RevisionPart {
  const part = json as Partial<RevisionPart> | null;
  if (typeof part !== 'object' || part === null || !Array.isArray(part.assets) || !Array.isArray(part.jobs)) {
    throw new Error('it is not a revision part (assets and jobs)');
  }
  return part as RevisionPart;
}

function accountSnapshotOf(accountId: string, index: AccountIndex, parts: ReadonlyMap<string, unknown>): AccountSnapshot {
  const { revisionIds, ...rest } = index;
  const prefix = partKey(accountId, '');
  const own = [...parts].filter(([key]) => key.startsWith(prefix)).map(([, part]) => part as RevisionPart);
  const revisions = revisionIds.map((revisionId) => {
    const revision = (parts.get(partKey(accountId, revisionId)) as RevisionPart | undefined)?.revision;
    if (revision === undefined) throw new Error(`account ${accountId} lists revision ${revisionId}, whose part holds no revision`);
    return revision;
  });
  return {
    ...rest,
    revisions,
    assets: revisions.flatMap((revision) => (parts.get(partKey(accountId, revision.Id)) as RevisionPart).assets),
    jobs: own
      .flatMap((part) => part.jobs)
      .sort((a, b) => a.ordinal - b.ordinal)
      .map((job) => job.record),
  };
}

/**
 * The snapshot a saved state holds, and whether it was saved whole (by an older sandbox), so that the first save
 * writes every part.
 */
export function snapshotOfSaved(index: unknown, parts: ReadonlyMap<string, unknown>): { snapshot: StoreSnapshot; whole: boolean } {
  const saved = index as StoreSnapshot | StoreIndex;
  if (typeof saved.accounts !== 'object' || saved.accounts === null) throw new Error('it holds no accounts');
  // Any other format is the store's to refuse.
  if (saved.format !== PARTED_FORMAT) return { snapshot: saved, whole: true };
  const accounts = Object.entries(saved.accounts).map(([accountId, account]) => [accountId, accountSnapshotOf(accountId, account, parts)]);
  return { snapshot: { format: WHOLE_FORMAT, accounts: Object.fromEntries(accounts) as Record<string, AccountSnapshot> }, whole: false };
}
