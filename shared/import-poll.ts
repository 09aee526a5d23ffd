import type * as z from 'zod';
import { ENV_KEYS, type ImportPollEnv } from './env';

/** How StartImport and CheckImport pace the Wait -> CheckImport loop of one batch. */
export interface ImportPollConfig {
  /** The first wait, after StartImport. */
  readonly initialSeconds: number;
  /** The cap of the exponential backoff. */
  readonly maxSeconds: number;
  /** GetJob polls before the batch fails with ImportTimeoutError. */
  readonly maxAttempts: number;
}

export function importPollConfig(env: z.output<typeof ImportPollEnv>): ImportPollConfig {
  return {
    initialSeconds: env[ENV_KEYS.importPollInitialSeconds],
    maxSeconds: env[ENV_KEYS.importPollMaxSeconds],
    maxAttempts: env[ENV_KEYS.importPollMaxAttempts],
  };
}

/** The wait before poll `pollCount + 1`: doubling from the first wait, capped. */
export function nextWaitSeconds(config: ImportPollConfig, pollCount: number): number {
  return Math.min(config.maxSeconds, config.initialSeconds * 2 ** pollCount);
}

/** What the Wait states slept in all before poll number `polls`. */
export function totalWaitSeconds(config: ImportPollConfig, polls: number): number {
  let total = 0;
  for (let poll = 0; poll < polls; poll += 1) total += nextWaitSeconds(config, poll);
  return total;
}
