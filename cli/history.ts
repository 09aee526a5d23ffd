import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { DataGrantReport } from '../shared/schemas/payloads';
import { STATE } from '../shared/state-names';

/*
 * Reads a run out of its Step Functions history: the progress line of each event worth a line, and the
 * totals of the summary. The same code reads a sandbox history and an AWS one.
 */

const parse = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const field = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((at, key) => (typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined), value);

/** The error message inside Lambda's `{ errorType, errorMessage }` cause, or the cause as it is. */
export function readableCause(cause: string | undefined): string | undefined {
  const message = field(parse(cause), 'errorMessage');
  return typeof message === 'string' ? message : cause;
}

/**
 * The error that failed the run. When a batch's execution failed, the publish execution fails with the
 * `.sync` integration's error and the batch execution's DescribeExecution answer as the cause: the batch's own
 * error and cause are in it, and are what happened.
 */
export function originalFailure(error: string | undefined, cause: string | undefined): { error?: string; cause?: string } {
  const inner = parse(cause);
  const innerError = field(inner, 'Error');
  if (typeof innerError !== 'string') return { error, cause: readableCause(cause) };
  const innerCause = field(inner, 'Cause');
  return { error: innerError, cause: readableCause(typeof innerCause === 'string' ? innerCause : undefined) };
}

export interface ProgressLine {
  readonly state: string;
  readonly detail: string;
}

/** Follows a history event by event, remembering what it needs to describe the next ones. */
export class ProgressReader {
  /** Each event's state entry: the id of the `*StateEntered` event it belongs to. */
  private readonly entryOfEvent = new Map<number, number>();
  private readonly nameOfEntry = new Map<number, string>();
  // Kept per entry, not per name: concurrent Map iterations interleave the events of one state's entries.
  private readonly attempts = new Map<number, number>();
  private readonly lastError = new Map<number, string>();
  private batchCount = 0;

  /** The line for one event, or undefined when the event is not worth one. */
  lineFor(event: HistoryEvent): ProgressLine | undefined {
    const entered = event.stateEnteredEventDetails;
    if (entered?.name !== undefined && event.id !== undefined) {
      this.entryOfEvent.set(event.id, event.id);
      this.nameOfEntry.set(event.id, entered.name);
      return { state: entered.name, detail: this.enteredDetail(entered.name, parse(entered.input)) };
    }
    const exited = event.stateExitedEventDetails;
    if (exited?.name === STATE.importBatch) {
      const output = parse(exited.output);
      const job = field(output, 'status', 'state');
      return typeof job === 'string' ? { state: exited.name, detail: `${this.batchOf(output)} job ${job}`.trim() } : undefined;
    }
    const entry = this.entryOf(event);
    const state = entry === undefined ? undefined : this.nameOfEntry.get(entry);
    switch (event.type) {
      case 'MapStateStarted':
        this.batchCount = event.mapStateStartedEventDetails?.length ?? 0;
        return undefined;
      case 'TaskFailed': {
        if (entry !== undefined) this.lastError.set(entry, event.taskFailedEventDetails?.error ?? 'an error');
        return undefined;
      }
      case 'TaskScheduled': {
        if (entry === undefined || state === undefined) return undefined;
        const attempt = (this.attempts.get(entry) ?? 0) + 1;
        this.attempts.set(entry, attempt);
        return attempt > 1 ? { state, detail: `retry ${attempt - 1} after ${this.lastError.get(entry) ?? 'an error'}` } : undefined;
      }
      case 'ExecutionFailed': {
        // A failed batch fails the run with States.TaskFailed: the line names the batch's own error, as the summary does.
        const failed = event.executionFailedEventDetails;
        return { state: 'Execution', detail: `failed: ${originalFailure(failed?.error, failed?.cause).error ?? ''}` };
      }
      default:
        return undefined;
    }
  }

  /** The state an event belongs to. */
  stateOf(event: HistoryEvent): string | undefined {
    const entry = this.entryOf(event);
    return entry === undefined ? undefined : this.nameOfEntry.get(entry);
  }

  private entryOf(event: HistoryEvent): number | undefined {
    // Task events follow their state's entry; walking back the previous ids finds it.
    let id = event.previousEventId;
    for (let hops = 0; id !== undefined && hops < 10_000; hops += 1) {
      const entry = this.entryOfEvent.get(id);
      if (entry !== undefined) {
        if (event.id !== undefined) this.entryOfEvent.set(event.id, entry);
        return entry;
      }
      id -= 1;
    }
    return undefined;
  }

  /** `batch 2/3` when a state's input or output belongs to a batch, else ''. */
  private batchOf(payload: unknown): string {
    const batch = field(payload, 'batch', 'index') ?? field(payload, 'status', 'batchIndex');
    return typeof batch === 'number' && this.batchCount > 0 ? `batch ${batch + 1}/${this.batchCount}` : '';
  }

  private enteredDetail(state: string, input: unknown): string {
    const batch = this.batchOf(input);
    if (batch !== '') return batch;
    if (state === STATE.importBatches) {
      const batches = field(input, 'plan', 'part', 'batches');
      const part = field(input, 'plan', 'part', 'index');
      const parts = field(input, 'plan', 'partCount');
      if (!Array.isArray(batches)) return '';
      const count = `${batches.length} batch${batches.length === 1 ? '' : 'es'}`;
      return typeof part === 'number' && typeof parts === 'number' && parts > 1 ? `part ${part + 1}/${parts}, ${count}` : count;
    }
    return '';
  }
}

export interface RunTotals {
  runId: string | null;
  datasetId: string | null;
  revisionId: string | null;
  finalized: boolean;
  alreadyPublished: boolean;
  assetCount: number;
  bytes: number;
  importJobs: number;
  stateTransitions: number;
  notifications: number;
  dataGrants: DataGrantReport[];
  failedState: string | null;
  /** The state entered last: where a running execution is. */
  lastState: string | null;
  /** The execution that publishes the run's next part, when this one started it. */
  nextExecutionArn: string | null;
}

/** Totals before anything happened: also the figures of a run that was rejected before it started. */
export function emptyTotals(): RunTotals {
  return {
    runId: null,
    datasetId: null,
    revisionId: null,
    finalized: false,
    alreadyPublished: false,
    assetCount: 0,
    bytes: 0,
    importJobs: 0,
    stateTransitions: 0,
    notifications: 0,
    dataGrants: [],
    failedState: null,
    lastState: null,
    nextExecutionArn: null,
  };
}

/** The summary's figures, from the whole history. */
export function totalsOf(events: readonly HistoryEvent[]): RunTotals {
  const totals = emptyTotals();
  const reader = new ProgressReader();
  let lastFailedState: string | null = null;
  for (const event of events) {
    reader.lineFor(event);
    if (event.type?.endsWith('StateEntered') === true) totals.stateTransitions += 1;
    // A redrive goes on from the failed state: until it fails again, nothing has failed.
    if (event.type === 'ExecutionRedriven') lastFailedState = null;
    const entered = event.stateEnteredEventDetails?.name;
    if (entered !== undefined) totals.lastState = entered;
    const exited = event.stateExitedEventDetails;
    if (exited === undefined) {
      if (event.type === 'TaskFailed' || event.type === 'TaskTimedOut') lastFailedState = reader.stateOf(event) ?? lastFailedState;
      continue;
    }
    const output = parse(exited.output);
    switch (exited.name) {
      case STATE.planRevision:
        totals.runId = String(field(output, 'plan', 'runId') ?? '') || null;
        totals.datasetId = String(field(output, 'plan', 'datasetId') ?? '') || null;
        totals.assetCount = Number(field(output, 'plan', 'assetCount') ?? 0);
        totals.bytes = Number(field(output, 'plan', 'totalBytes') ?? 0);
        break;
      case STATE.createRevision:
        totals.revisionId = String(field(output, 'revision', 'revisionId') ?? '') || null;
        totals.alreadyPublished = field(output, 'revision', 'alreadyFinalized') === true;
        totals.finalized = totals.alreadyPublished;
        break;
      case STATE.importBatch:
        if (typeof field(output, 'status', 'jobId') === 'string') totals.importJobs += 1;
        break;
      case STATE.finalizeRevision:
        totals.finalized = field(output, 'finalized', 'finalized') === true;
        break;
      case STATE.startNextPart:
        totals.nextExecutionArn = String(field(output, 'nextPart', 'executionArn') ?? '') || null;
        break;
      case STATE.shareWithSubscribers:
        totals.dataGrants = (field(output, 'sharing', 'dataGrants') as DataGrantReport[] | undefined) ?? [];
        break;
      // A failed run's notification comes from its status change, outside the history.
      case STATE.notifySuccess:
        totals.notifications += 1;
        break;
      default:
        break;
    }
  }
  totals.failedState = lastFailedState;
  return totals;
}
