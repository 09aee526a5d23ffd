import type { HistoryEvent } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { DataSetId, RevisionId, RunId } from '../../shared/schemas/fields';
import { STATE } from '../../shared/state-names';

/*
 * Reads where a run stopped, and which run it was, out of its execution history. Every function here takes the
 * events newest first, as GetExecutionHistory answers with `reverseOrder: true`.
 */

/** Where the latest attempt stopped: the state entered last and never exited. */
export interface FailedState {
  readonly name: string;
  /** The batch's index, when the state is ImportBatch inside the Map and its input says it. */
  readonly batchIndex?: number;
  /** The state's input, as Step Functions recorded it (JSON text). */
  readonly input?: string;
}

export interface RunFacts {
  readonly runId?: string;
  readonly datasetId?: string;
  readonly revisionId?: string;
}

/** Each field on its own: one unreadable field must not hide the others. */
function tolerant<S extends z.ZodType>(schema: S) {
  return schema.optional().catch(undefined);
}

/**
 * What a state's JSON may say about the run: the plan and revision once PlanRevision and CreateRevision ran, the
 * flat fields of a batch's input, or the raw workflow input (a continued part names its run in `continueRun`).
 */
const StateFacts = z.object({
  runId: tolerant(RunId),
  datasetId: tolerant(DataSetId),
  revisionId: tolerant(RevisionId),
  plan: tolerant(z.object({ runId: tolerant(RunId), datasetId: tolerant(DataSetId) })),
  revision: tolerant(z.object({ revisionId: tolerant(RevisionId) })),
  continueRun: tolerant(z.object({ runId: tolerant(RunId) })),
  batch: tolerant(z.object({ index: tolerant(z.number().int().min(0)) })),
});
type StateFacts = z.infer<typeof StateFacts>;

function parseJson(text: string | undefined | null): unknown {
  // Stryker disable next-line ConditionalExpression,LogicalOperator: JSON.parse throws on undefined (caught below) and parses null to null, which StateFacts refuses like undefined
  if (text === undefined || text === null) return undefined;
  try {
    return JSON.parse(text);
    // Stryker disable next-line BlockStatement: an empty catch falls through to the same undefined
  } catch {
    return undefined;
  }
}

function stateFactsOf(text: string | undefined | null): StateFacts {
  const parsed = StateFacts.safeParse(parseJson(text));
  return parsed.success ? parsed.data : {};
}

export function runFactsOf(text: string | undefined | null): RunFacts {
  const facts = stateFactsOf(text);
  return {
    runId: facts.plan?.runId ?? facts.continueRun?.runId ?? facts.runId,
    datasetId: facts.plan?.datasetId ?? facts.datasetId,
    revisionId: facts.revision?.revisionId ?? facts.revisionId,
  };
}

/** Each field from the first source that has it. */
function mergeFacts(sources: readonly RunFacts[]): RunFacts {
  return {
    runId: sources.find((facts) => facts.runId !== undefined)?.runId,
    datasetId: sources.find((facts) => facts.datasetId !== undefined)?.datasetId,
    revisionId: sources.find((facts) => facts.revisionId !== undefined)?.revisionId,
  };
}

/**
 * The events of the latest attempt: a redrive appends ExecutionRedriven and then the new attempt's events to the
 * same history, so in newest-first order the latest attempt ends at the first ExecutionRedriven.
 */
export function latestAttemptOf(newestFirst: readonly HistoryEvent[]): readonly HistoryEvent[] {
  const redriven = newestFirst.findIndex((event) => event.type === 'ExecutionRedriven');
  return redriven < 0 ? newestFirst : newestFirst.slice(0, redriven);
}

// The events that end a task's attempt with an error; each follows, through previousEventId, its state's entry.
const TASK_FAILURE_TYPES = new Set<string>([
  'TaskFailed',
  'TaskTimedOut',
  'TaskStartFailed',
  'TaskSubmitFailed',
  'LambdaFunctionFailed',
  'LambdaFunctionTimedOut',
  'LambdaFunctionStartFailed',
  'LambdaFunctionScheduleFailed',
  'ActivityFailed',
  'ActivityTimedOut',
  'ActivityScheduleFailed',
]);

// A task's events from its entry to its failure: a few per attempt, and the retriers allow a handful of attempts.
const MAX_HOPS_TO_ENTRY = 100;

/** The `*StateEntered` event a task event belongs to, following previousEventId; undefined if the chain breaks. */
function entryOf(event: HistoryEvent, byId: ReadonlyMap<number, HistoryEvent>): HistoryEvent | undefined {
  let current: HistoryEvent | undefined = event;
  for (let hops = 0; current !== undefined && hops < MAX_HOPS_TO_ENTRY; hops += 1) {
    if (current.stateEnteredEventDetails !== undefined) return current;
    // Walked out of the task into another state's events: the chain is not the task's own.
    if (current.stateExitedEventDetails !== undefined) return undefined;
    // Stryker disable next-line ConditionalExpression: byId has no undefined key, so get(undefined) is undefined too
    current = current.previousEventId === undefined ? undefined : byId.get(current.previousEventId);
  }
  return undefined;
}

/**
 * The state where the latest attempt stopped: the most recent `*StateEntered` without a later `*StateExited` of
 * the same name. When the Map fails, its other iterations are aborted mid-state and are open too; so an open
 * entry that the attempt's last task failure leads back to wins over one that merely started later.
 */
export function findFailedState(newestFirst: readonly HistoryEvent[]): FailedState | undefined {
  const attempt = latestAttemptOf(newestFirst);
  const exitsToMatch = new Map<string, number>();
  const open: HistoryEvent[] = [];
  for (const event of attempt) {
    const exited = event.stateExitedEventDetails?.name;
    if (exited !== undefined) {
      exitsToMatch.set(exited, (exitsToMatch.get(exited) ?? 0) + 1);
      continue;
    }
    const entered = event.stateEnteredEventDetails?.name;
    if (entered === undefined) continue;
    const pending = exitsToMatch.get(entered) ?? 0;
    if (pending > 0) exitsToMatch.set(entered, pending - 1);
    else open.push(event);
  }
  if (open.length === 0) return undefined;

  // Stryker disable next-line MethodExpression,ConditionalExpression: an event without an id would sit under the undefined key, which no lookup uses
  const byId = new Map(attempt.filter((event) => event.id !== undefined).map((event) => [event.id as number, event]));
  const lastFailure = attempt.find((event) => event.type !== undefined && TASK_FAILURE_TYPES.has(event.type));
  // Stryker disable next-line ConditionalExpression: entryOf(undefined) is undefined as well
  const failedEntry = lastFailure === undefined ? undefined : entryOf(lastFailure, byId);
  const stopped = failedEntry !== undefined && open.includes(failedEntry) ? failedEntry : open[0];

  const details = stopped.stateEnteredEventDetails;
  // Stryker disable next-line OptionalChaining,StringLiteral: every open event has stateEnteredEventDetails with a name (it was pushed for it)
  const name = details?.name ?? 'unknown';
  const batchIndex = name === STATE.importBatch ? stateFactsOf(details?.input).batch?.index : undefined;
  // Stryker disable next-line OptionalChaining: details is defined, as above
  return { name, batchIndex, input: details?.input };
}

function latestExitOf(newestFirst: readonly HistoryEvent[], state: string): string | undefined {
  // Stryker disable next-line OptionalChaining: the event found has stateExitedEventDetails, since its name matched
  return newestFirst.find((event) => event.stateExitedEventDetails?.name === state)?.stateExitedEventDetails?.output;
}

function latestEntryOf(newestFirst: readonly HistoryEvent[], state: string): string | undefined {
  // Stryker disable next-line OptionalChaining: the event found has stateEnteredEventDetails, since its name matched
  return newestFirst.find((event) => event.stateEnteredEventDetails?.name === state)?.stateEnteredEventDetails?.input;
}

/**
 * The run an execution was publishing. PlanRevision's output (the whole state, with `plan`) and CreateRevision's
 * (with `revision`) come first, from any attempt: a redrive resumes after them. Then NotifySuccess's input, which
 * holds both; then the failed state's own input; then the execution input, which names the run before any state
 * ran.
 */
export function findRun(newestFirst: readonly HistoryEvent[], executionInput: string | undefined, failed?: FailedState): RunFacts {
  return mergeFacts([
    runFactsOf(latestExitOf(newestFirst, STATE.planRevision)),
    runFactsOf(latestExitOf(newestFirst, STATE.createRevision)),
    runFactsOf(latestEntryOf(newestFirst, STATE.notifySuccess)),
    runFactsOf(failed?.input),
    runFactsOf(executionInput),
  ]);
}

/**
 * Whether the events read so far answer every question: the whole latest attempt (back to ExecutionRedriven or
 * ExecutionStarted), and the outputs of PlanRevision and CreateRevision. Reading older pages could add nothing.
 */
export function hasWhatItNeeds(newestFirst: readonly HistoryEvent[]): boolean {
  const attemptComplete = newestFirst.some((event) => event.type === 'ExecutionRedriven' || event.type === 'ExecutionStarted');
  return (
    attemptComplete &&
    latestExitOf(newestFirst, STATE.planRevision) !== undefined &&
    latestExitOf(newestFirst, STATE.createRevision) !== undefined
  );
}
