/*
 * The sandbox is one long-lived account per access key: a client's access key decides whose data it sees,
 * which lets a provider and a subscriber share one sandbox.
 */

export interface SandboxAccount {
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export const SANDBOX_REGION = 'us-east-1';

export const PROVIDER_ACCOUNT: SandboxAccount = {
  accountId: '111111111111',
  accessKeyId: 'SANDBOXPROVIDER',
  secretAccessKey: 'sandbox-provider-secret',
};

export const SUBSCRIBER_ACCOUNT: SandboxAccount = {
  accountId: '222222222222',
  accessKeyId: 'SANDBOXSUBSCRIBER',
  secretAccessKey: 'sandbox-subscriber-secret',
};

const ACCOUNTS = [PROVIDER_ACCOUNT, SUBSCRIBER_ACCOUNT];

/** The account of a SigV4-signed request; unknown or unsigned requests act as the provider. */
export function accountOfRequest(authorization: string | undefined): SandboxAccount {
  const accessKeyId = /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
  return ACCOUNTS.find((account) => account.accessKeyId === accessKeyId) ?? PROVIDER_ACCOUNT;
}

/** The sandbox account with this id, whose keys sign its own calls. */
export function accountOfId(accountId: string): SandboxAccount | undefined {
  return ACCOUNTS.find((account) => account.accountId === accountId);
}
