import type * as z from 'zod';
import { ENV_KEYS, type ImportPollEnv } from './env';

/** How StartImport and CheckImport pace the Wait -> CheckImport loop of one batch. */
export interface ImportPollConfig {
  /** The first wait, after StartImport: when a job is first expected to be done. Not capped by maxSeconds. */
  readonly initialSeconds: number;
  /** The longest of the later waits, between two polls. */
  readonly maxSeconds: number;
  /**
   * Each later wait, as a percentage of the time waited so far: each poll comes this much later than the one
   * before, so a job that outlasts the first wait is noticed at most this share of its duration after it ends.
   * 100 with maxSeconds equal to initialSeconds is a fixed interval. @default DEFAULT_POLL_GROWTH_PERCENT
   */
  readonly growthPercent?: number;
  /** GetJob polls before the batch fails with ImportTimeoutError. */
  readonly maxAttempts: number;
  /**
   * How many of the data set's latest completed import jobs the first wait is learned from
   * (learnedFirstWaitSeconds); 0 always waits initialSeconds first.
   */
  readonly learnFromJobs: number;
}

/** The growth when a config names none: a job is noticed at most 20% of its duration late. */
export const DEFAULT_POLL_GROWTH_PERCENT = 20;

/**
 * The longest first wait a learned duration sets: imports of a data set that once took hours should not make
 * every later job wait that long before its first poll.
 */
export const MAX_LEARNED_FIRST_SECONDS = 900;

export function importPollConfig(env: z.output<typeof ImportPollEnv>): ImportPollConfig {
  return {
    initialSeconds: env[ENV_KEYS.importPollInitialSeconds],
    maxSeconds: env[ENV_KEYS.importPollMaxSeconds],
    growthPercent: env[ENV_KEYS.importPollGrowthPercent],
    maxAttempts: env[ENV_KEYS.importPollMaxAttempts],
    learnFromJobs: env[ENV_KEYS.importPollLearnFromJobs],
  };
}

/**
 * Which of the recent durations the first wait is: the 60th percentile. A job longer than it is noticed on the
 * growing schedule, at most growthPercent of its duration late, for one poll more. With jobs that differ by up to
 * a quarter either way, the median left 1.5 polls a batch (0.53 of fixed 10 s polling's transitions for 36 s jobs)
 * and the 70th percentile made 10 s jobs wait 1.23 times the ideal; the 60th met both targets within a hundredth
 * (`npm run bench -- --only publish-latency`, docs/performance.md).
 */
const LEARNED_PERCENTILE = 0.6;

/**
 * The first wait of a job, from how long the data set's recent imports took (seconds from CreatedAt to UpdatedAt
 * of each completed job, newest first): their 60th percentile, rounded up, so that most jobs like them are seen
 * done at the first poll. With no such job yet (a new data set), initialSeconds. Jobs of other sizes count alike:
 * a data set's imports are mostly full batches, and AWS's fixed part dominates a job of small assets.
 */
export function learnedFirstWaitSeconds(config: ImportPollConfig, recentSeconds: readonly number[]): number {
  const learned = recentSeconds.slice(0, config.learnFromJobs).sort((a, b) => a - b);
  if (learned.length === 0) return config.initialSeconds;
  const typical = learned[Math.floor(learned.length * LEARNED_PERCENTILE)];
  return Math.min(MAX_LEARNED_FIRST_SECONDS, Math.max(1, Math.ceil(typical)));
}

/** The schedule of one job, whose first wait was learned (ImportStatus.firstWaitSeconds); an older status has none. */
export function withFirstWait(config: ImportPollConfig, firstWaitSeconds: number | undefined): ImportPollConfig {
  return firstWaitSeconds === undefined ? config : { ...config, initialSeconds: firstWaitSeconds };
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
    // The first wait is when the job is expected to be done, learned or configured: a cap meant for the waits
    // after it would only add polls before that moment.
    const wait = poll === 0 ? config.initialSeconds : Math.min(config.maxSeconds, Math.max(1, Math.ceil((waited * growth) / 100)));
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
