import type { HistoryEvent } from '@aws-sdk/client-sfn';

/*
 * What happened to each state of an execution, read from its history alone, as the Step Functions console
 * colours its graph: the last attempt of a state decides its colour, so a state that failed and then ran again
 * after a redrive shows the redrive's outcome.
 */

export const STATE_STATUSES = ['succeeded', 'failed', 'caught', 'running', 'aborted', 'notReached'] as const;
export type StateStatus = (typeof STATE_STATUSES)[number];

/** One state's latest attempt, by its name in the definition. */
export interface StateRun {
  readonly name: string;
  readonly status: Exclude<StateStatus, 'notReached'>;
  /** How often the state was entered: more than once inside a Map, in a loop, or after a redrive. */
  readonly entered: number;
  readonly input?: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  /** For a Map state: its iterations of the latest attempt, by outcome. */
  readonly iterations?: { readonly started: number; readonly succeeded: number; readonly failed: number; readonly aborted: number };
}

type MutableRun = { -readonly [K in keyof StateRun]: StateRun[K] } & { failedHere: boolean };

/** The details object of an event (`stateEnteredEventDetails`, `taskFailedEventDetails`, ...): each event has at most one. */
function detailsOf(event: HistoryEvent): { error?: string; cause?: string; name?: string; input?: string; output?: string } {
  const details = Object.entries(event).find(([key]) => key.endsWith('EventDetails'))?.[1] as Record<string, string> | undefined;
  return details ?? {};
}

const TERMINAL_OF_EXECUTION: Readonly<Record<string, StateRun['status']>> = {
  ExecutionFailed: 'failed',
  ExecutionTimedOut: 'failed',
  ExecutionAborted: 'aborted',
};

const ITERATION_OUTCOMES = { MapIterationStarted: 'started', MapIterationSucceeded: 'succeeded', MapIterationFailed: 'failed', MapIterationAborted: 'aborted' } as const;

/**
 * Each state entered so far, in the order first entered. A failure event (TaskFailed, LambdaFunctionFailed,
 * MapStateFailed, ...) belongs to the state whose StateEntered event its `previousEventId` chain reaches
 * first, as HistoryEvent documents that field ("the id of the previous event":
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html). A state that failed
 * and still exited was caught by a Catch; one still open when the execution failed is the failing state.
 */
export function stateRuns(events: readonly HistoryEvent[]): StateRun[] {
  const runs = new Map<string, MutableRun>();
  const byId = new Map<number, HistoryEvent>();
  const openMaps: MutableRun[] = [];
  const ownerOf = (event: HistoryEvent): MutableRun | undefined => {
    for (let at = byId.get(event.previousEventId ?? 0); at !== undefined; at = byId.get(at.previousEventId ?? 0)) {
      if (at.type?.endsWith('StateEntered') === true) return runs.get(detailsOf(at).name ?? '');
    }
    return undefined;
  };
  for (const event of events) {
    if (event.id !== undefined) byId.set(event.id, event);
    const type = event.type ?? '';
    const details = detailsOf(event);
    if (type.endsWith('StateEntered') && details.name !== undefined) {
      const earlier = runs.get(details.name);
      const run: MutableRun = { name: details.name, status: 'running', entered: (earlier?.entered ?? 0) + 1, input: details.input, failedHere: false };
      runs.set(details.name, run);
      if (type === 'MapStateEntered') {
        run.iterations = { started: 0, succeeded: 0, failed: 0, aborted: 0 };
        openMaps.push(run);
      }
    } else if (type.endsWith('StateExited') && details.name !== undefined) {
      const run = runs.get(details.name);
      if (run === undefined) continue;
      Object.assign(run, { status: run.failedHere ? 'caught' : 'succeeded', output: details.output });
      if (type === 'MapStateExited') openMaps.splice(openMaps.indexOf(run), 1);
    } else if (type in ITERATION_OUTCOMES) {
      // Iterations name no state: they belong to the innermost Map still running.
      const map = openMaps.at(-1);
      const outcome = ITERATION_OUTCOMES[type as keyof typeof ITERATION_OUTCOMES];
      if (map?.iterations !== undefined) map.iterations = { ...map.iterations, [outcome]: map.iterations[outcome] + 1 };
    } else if (type in TERMINAL_OF_EXECUTION) {
      for (const run of runs.values()) {
        if (run.status !== 'running') continue;
        run.status = TERMINAL_OF_EXECUTION[type];
        // A state that failed without a failure event of its own (a Fail state) carries the execution's error.
        if (run.error === undefined && details.error !== undefined) Object.assign(run, { error: details.error, cause: details.cause });
      }
      openMaps.length = 0;
    } else if (type.endsWith('Scheduled')) {
      // A retrier ran the task again: an earlier failure no longer decides how the state ends.
      const owner = ownerOf(event);
      if (owner !== undefined) owner.failedHere = false;
    } else if (details.error !== undefined) {
      const owner = ownerOf(event);
      if (owner !== undefined) Object.assign(owner, { error: details.error, cause: details.cause, failedHere: true });
    }
  }
  return [...runs.values()].map(({ failedHere: _, ...run }) => run);
}
