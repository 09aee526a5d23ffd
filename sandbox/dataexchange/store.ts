import { type AccountSnapshot, AccountState, type AccountDirectory } from './store/account-state';
import type { JobClock } from './store/jobs';

/*
 * The emulator's state: every account's Data Exchange, and the snapshot the state file holds. One account's
 * records and rules are under store/, a module per resource (data-sets.ts, revisions.ts, jobs.ts, data-grants.ts,
 * event-actions.ts, tags.ts); what a receiver sees of the data sets granted to it is in store/entitled-view.ts,
 * store/notifications.ts keeps the notifications a provider sent, store/exchange-events.ts the events an account
 * received, and store/account-state.ts strings them together.
 */

export { type AccountDirectory, type AccountSnapshot, AccountState, type StartedExport } from './store/account-state';
export type { ReceivedDataGrant } from './store/entitled-view';
export type { ExchangeEventRecord } from './store/exchange-events';
export { AWS_JOB_CLOCK, type ExportedObject, type JobClock, scaledJobClock } from './store/jobs';
export { ASSET_ORDER, type ImportedAsset } from './store/revisions';

const SNAPSHOT_FORMAT = 'dx-flow-sandbox-dataexchange/1';

export interface StoreSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  accounts: Record<string, AccountSnapshot>;
}

/** Every account's state; an account springs into being the first time a key of it calls. */
export class DataExchangeStore implements AccountDirectory {
  private readonly accounts = new Map<string, AccountState>();

  constructor(
    private readonly changed: () => void,
    snapshot?: StoreSnapshot,
    private readonly jobClock?: JobClock,
  ) {
    if (snapshot === undefined) return;
    if (snapshot.format !== SNAPSHOT_FORMAT) {
      throw new Error(`Unknown Data Exchange state format ${String(snapshot.format)}; \`dx-flow sandbox reset\` clears it`);
    }
    for (const [accountId, account] of Object.entries(snapshot.accounts)) {
      this.accounts.set(accountId, new AccountState(accountId, changed, this, account, jobClock));
    }
  }

  account(accountId: string): AccountState {
    let account = this.accounts.get(accountId);
    if (account === undefined) {
      account = new AccountState(accountId, this.changed, this, undefined, this.jobClock);
      this.accounts.set(accountId, account);
    }
    return account;
  }

  allAccounts(): AccountState[] {
    return [...this.accounts.values()];
  }

  snapshot(): StoreSnapshot {
    return {
      format: SNAPSHOT_FORMAT,
      accounts: Object.fromEntries([...this.accounts].map(([accountId, account]) => [accountId, account.snapshot()])),
    };
  }
}
