import * as z from 'zod';
import { ERROR_NAMES } from '../../shared/errors';
import { formatDuration, formatFields, type Notification } from '../../shared/notifications';
import type { NotifiedStatus } from '../../shared/schemas/status-change-event';
import { STATE } from '../../shared/state-names';
import type { FailedState, RunFacts } from './history';

/** What an execution's error and cause say, made readable. */
export interface ReadableFailure {
  /** The error to show: a batch execution's own error when the failure came from one. */
  readonly error?: string;
  readonly cause: string;
  /** The child execution the failure came from, when it came from one. */
  readonly childExecutionArn?: string;
  readonly childStatus?: string;
}

/** Lambda's Cause: the JSON envelope of the error the function threw. */
const LambdaErrorCause = z.object({ errorMessage: z.string() }).loose();

/**
 * The Cause of a `states:startExecution.sync:2` task whose child execution failed (error States.TaskFailed): the
 * child's DescribeExecution output as JSON, with the child's own Error and Cause inside.
 */
const ChildExecutionCause = z
  .object({ ExecutionArn: z.string().min(1), Status: z.string().optional(), Error: z.string().optional(), Cause: z.string().optional() })
  .loose();

const NONE_GIVEN = '(none given)';

/**
 * Lambda's JSON cause is shown as its errorMessage; a failed child execution's as the child's own error and cause
 * (read the same way), naming the child; anything else, JSON or not, as it is.
 */
export function describeCause(error: string | undefined, cause: string | undefined): ReadableFailure {
  if (cause === undefined || cause.trim() === '') return { error, cause: NONE_GIVEN };
  let json: unknown;
  try {
    json = JSON.parse(cause);
    // Stryker disable next-line BlockStatement: with json left undefined, neither schema matches and the cause is returned as it is, as here
  } catch {
    return { error, cause };
  }
  const lambda = LambdaErrorCause.safeParse(json);
  if (lambda.success) return { error, cause: lambda.data.errorMessage };
  const child = ChildExecutionCause.safeParse(json);
  if (!child.success) return { error, cause };
  const { ExecutionArn: childExecutionArn, Status: childStatus } = child.data;
  // A child that timed out or was stopped has no error of its own: keep the parent's, and say how it ended.
  const inner =
    child.data.Error === undefined && child.data.Cause === undefined
      ? { error, cause: `The child execution ended ${childStatus ?? 'without a status'}.` }
      : describeCause(child.data.Error ?? error, child.data.Cause);
  return { ...inner, childExecutionArn, childStatus };
}

/** Everything the notification of one terminal status says. */
export interface TerminalRun {
  readonly status: NotifiedStatus;
  readonly executionArn: string;
  readonly redriveCount: number;
  /** DescribeExecution's; undefined for most timeouts and stops. */
  readonly error?: string;
  readonly cause?: string;
  readonly failedState?: FailedState;
  readonly run: RunFacts;
  readonly startDate: Date;
  readonly stopDate: Date;
}

const STATUS_WORDS: Record<NotifiedStatus, string> = { FAILED: 'failed', TIMED_OUT: 'timed out', ABORTED: 'was stopped' };

/** Why an execution without error or cause ended, in the operator's words. */
const NO_ERROR_CAUSES: Record<NotifiedStatus, string> = {
  FAILED: NONE_GIVEN,
  TIMED_OUT: "The execution timed out (the state machine's TimeoutSeconds).",
  ABORTED: 'The execution was stopped.',
};

function readableFailureOf(run: TerminalRun): ReadableFailure {
  if (run.error === undefined && (run.cause === undefined || run.cause.trim() === '')) return { cause: NO_ERROR_CAUSES[run.status] };
  const readable = describeCause(run.error, run.cause);
  // StopExecution may give an error and cause of its own; say that they came with a stop.
  return run.status === 'ABORTED' ? { ...readable, cause: `The execution was stopped: ${readable.cause}` } : readable;
}

/** The revision went out: only NotifySuccess, the last step, failed. */
export function isNotificationLost(run: Pick<TerminalRun, 'error' | 'failedState'>): boolean {
  return run.failedState?.name === STATE.notifySuccess || run.error === ERROR_NAMES.notificationFailed;
}

function attemptOf(redriveCount: number): string {
  return redriveCount === 0 ? 'first run' : `redrive ${redriveCount}`;
}

function failedStateOf(state: FailedState | undefined): string | undefined {
  if (state === undefined) return undefined;
  return state.batchIndex === undefined ? state.name : `${state.name} (batch index ${state.batchIndex})`;
}

/**
 * The notification of a failed, timed-out or stopped execution: what went wrong, where, for which run, and what
 * to do. When only the success notification was lost, it says first that the revision IS published, so that
 * nobody republishes it, and its `outcome` attribute stays SUCCEEDED for filter policies that route successes.
 */
export function statusChangeNotification(run: TerminalRun): Notification {
  const failure = readableFailureOf(run);
  const runId = run.run.runId ?? 'unknown';
  const fields = formatFields([
    ['Status', run.status],
    ['Error', failure.error],
    ['Cause', failure.cause],
    [run.status === 'FAILED' ? 'Failed state' : 'Stopped in', failedStateOf(run.failedState)],
    ['Batch execution', failure.childExecutionArn && `${failure.childExecutionArn} (${failure.childStatus ?? 'status unknown'})`],
    ['Run', runId],
    ['Execution', run.executionArn],
    ['Attempt', attemptOf(run.redriveCount)],
    ['Data set', run.run.datasetId ?? 'unknown'],
    ['Revision', run.run.revisionId ?? 'none yet'],
    ['Started', run.startDate.toISOString()],
    ['Duration', formatDuration(run.startDate.toISOString(), run.stopDate)],
  ]);
  const redrive = `dx-flow redrive ${run.executionArn}`;
  const word = STATUS_WORDS[run.status];

  if (isNotificationLost(run)) {
    const revision = run.run.revisionId ?? 'unknown';
    return {
      subject: `dx-flow: revision ${revision} IS published; only its notification failed`,
      message: [
        `Revision ${revision} of data set ${run.run.datasetId ?? 'unknown'} IS published (run ${runId}). ` +
          `Only its success notification could not be sent, and the execution ${word}.`,
        fields,
        `Nothing needs republishing. Fix the notification topic, then redrive this execution (${redrive}) to send the success notification.`,
      ].join('\n\n'),
      attributes: { outcome: 'SUCCEEDED', executionStatus: run.status, runId: run.run.runId, datasetId: run.run.datasetId },
    };
  }

  const name = run.run.runId ?? run.executionArn.slice(run.executionArn.lastIndexOf(':') + 1);
  const error = run.status === 'FAILED' && failure.error !== undefined ? `: ${failure.error}` : '';
  return {
    subject: `dx-flow: run ${name} ${word}${error}`,
    message: [
      `dx-flow run ${name} ${word}.`,
      fields,
      `Fix the cause, then redrive this execution (${redrive}), or start a new run with the same runId.`,
    ].join('\n\n'),
    attributes: { outcome: run.status, runId: run.run.runId, datasetId: run.run.datasetId },
  };
}
