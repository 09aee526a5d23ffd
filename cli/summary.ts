import type { Followed } from './follow';
import { emptyTotals, originalFailure, type RunTotals, totalsOf } from './history';
import type { SubscriberReport } from './subscriber-side';

export type RunStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'RUNNING' | 'REJECTED';

/** The `--json` summary: the contract of DESIGN section 4, one object on the last stdout line. */
export type RunSummary = {
  status: RunStatus;
  executionArn: string | null;
  executionName: string | null;
  revisionIds: string[];
  durationMs: number | null;
  error: string | null;
  cause: string | null;
  /** Every execution of the run, in order: more than one when the run has several parts. */
  executionArns: string[];
  /** With `run --subscriber-side`: what arrived in the subscriber's account. */
  subscriber?: SubscriberReport;
} & RunTotals;

/** The summary of a run the CLI gave up on: REJECTED for what it was given (exit 2), FAILED for what happened (exit 1). */
export function errorSummary(status: 'REJECTED' | 'FAILED', error: string, cause: string): RunSummary {
  return {
    status,
    executionArn: null,
    executionName: null,
    executionArns: [],
    revisionIds: [],
    durationMs: null,
    error,
    cause,
    ...emptyTotals(),
  };
}

/** A revision this execution published (not one an earlier run of the runId had). */
function publishedBy(totals: RunTotals): string[] {
  return totals.finalized && !totals.alreadyPublished && totals.revisionId !== null ? [totals.revisionId] : [];
}

/**
 * The run's summary from its executions in order: the status, error and sharing are the last one's; the
 * work is counted across them all; the assets are the whole run's, as every part's plan gives them.
 */
export function summarize(executions: readonly Followed[]): RunSummary {
  const first = executions[0];
  const last = executions[executions.length - 1];
  const all = executions.map((followed) => totalsOf(followed.events));
  const totals = all[all.length - 1];
  const start = first.execution.startDate?.getTime();
  const stop = last.execution.stopDate?.getTime();
  const { execution } = last;
  const failure = originalFailure(execution.error, execution.cause);
  return {
    status: (execution.status ?? 'RUNNING') as RunStatus,
    executionArn: execution.executionArn ?? null,
    executionName: execution.name ?? null,
    ...totals,
    runId: all[0].runId,
    datasetId: all[0].datasetId,
    assetCount: all[0].assetCount,
    bytes: all[0].bytes,
    importJobs: all.reduce((sum, part) => sum + part.importJobs, 0),
    stateTransitions: all.reduce((sum, part) => sum + part.stateTransitions, 0),
    notifications: all.reduce((sum, part) => sum + part.notifications, 0),
    executionArns: executions.map((followed) => followed.execution.executionArn ?? ''),
    revisionIds: all.flatMap(publishedBy),
    durationMs: start !== undefined && stop !== undefined ? stop - start : null,
    failedState: execution.status === 'SUCCEEDED' ? null : totals.failedState,
    error: failure.error ?? null,
    cause: failure.cause ?? null,
  };
}

const sizeOf = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/** The summary a person reads at the end of a run. */
export function describeSummary(summary: RunSummary): string {
  const duration = summary.durationMs === null ? '' : ` in ${(summary.durationMs / 1000).toFixed(1)} s`;
  const lines = [`${summary.status}${duration}  (${summary.executionName ?? 'no execution'})`];
  if (summary.revisionIds.length > 1) {
    lines.push(`  revisions      ${summary.revisionIds.join(', ')} (finalized, in order)`);
    lines.push(`  executions     ${summary.executionArns.length}`);
  } else if (summary.revisionId !== null) {
    const state = summary.alreadyPublished ? 'already published' : summary.finalized ? 'finalized' : 'not finalized';
    lines.push(`  revision       ${summary.revisionId} (${state})`);
  }
  if (summary.status === 'RUNNING' && summary.lastState !== null) lines.push(`  last state     ${summary.lastState}`);
  lines.push(`  assets         ${summary.assetCount} (${sizeOf(summary.bytes)})`);
  lines.push(`  import jobs    ${summary.importJobs}`);
  lines.push(`  transitions    ${summary.stateTransitions}`);
  lines.push(`  notifications  ${summary.notifications}`);
  for (const grant of summary.dataGrants) lines.push(`  data grant     ${grant.receiver}: ${grant.status}, ${grant.acceptance}`);
  if (summary.subscriber !== undefined) {
    const { subscriber } = summary;
    const bytes = subscriber.objects.reduce((total, object) => total + object.bytes, 0);
    lines.push(`  subscriber     ${subscriber.account}: grant ${subscriber.acceptance}, data set ${subscriber.dataSetId}`);
    lines.push(`  export job     ${subscriber.exportJob.id} ${subscriber.exportJob.state}`);
    lines.push(`  arrived        ${subscriber.objects.length} objects (${sizeOf(bytes)}) in s3://${subscriber.bucket}/`);
  }
  if (summary.error !== null) {
    lines.push(`  error          ${summary.error}${summary.failedState === null ? '' : ` in ${summary.failedState}`}`);
    if (summary.cause !== null) lines.push(`  cause          ${summary.cause}`);
  }
  return lines.join('\n');
}
