import type { PartedChanges } from '../persist';
import { type AccountDirectory, type AccountSnapshot, AccountState } from './store/account-state';
import type { JobClock } from './store/jobs';
import {
  PARTED_FORMAT,
  partKey,
  type RevisionPart,
  type SavedRevisionReader,
  type StoreIndex,
  type StoreSnapshot,
  WHOLE_FORMAT,
} from './store/saved-state';

/*
 * The emulator's state: every account's Data Exchange, and what a save writes of it. One account's records and rules
 * are under store/, a module per resource (data-sets.ts, revisions.ts, jobs.ts, data-grants.ts, event-actions.ts,
 * tags.ts); what a receiver sees of the data sets granted to it is in store/entitled-view.ts, store/notifications.ts
 * keeps the notifications a provider sent, store/exchange-events.ts the events an account received,
 * store/account-state.ts strings them together, and store/saved-state.ts is the form a save takes. Once a save has
 * committed a published revision's part, its assets leave memory and are read back from the part when asked for
 * (store/revision-assets.ts).
 */

export { type AccountDirectory, type AccountSnapshot, AccountState, type StartedExport } from './store/account-state';
export type { ReceivedDataGrant } from './store/entitled-view';
export type { ExchangeEventRecord } from './store/exchange-events';
export { AWS_JOB_CLOCK, type ExportedObject, type JobClock, scaledJobClock } from './store/jobs';
export { ASSET_ORDER } from './store/revision-assets';
export type { ImportedAsset } from './store/revisions';
export { revisionPartOf, snapshotOfSaved, type StoreIndex, type StoreSnapshot } from './store/saved-state';

/** A revision part: the account it is of, and the revision. */
interface PartRef {
  readonly account: AccountState;
  readonly revisionId: string;
}

/** A committed part's content by its key, read now (persist.ts's PartedStateFile.readPartSync); undefined if none is committed. */
export type SavedPartReader = (key: string) => RevisionPart | undefined;

/** Every account's state; an account springs into being the first time a key of it calls. */
export class DataExchangeStore implements AccountDirectory {
  private readonly accounts = new Map<string, AccountState>();
  private readonly changedParts = new Map<string, PartRef>();
  /** Parts that saves captured, not yet known to be on disk: a failed save's stay until a later save commits them. */
  private readonly capturedParts = new Map<string, PartRef>();

  constructor(
    private readonly changed: () => void,
    snapshot?: StoreSnapshot,
    private readonly jobClock?: JobClock,
    /** @default none: every revision's assets stay in memory */
    private readonly readPart?: SavedPartReader,
  ) {
    if (snapshot === undefined) return;
    if (snapshot.format !== WHOLE_FORMAT) {
      throw new Error(`Unknown Data Exchange state format ${String(snapshot.format)}; \`dx-flow sandbox reset\` clears it`);
    }
    for (const [accountId, account] of Object.entries(snapshot.accounts)) this.accounts.set(accountId, this.newAccount(accountId, account));
  }

  account(accountId: string): AccountState {
    let account = this.accounts.get(accountId);
    if (account === undefined) {
      account = this.newAccount(accountId, undefined);
      this.accounts.set(accountId, account);
    }
    return account;
  }

  allAccounts(): AccountState[] {
    return [...this.accounts.values()];
  }

  snapshot(): StoreSnapshot {
    return {
      format: WHOLE_FORMAT,
      accounts: Object.fromEntries([...this.accounts].map(([accountId, account]) => [accountId, account.snapshot()])),
    };
  }

  /** What a save writes: the index whole, and the parts of the revisions that changed since the last call. */
  changes(): PartedChanges {
    const index: StoreIndex = {
      format: PARTED_FORMAT,
      accounts: Object.fromEntries([...this.accounts].map(([accountId, account]) => [accountId, account.savedIndex()])),
    };
    const parts = new Map([...this.changedParts].map(([key, { account, revisionId }]) => [key, account.revisionPart(revisionId)]));
    for (const [key, part] of this.changedParts) this.capturedParts.set(key, part);
    this.changedParts.clear();
    return { index, parts, committed: () => this.committed() };
  }

  /** Counts every revision part as changed: the first save after loading a state saved whole writes them all. */
  changedAll(): void {
    for (const [key, part] of this.allParts()) this.changedParts.set(key, part);
    this.changed();
  }

  /** Every revision part is on disk as it is in memory, the state just loaded from them: published revisions' assets leave memory. */
  loadedFromParts(): void {
    for (const { account, revisionId } of this.allParts().values()) account.partCommitted(revisionId);
  }

  /** How many assets the store holds in memory, across accounts. */
  assetsInMemory(): number {
    return this.allAccounts().reduce((count, account) => count + account.assetsInMemory(), 0);
  }

  /** How many import jobs' sources the store holds in memory, across accounts. */
  jobSourcesInMemory(): number {
    return this.allAccounts().reduce((count, account) => count + account.jobSourcesInMemory(), 0);
  }

  /** A save wrote the parts captured: each not changed since holds its revision as it is, which may leave memory. */
  private committed(): void {
    for (const [key, { account, revisionId }] of this.capturedParts) {
      if (!this.changedParts.has(key)) account.partCommitted(revisionId);
    }
    this.capturedParts.clear();
  }

  private allParts(): Map<string, PartRef> {
    const parts = new Map<string, PartRef>();
    for (const account of this.accounts.values()) {
      for (const revisionId of account.revisionIdsWithParts()) parts.set(partKey(account.accountId, revisionId), { account, revisionId });
    }
    return parts;
  }

  /** Reads an account's revision's committed part: where a published revision's assets and jobs' sources are released to. */
  private savedPartsOf(accountId: string): SavedRevisionReader | undefined {
    const { readPart } = this;
    if (readPart === undefined) return undefined;
    return (revisionId) => {
      const part = readPart(partKey(accountId, revisionId));
      if (part === undefined) throw new Error(`No saved part holds revision ${revisionId} of account ${accountId}, whose data was released to it.`);
      return part;
    };
  }

  private newAccount(accountId: string, snapshot: AccountSnapshot | undefined): AccountState {
    const changed = (revisionId?: string) => {
      if (revisionId !== undefined) this.changedParts.set(partKey(accountId, revisionId), { account, revisionId });
      this.changed();
    };
    const account: AccountState = new AccountState(accountId, changed, this, snapshot, this.jobClock, this.savedPartsOf(accountId));
    return account;
  }
}
