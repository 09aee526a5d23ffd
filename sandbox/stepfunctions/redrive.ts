import { type AslDefinition, valueAtPath } from '../../workflows/asl';
import type { ResumePoint } from '../../workflows/local-runner';
import type { ExecutionRecord } from './executions';
import type { WireHistoryEvent } from './history';

/*
 * RedriveExecution's rules, as the API reference states them
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html): an execution that
 * did not succeed, ended within the last 14 days, whose history is under 24,999 events, goes on "from the
 * unsuccessful step" with that step's input; an inline Map redrives "only the iterations ... that failed or
 * aborted". The refusal reasons are DescribeExecution's redriveStatusReason wordings
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeExecution.html).
 */

/** Redrive is refused once the history has this many events: the redrive itself must fit under 25,000. */
export const REDRIVE_HISTORY_LIMIT = 24_999;
const REDRIVABLE_PERIOD_MS = 14 * 24 * 3600 * 1000;

/** Why the execution cannot be redriven now, in AWS's words; undefined when it can. */
export function redriveRefusal(record: Pick<ExecutionRecord, 'status' | 'stopDate' | 'events'>, now = Date.now()): string | undefined {
  if (record.status === 'RUNNING') return 'Execution is RUNNING and cannot be redriven';
  if (record.status === 'SUCCEEDED') return 'Execution is SUCCEEDED and cannot be redriven';
  if (record.events.length >= REDRIVE_HISTORY_LIMIT) return 'Execution history event limit exceeded';
  if (record.stopDate !== undefined && now - record.stopDate > REDRIVABLE_PERIOD_MS) return 'Execution redrivable period exceeded';
  return undefined;
}

const detailsOf = (event: WireHistoryEvent, key: string) => event[key] as { name?: string; input?: string; output?: string; index?: number } | undefined;
const parse = (json: string | undefined): unknown => (json === undefined ? undefined : JSON.parse(json));

/**
 * Where a redrive goes on: the last top-level state entered and not exited, with the input it was entered with.
 * When the execution stopped between two states, the next one, with the last one's output. For a Map, the items
 * no iteration of the history has succeeded for (a Map no loop re-enters, as in the publish workflow).
 */
export function resumePoint(definition: AslDefinition, record: Pick<ExecutionRecord, 'input' | 'events'>): ResumePoint {
  const topLevel = record.events.filter((event) => {
    const name = detailsOf(event, 'stateEnteredEventDetails')?.name ?? detailsOf(event, 'stateExitedEventDetails')?.name;
    return name !== undefined && Object.hasOwn(definition.States, name);
  });
  const last = topLevel.at(-1);
  if (last === undefined) return { stateName: definition.StartAt, input: parse(record.input) };
  const entered = detailsOf(last, 'stateEnteredEventDetails');
  if (entered?.name === undefined) {
    const exited = detailsOf(last, 'stateExitedEventDetails');
    const next = definition.States[exited?.name ?? '']?.Next;
    if (typeof next !== 'string') throw new Error(`The execution ended after ${exited?.name}, which has no next state to redrive`);
    return { stateName: next, input: parse(exited?.output) };
  }
  const state = definition.States[entered.name];
  const input = parse(entered.input);
  if (state.Type !== 'Map') return { stateName: entered.name, input };
  const items = valueAtPath(typeof state.ItemsPath === 'string' ? state.ItemsPath : '$', input);
  const succeeded = new Set(
    record.events
      .filter((event) => event.type === 'MapIterationSucceeded')
      .map((event) => detailsOf(event, 'mapIterationSucceededEventDetails'))
      .filter((details) => details?.name === entered.name)
      .map((details) => details?.index),
  );
  const count = Array.isArray(items) ? items.length : 0;
  return { stateName: entered.name, input, mapItemIndices: [...Array(count).keys()].filter((index) => !succeeded.has(index)) };
}
