import type * as z from 'zod';
import { ENV_KEYS, type ImportPollEnv } from './env';

/** How StartImport and CheckImport pace the Wait -> CheckImport loop of one batch. */
export interface ImportPollConfig {
  /** The first wait, after StartImport: when a job is first expected to be done. */
  readonly initialSeconds: number;
  /** The longest wait between two polls. */
  readonly maxSeconds: number;
  /**
   * Each later wait, as a percentage of the time waited so far: each poll comes this much later than the one
   * before, so a job that outlasts the first wait is noticed at most this share of its duration after it ends.
   * 100 with maxSeconds equal to initialSeconds is a fixed interval. @default DEFAULT_POLL_GROWTH_PERCENT
   */
  readonly growthPercent?: number;
  /** GetJob polls before the batch fails with ImportTimeoutError. */
  readonly maxAttempts: number;
}

/** The growth when a config names none: a job is noticed at most 20% of its duration late. */
export const DEFAULT_POLL_GROWTH_PERCENT = 20;

export function importPollConfig(env: z.output<typeof ImportPollEnv>): ImportPollConfig {
  return {
    initialSeconds: env[ENV_KEYS.importPollInitialSeconds],
    maxSeconds: env[ENV_KEYS.importPollMaxSeconds],
    growthPercent: env[ENV_KEYS.importPollGrowthPercent],
    maxAttempts: env[ENV_KEYS.importPollMaxAttempts],
  };
}

/**
 * The first `count` waits of the loop, in whole seconds (a Wait state's SecondsPath takes an integer): the first
 * wait, then each a share of the time waited so far, at least 1 s, at most maxSeconds.
 */
export function pollWaits(config: ImportPollConfig, count: number): number[] {
  const growth = config.growthPercent ?? DEFAULT_POLL_GROWTH_PERCENT;
  const waits: number[] = [];
  let waited = 0;
  for (let poll = 0; poll < count; poll += 1) {
    const wanted = poll === 0 ? config.initialSeconds : Math.max(1, Math.ceil((waited * growth) / 100));
    const wait = Math.min(config.maxSeconds, wanted);
    waits.push(wait);
    waited += wait;
  }
  return waits;
}

/** The wait before poll `pollCount + 1`. */
export function nextWaitSeconds(config: ImportPollConfig, pollCount: number): number {
  return pollWaits(config, pollCount + 1)[pollCount];
}

/** What the Wait states slept in all before poll number `polls`. */
export function totalWaitSeconds(config: ImportPollConfig, polls: number): number {
  return pollWaits(config, polls).reduce((sum, wait) => sum + wait, 0);
}
