import type { PartedChanges } from '../persist';
import { type AccountDirectory, type AccountSnapshot, AccountState } from './store/account-state';
import type { JobClock } from './store/jobs';
import { PARTED_FORMAT, partKey, type StoreIndex, type StoreSnapshot, WHOLE_FORMAT } from './store/saved-state';

/*
 * The emulator's state: every account's Data Exchange, and what a save writes of it. One account's records and rules
 * are under store/, a module per resource (data-sets.ts, revisions.ts, jobs.ts, data-grants.ts, event-actions.ts,
 * tags.ts); what a receiver sees of the data sets granted to it is in store/entitled-view.ts, store/notifications.ts
 * keeps the notifications a provider sent, store/exchange-events.ts the events an account received,
 * store/account-state.ts strings them together, and store/saved-state.ts is the form a save takes.
 */

export { type AccountDirectory, type AccountSnapshot, AccountState, type StartedExport } from './store/account-state';
export type { ReceivedDataGrant } from './store/entitled-view';
export type { ExchangeEventRecord } from './store/exchange-events';
export { AWS_JOB_CLOCK, type ExportedObject, type JobClock, scaledJobClock } from './store/jobs';
export { ASSET_ORDER, type ImportedAsset } from './store/revisions';
export { revisionPartOf, snapshotOfSaved, type StoreIndex, type StoreSnapshot } from './store/saved-state';

/** A revision part that changed since the last save. */
interface ChangedPart {
  readonly account: AccountState;
  readonly revisionId: string;
}

/** Every account's state; an account springs into being the first time a key of it calls. */
export class DataExchangeStore implements AccountDirectory {
  private readonly accounts = new Map<string, AccountState>();
  private readonly changedParts = new Map<string, ChangedPart>();

  constructor(
    private readonly changed: () => void,
    snapshot?: StoreSnapshot,
    private readonly jobClock?: JobClock,
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
    this.changedParts.clear();
    return { index, parts };
  }

  /** Counts every revision part as changed: the first save after loading a state saved whole writes them all. */
  changedAll(): void {
    for (const account of this.accounts.values()) {
      for (const revisionId of account.revisionIdsWithParts()) this.changedParts.set(partKey(account.accountId, revisionId), { account, revisionId });
    }
    this.changed();
  }

  private newAccount(accountId: string, snapshot: AccountSnapshot | undefined): AccountState {
    const changed = (revisionId?: string) => {
      if (revisionId !== undefined) this.changedParts.set(partKey(accountId, revisionId), { account, revisionId });
      this.changed();
    };
    const account: AccountState = new AccountState(accountId, changed, this, snapshot, this.jobClock);
    return account;
  }
}
