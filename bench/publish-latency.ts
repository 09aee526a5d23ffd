import { MAX_ASSETS_PER_IMPORT_JOB, MAX_CONCURRENT_IMPORT_JOBS } from '../shared/limits';
import { type ImportPollConfig, pollWaits } from '../shared/import-poll';
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
export const FIXED_10_S: ImportPollConfig = { initialSeconds: 10, maxSeconds: 10, growthPercent: 100, maxAttempts: 720 };

export interface RunShape {
  readonly assets: number;
  /** @default 0: small assets, whose bytes add nothing to a job's duration */
  readonly bytesPerAsset?: number;
}

/** Each import job's duration, in order: jobs of 100 assets, the last one holding the rest. */
export function jobDurations(model: ImportDurationModel, run: RunShape): number[] {
  const jobs = Math.ceil(run.assets / MAX_ASSETS_PER_IMPORT_JOB);
  return Array.from({ length: jobs }, (_, job) => {
    const assets = Math.min(MAX_ASSETS_PER_IMPORT_JOB, run.assets - job * MAX_ASSETS_PER_IMPORT_JOB);
    return importDurationSeconds(model, { assets, bytes: assets * (run.bytesPerAsset ?? 0) });
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

/** A run under a poll schedule. */
export function simulateRun(config: ImportPollConfig, durations: readonly number[]): SimulatedRun {
  const batches = durations.map((duration) => noticed(config, duration));
  const polls = batches.reduce((sum, batch) => sum + batch.polls, 0);
  return {
    seconds: makespan(
      batches.map((batch) => batch.seconds),
      MAX_CONCURRENT_IMPORT_JOBS,
    ),
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
}

/** One cell of the table: a schedule, a model and a run size, against the ideal and against fixed 10 s polling. */
export function latencyFigures(config: ImportPollConfig, model: ImportDurationModel, run: RunShape): LatencyFigures {
  const durations = jobDurations(model, run);
  const ideal = idealSeconds(durations);
  const simulated = simulateRun(config, durations);
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
  };
}
