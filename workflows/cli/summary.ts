import type { Followed } from './follow';
import { emptyTotals, readableCause, totalsOf, type RunTotals } from './history';
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
  /** With `run --subscriber-side`: what arrived in the subscriber's account. */
  subscriber?: SubscriberReport;
} & RunTotals;

export function rejectedSummary(error: string, cause: string): RunSummary {
  return { status: 'REJECTED', executionArn: null, executionName: null, revisionIds: [], durationMs: null, error, cause, ...emptyTotals() };
}

export function summarize(followed: Followed): RunSummary {
  const { execution, events } = followed;
  const totals = totalsOf(events);
  const start = execution.startDate?.getTime();
  const stop = execution.stopDate?.getTime();
  const published = totals.finalized && !totals.alreadyPublished && totals.revisionId !== null;
  return {
    status: (execution.status ?? 'RUNNING') as RunStatus,
    executionArn: execution.executionArn ?? null,
    executionName: execution.name ?? null,
    ...totals,
    revisionIds: published && totals.revisionId !== null ? [totals.revisionId] : [],
    durationMs: start !== undefined && stop !== undefined ? stop - start : null,
    failedState: execution.status === 'SUCCEEDED' ? null : totals.failedState,
    error: execution.error ?? null,
    cause: readableCause(execution.cause) ?? null,
  };
}

const sizeOf = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 ** 2 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 ** 2).toFixed(1)} MiB`;

/** The summary a person reads at the end of a run. */
export function describeSummary(summary: RunSummary): string {
  const duration = summary.durationMs === null ? '' : ` in ${(summary.durationMs / 1000).toFixed(1)} s`;
  const lines = [`${summary.status}${duration}  (${summary.executionName ?? 'no execution'})`];
  if (summary.revisionId !== null) {
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
