import * as path from 'node:path';
import { ImportPollEnv, readEnv } from '../shared/env';
import { DEFAULT_POLL_GROWTH_PERCENT, type ImportPollConfig, importPollConfig } from '../shared/import-poll';
import { AWS_IMPORT_DURATION, type ImportDurationModel, importDurationSeconds, perJobDuration } from '../sandbox/dataexchange/import-duration';
import { lastJsonLine, runNode } from './measured-child';
import type { LatencyRunRequest, LatencyRunResult } from './publish-latency-run';
import { jobDurations, type LatencyFigures, latencyFigures, noticed, type RunShape } from './publish-latency';
import { fixed, type SectionReport } from './report';
import { formatSpread, interleaved, spread, type Spread } from './rounds';

/*
 * Time to publish on AWS's clock: how long a run takes from its start to its revision finalized when each import
 * job takes what AWS might take, under the poll schedule this stack ships and under the one it shipped before
 * (a first poll at 60 s, then one a minute). Two kinds of figures:
 * - worked out (./publish-latency.ts), exact for the schedule alone, for 100, 1,000 and 10,000 assets and a
 *   range of per-job durations, against the ideal (the same jobs back to back, 10 at a time, each noticed the
 *   moment it ends) and against the transitions of fixed 10 s polling;
 * - measured: sandbox runs whose import jobs last the modeled time on the sandbox's scaled clock, both schedules
 *   in interleaved rounds, each run in a process of its own (./publish-latency-run.ts). These add what the
 *   worked-out figures leave out: the tasks' own time, real milliseconds that count as scaled seconds here.
 */

/** The schedule before this section existed: IMPORT_POLL_INITIAL_SECONDS=60, IMPORT_POLL_MAX_SECONDS=60, a fixed minute. */
export const PREVIOUS_SCHEDULE: ImportPollConfig = { initialSeconds: 60, maxSeconds: 60, growthPercent: 100, maxAttempts: 120, learnFromJobs: 0 };

/** The issue's targets: at most 1.2 times the ideal, at most half the transitions of fixed 10 s polling. */
export const TARGET = { ofIdeal: 1.2, ofFixed10: 0.5 } as const;

/** Run sizes worked out; the measured ones are the section's option. */
const SIMULATED_ASSETS = [100, 1000, 10_000] as const;
/** Jobs all alike, then jobs that differ by up to a quarter either way (RunShape.spread). */
const SIMULATED_SPREADS = [0, 0.25] as const;

const ROOT = path.resolve(__dirname, '..');
const RUN_SCRIPT = path.join(__dirname, 'publish-latency-run.ts');
/** The scaled clock runs no slower than AWS's own. */
const MAX_TIME_SCALE_MS = 1000;
/**
 * Real milliseconds a batch execution may take from its start to the poll that sees its job done. The sandbox's
 * runner gives a Task with no TimeoutSeconds aws-local-stepfunctions' default of 60 s (workflows/local-runner.ts),
 * and ImportBatch, the `.sync` start of a batch execution, has none: a batch past 60 s of real time fails the run
 * with States.Timeout there, where AWS would wait. This leaves 15 s for the batch's own tasks.
 */
const BATCH_BUDGET_MS = 45_000;

export interface LatencyOptions {
  /** Per-job durations (scaled seconds, a full job of 100 assets) for both kinds of figures. */
  readonly jobSeconds: readonly number[];
  /** Asset counts of the sandbox runs. */
  readonly assets: readonly number[];
  readonly rounds: number;
  /**
   * Real milliseconds a modeled job lasts in a sandbox run: the time scale is this over the job's seconds, at most
   * 1,000, and at most what keeps each batch execution within BATCH_BUDGET_MS.
   */
  readonly jobMs: number;
}

const scheduleEnv = (config: ImportPollConfig): NodeJS.ProcessEnv => ({
  ...process.env,
  IMPORT_POLL_INITIAL_SECONDS: String(config.initialSeconds),
  IMPORT_POLL_MAX_SECONDS: String(config.maxSeconds),
  IMPORT_POLL_GROWTH_PERCENT: String(config.growthPercent ?? DEFAULT_POLL_GROWTH_PERCENT),
  IMPORT_POLL_MAX_ATTEMPTS: String(config.maxAttempts),
  IMPORT_POLL_LEARN_FROM_JOBS: String(config.learnFromJobs),
});

async function sandboxRun(config: ImportPollConfig, request: LatencyRunRequest): Promise<LatencyRunResult> {
  const run = await runNode(['--import', 'tsx', RUN_SCRIPT, JSON.stringify(request)], { cwd: ROOT, env: scheduleEnv(config) });
  return lastJsonLine<LatencyRunResult>(run);
}

const describeSchedule = (config: ImportPollConfig): string =>
  (config.growthPercent ?? DEFAULT_POLL_GROWTH_PERCENT) >= 100 && config.initialSeconds >= config.maxSeconds
    ? `a poll every ${config.maxSeconds} s`
    : `first poll at ${config.learnFromJobs > 0 ? `the 60th percentile of how long the data set's ${config.learnFromJobs} latest imports took (${config.initialSeconds} s before any)` : `${config.initialSeconds} s`}, ` +
      `then waits of ${config.growthPercent ?? DEFAULT_POLL_GROWTH_PERCENT}% of the time waited, at most ${config.maxSeconds} s`;

/** `94 s (1.57×)`, the time and its ratio. */
const timeCell = (seconds: number, ratio: number) => `${Math.round(seconds)} s (${ratio.toFixed(2)}×)`;

interface SimulatedRow {
  readonly jobSeconds: number;
  readonly spread: number;
  readonly assets: number;
  readonly previous: LatencyFigures;
  /** A data set's first run: nothing to learn from before its first wave's jobs complete. */
  readonly firstRun: LatencyFigures;
  /** A later run, after one of the same size. */
  readonly chosen: LatencyFigures;
}

/** The durations of a run's jobs as ListJobs gives them to the next run: newest first. */
const earlierRun = (model: ImportDurationModel, run: RunShape) => jobDurations(model, run).reverse();

function simulated(jobSeconds: readonly number[], chosen: ImportPollConfig): SimulatedRow[] {
  return SIMULATED_SPREADS.flatMap((spread) =>
    jobSeconds.flatMap((seconds) =>
      SIMULATED_ASSETS.map((assets) => {
        const model = perJobDuration(seconds);
        const run = { assets, spread };
        return {
          jobSeconds: seconds,
          spread,
          assets,
          previous: latencyFigures(PREVIOUS_SCHEDULE, model, run),
          firstRun: latencyFigures(chosen, model, run),
          chosen: latencyFigures(chosen, model, { ...run, history: earlierRun(model, run) }),
        };
      }),
    ),
  );
}

interface MeasuredRow {
  readonly jobSeconds: number;
  readonly assets: number;
  readonly timeScaleMs: number;
  readonly idealSeconds: number;
  readonly previous: MeasuredSide;
  readonly chosen: MeasuredSide;
}

interface MeasuredSide {
  readonly scaledSeconds: Spread;
  readonly ofIdeal: Spread;
  readonly transitions: Spread;
  /** Each round's mean over its batches of the time from the job's start to the poll that saw it done, over the job's duration. */
  readonly noticedOverJob: Spread;
  /** What the worked-out figure says for the same run: the rest is the tasks' own time. */
  readonly simulatedSeconds: number;
  readonly rounds: readonly LatencyRunResult[];
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

function side(results: readonly LatencyRunResult[], figures: LatencyFigures): MeasuredSide {
  return {
    scaledSeconds: spread(results.map((result) => fixed(result.scaledSeconds, 1))),
    ofIdeal: spread(results.map((result) => fixed(result.scaledSeconds / figures.idealSeconds, 3))),
    transitions: spread(results.map((result) => result.transitions)),
    noticedOverJob: spread(results.map((result) => fixed(mean(result.noticedSeconds) / figures.jobSeconds, 3))),
    simulatedSeconds: figures.seconds,
    rounds: results,
  };
}

async function measured(options: LatencyOptions, chosen: ImportPollConfig): Promise<MeasuredRow[]> {
  const rows: MeasuredRow[] = [];
  for (const jobSeconds of options.jobSeconds) {
    for (const assets of options.assets) {
      const longestNotice = Math.max(...[PREVIOUS_SCHEDULE, chosen].map((config) => noticed(config, jobSeconds).seconds));
      const timeScaleMs = Math.min(MAX_TIME_SCALE_MS, options.jobMs / jobSeconds, BATCH_BUDGET_MS / longestNotice);
      const request = { assets, jobSeconds, timeScaleMs };
      const results = await interleaved(`publish-latency ${assets} assets, ${jobSeconds} s jobs`, options.rounds, {
        previous: () => sandboxRun(PREVIOUS_SCHEDULE, request),
        chosen: () => sandboxRun(chosen, request),
      });
      const model = perJobDuration(jobSeconds);
      const previous = latencyFigures(PREVIOUS_SCHEDULE, model, { assets });
      rows.push({
        jobSeconds,
        assets,
        timeScaleMs: fixed(timeScaleMs, 1),
        idealSeconds: previous.idealSeconds,
        previous: side(results.previous, previous),
        chosen: side(results.chosen, latencyFigures(chosen, model, { assets, history: earlierRun(model, { assets }) })),
      });
    }
  }
  return rows;
}

/** The section: the worked-out table, then the sandbox runs' table. */
export async function publishLatency(options: LatencyOptions): Promise<SectionReport> {
  const chosen = importPollConfig(readEnv(ImportPollEnv, {}));
  const worked = simulated(options.jobSeconds, chosen);
  const runs = await measured(options, chosen);
  const met = (figures: LatencyFigures) =>
    `${figures.ofIdeal <= TARGET.ofIdeal ? 'time' : '-'}/${figures.ofFixed10 <= TARGET.ofFixed10 ? 'cost' : '-'}`;
  const modelJob = importDurationSeconds(AWS_IMPORT_DURATION, { assets: 100, bytes: 0 });
  return {
    title:
      `Time to publish on AWS's clock (scaled seconds, run start to revision finalized). Previous schedule: ${describeSchedule(PREVIOUS_SCHEDULE)}; ` +
      `this one: ${describeSchedule(chosen)}. Worked-out rows: the schedule alone; sandbox rows: measured, ${options.rounds} interleaved rounds`,
    table: [
      ...worked.map((row) => ({
        kind: row.spread === 0 ? 'worked out' : `worked out, jobs ±${row.spread * 100}%`,
        'job s': row.jobSeconds,
        assets: row.assets,
        ideal: `${Math.round(row.previous.idealSeconds)} s`,
        'previous: time': timeCell(row.previous.seconds, row.previous.ofIdeal),
        'previous: transitions': `${row.previous.transitions} (${row.previous.ofFixed10.toFixed(2)}×)`,
        'this, first run: time': timeCell(row.firstRun.seconds, row.firstRun.ofIdeal),
        'this, first run: transitions': `${row.firstRun.transitions} (${row.firstRun.ofFixed10.toFixed(2)}×)`,
        'this: time': timeCell(row.chosen.seconds, row.chosen.ofIdeal),
        'this: transitions': `${row.chosen.transitions} (${row.chosen.ofFixed10.toFixed(2)}×)`,
        'fixed 10 s': row.chosen.fixed10Transitions,
        'cost floor': `${row.chosen.floorOfFixed10.toFixed(2)}×`,
        'targets met (previous | first run | this)': `${met(row.previous)} | ${met(row.firstRun)} | ${met(row.chosen)}`,
      })),
      ...runs.map((row) => ({
        kind: `sandbox, ${row.timeScaleMs} ms/s`,
        'job s': row.jobSeconds,
        assets: row.assets,
        ideal: `${Math.round(row.idealSeconds)} s`,
        'previous: time': `${formatSpread(row.previous.scaledSeconds, 0)} s (${formatSpread(row.previous.ofIdeal)}×)`,
        'previous: transitions': formatSpread(row.previous.transitions, 0),
        'this: time': `${formatSpread(row.chosen.scaledSeconds, 0)} s (${formatSpread(row.chosen.ofIdeal)}×)`,
        'this: transitions': formatSpread(row.chosen.transitions, 0),
        'job noticed at (previous | this)': `${formatSpread(row.previous.noticedOverJob)}× | ${formatSpread(row.chosen.noticedOverJob)}×`,
      })),
    ],
    notes: [
      `Import duration model: ${AWS_IMPORT_DURATION.fixedSeconds} s + ${AWS_IMPORT_DURATION.perAssetSeconds} s an asset + ${AWS_IMPORT_DURATION.perGbSeconds} s a GB ` +
        `(${modelJob} s for a job of 100 small assets); each row scales it so that a full job takes "job s" (sandbox/dataexchange/import-duration.ts says what each constant stands on).`,
      `Targets: at most ${TARGET.ofIdeal}× the ideal ("time"), at most ${TARGET.ofFixed10}× the transitions of fixed 10 s polling ("cost"). ` +
        'Sandbox time over the worked-out time is the tasks\' own work (uploads checked, calls made), real milliseconds counted on the scaled clock; ' +
        '"job noticed at" leaves it out: from StartImport\'s end to the CheckImport that saw the job done, over the job\'s duration.',
    ],
    data: { previous: PREVIOUS_SCHEDULE, chosen, target: TARGET, model: AWS_IMPORT_DURATION, options, worked, runs },
  };
}
