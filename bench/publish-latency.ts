import { MAX_ASSETS_PER_IMPORT_JOB, MAX_CONCURRENT_IMPORT_JOBS } from '../shared/limits';
import { type ImportPollConfig, learnedFirstWaitSeconds, pollWaits, withFirstWait } from '../shared/import-poll';
import { type ImportDurationModel, importDurationSeconds } from '../sandbox/dataexchange/import-duration';

/*
 * Time to publish on AWS's clock, worked out rather than run: a run's batches go through the publish state
 * machine's Map (10 at a time, the next one as soon as one ends), each batch's job takes what the import
 * duration model says, and its poll loop notices the job at the first poll at or after the job's end. Against
 * the ideal (the same jobs back to back, 10 at a time, each noticed the moment it ends) and against the
 * transitions of fixed 10 s polling. Pure: the bench's sandbox runs check it (./publish-latency-run.ts).
 *
 * What the arithmetic leaves out, so the sandbox figures run a little higher: the time UploadBatch, StartImport
 * and the other tasks take, and the gap between StartJob and the start of the first Wait.
 */

/**
 * State transitions of a run (`*StateEntered` events), per AWS Standard-workflow pricing: the publish
 * execution's own (PlanRevision, CreateRevision, IsAlreadyPublished, ImportBatches, FinalizeRevision,
 * HasMoreParts, HasSubscribers, NoSubscribers, NotifySuccess, Published), one ImportBatch per batch, and each
 * batch execution's UploadBatch, StartImport and BatchImported, plus WaitForImport, CheckImport and IsImportDone
 * for each poll.
 */
export const TRANSITIONS = { perRun: 10, perBatch: 4, perPoll: 3 } as const;

/** A fixed 10 s poll, as other publishers poll: the cost baseline. */
export const FIXED_10_S: ImportPollConfig = { initialSeconds: 10, maxSeconds: 10, growthPercent: 100, maxAttempts: 720, learnFromJobs: 0 };

export interface RunShape {
  readonly assets: number;
  /** @default 0: small assets, whose bytes add nothing to a job's duration */
  readonly bytesPerAsset?: number;
  /**
   * How long the data set's earlier imports took, newest first, which a learning schedule starts from.
   * @default none: the data set's first run
   */
  readonly history?: readonly number[];
  /**
   * How far jobs of one size differ: each job takes its modeled duration times 1 ± up to this share, spread evenly
   * and the same for every schedule (a low-discrepancy sequence, not a random one), so that a schedule that
   * learns a typical duration meets jobs longer than it. @default 0
   */
  readonly spread?: number;
}

/** The golden ratio's fraction: i times it, modulo 1, spreads evenly over [0, 1) for any count of jobs. */
const GOLDEN_FRACTION = (Math.sqrt(5) - 1) / 2;

/** Each import job's duration, in order: jobs of 100 assets, the last one holding the rest. */
export function jobDurations(model: ImportDurationModel, run: RunShape): number[] {
  const jobs = Math.ceil(run.assets / MAX_ASSETS_PER_IMPORT_JOB);
  return Array.from({ length: jobs }, (_, job) => {
    const assets = Math.min(MAX_ASSETS_PER_IMPORT_JOB, run.assets - job * MAX_ASSETS_PER_IMPORT_JOB);
    const spreadFactor = 1 + (run.spread ?? 0) * (2 * (((job + 1) * GOLDEN_FRACTION) % 1) - 1);
    return importDurationSeconds(model, { assets, bytes: assets * (run.bytesPerAsset ?? 0) }) * spreadFactor;
  });
}

/**
 * When `slots` workers, each taking the next item the moment it is free, end a list of items of the given
 * lengths: the Map's concurrency, and the ideal's.
 */
function makespan(lengths: readonly number[], slots: number): number {
  const free = Array.from({ length: Math.min(slots, lengths.length) }, () => 0);
  for (const length of lengths) {
    const slot = free.indexOf(Math.min(...free));
    free[slot] += length;
  }
  return Math.max(0, ...free);
}

/** The ideal: the jobs back to back, 10 at a time, each noticed the moment it completes. */
export function idealSeconds(durations: readonly number[]): number {
  return makespan(durations, MAX_CONCURRENT_IMPORT_JOBS);
}

/** How a batch's poll loop meets its job: the time of the poll that sees it done, and the polls it took. */
export function noticed(config: ImportPollConfig, jobSeconds: number): { readonly seconds: number; readonly polls: number } {
  let seconds = 0;
  let polls = 0;
  // Waits come in growing chunks, so a bounded loop asks for more of them only as it needs them.
  for (let asked = 16; ; asked *= 2) {
    const waits = pollWaits(config, Math.min(asked, config.maxAttempts));
    for (const wait of waits.slice(polls)) {
      seconds += wait;
      polls += 1;
      if (seconds >= jobSeconds) return { seconds, polls };
    }
    if (polls >= config.maxAttempts) throw new RangeError(`a ${jobSeconds} s job outlasts ${polls} polls over ${seconds} s: the batch would time out`);
  }
}

export interface SimulatedRun {
  /** From the run's start to its revision finalized, with every task taking no time. */
  readonly seconds: number;
  readonly transitions: number;
  readonly polls: number;
}

interface StartedJob {
  readonly startedAt: number;
  readonly duration: number;
}

/**
 * A run under a poll schedule: the Map starts each batch the moment one of its 10 slots is free, and a batch holds
 * its slot until its poll loop notices the job done. A learning schedule sets each batch's first wait from the
 * imports completed by its start, newest first (this run's, then the history), as StartImport reads them from
 * ListJobs.
 */
export function simulateRun(config: ImportPollConfig, durations: readonly number[], history: readonly number[] = []): SimulatedRun {
  const free = Array.from({ length: Math.min(MAX_CONCURRENT_IMPORT_JOBS, durations.length) }, () => 0);
  const started: StartedJob[] = [];
  let polls = 0;
  for (const duration of durations) {
    const slot = free.indexOf(Math.min(...free));
    const startedAt = free[slot];
    const completed = started
      .filter((job) => job.startedAt + job.duration <= startedAt)
      .sort((a, b) => b.startedAt - a.startedAt)
      .map((job) => job.duration);
    const firstWait = config.learnFromJobs === 0 ? undefined : learnedFirstWaitSeconds(config, [...completed, ...history]);
    const batch = noticed(withFirstWait(config, firstWait), duration);
    started.push({ startedAt, duration });
    free[slot] = startedAt + batch.seconds;
    polls += batch.polls;
  }
  return {
    seconds: Math.max(0, ...free),
    transitions: TRANSITIONS.perRun + TRANSITIONS.perBatch * durations.length + TRANSITIONS.perPoll * polls,
    polls,
  };
}

export interface LatencyFigures {
  readonly assets: number;
  readonly jobSeconds: number;
  readonly idealSeconds: number;
  readonly seconds: number;
  /** The run's time over the ideal's: the target is at most 1.2. */
  readonly ofIdeal: number;
  readonly transitions: number;
  readonly fixed10Transitions: number;
  /** The run's transitions over fixed 10 s polling's: the target is at most 0.5. */
  readonly ofFixed10: number;
  /**
   * The least any schedule can cost over fixed 10 s polling's: one poll a batch. Where it is over 0.5 (jobs that
   * fixed 10 s polling sees done at its first or second poll, or a run of one batch), no schedule meets the cost target.
   */
  readonly floorOfFixed10: number;
}

/** One cell of the table: a schedule, a model and a run size, against the ideal and against fixed 10 s polling. */
export function latencyFigures(config: ImportPollConfig, model: ImportDurationModel, run: RunShape): LatencyFigures {
  const durations = jobDurations(model, run);
  const ideal = idealSeconds(durations);
  const simulated = simulateRun(config, durations, run.history);
  const fixed10 = simulateRun(FIXED_10_S, durations);
  return {
    assets: run.assets,
    jobSeconds: Math.max(...durations),
    idealSeconds: ideal,
    seconds: simulated.seconds,
    ofIdeal: simulated.seconds / ideal,
    transitions: simulated.transitions,
    fixed10Transitions: fixed10.transitions,
    ofFixed10: simulated.transitions / fixed10.transitions,
    floorOfFixed10: (TRANSITIONS.perRun + (TRANSITIONS.perBatch + TRANSITIONS.perPoll) * durations.length) / fixed10.transitions,
  };
}
