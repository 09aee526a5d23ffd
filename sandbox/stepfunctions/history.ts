import { type AslDefinition, type AslState, valueAtPath } from '../../workflows/asl';
import type { LocalEvent } from '../../workflows/local-runner';

/*
 * Translates aws-local-stepfunctions' event log into Step Functions' own history events, in the JSON shape
 * GetExecutionHistory returns, so that a client written for AWS reads the sandbox's history unchanged.
 */

/** A history event as it goes over the wire: timestamps are epoch seconds. */
export interface WireHistoryEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly [details: string]: unknown;
}

/** A Task's integration as its events name it: `arn:aws:states:::lambda:invoke` is `lambda`, `invoke`. */
function integrationOf(state: AslState | undefined): { resourceType: string; resource: string } {
  const match = /^arn:aws:states:::([^:]+):(.+)$/.exec(state?.Resource ?? '');
  return match === null ? { resourceType: 'lambda', resource: 'invoke' } : { resourceType: match[1], resource: match[2] };
}

/**
 * The event as GetExecutionHistory answers with `includeExecutionData: false`: "execution data (input or output
 * of a history event)" left out (https://docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html).
 * The details' HistoryEventExecutionDataDetails has no flag to say so, only `truncated`, which stays as it was
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEventExecutionDataDetails.html).
 */
export function withoutExecutionData(event: WireHistoryEvent): WireHistoryEvent {
  const details = Object.entries(event).map(([name, value]) => {
    if (!name.endsWith('EventDetails') || typeof value !== 'object' || value === null) return [name, value];
    const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
    return [name, rest];
  });
  return Object.fromEntries(details) as WireHistoryEvent;
}

const json = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value));
const text = (value: unknown) => (typeof value === 'string' ? value : json(value));

function statesByName(definition: AslDefinition, into = new Map<string, AslState>()): Map<string, AslState> {
  for (const [name, state] of Object.entries(definition.States)) {
    into.set(name, state);
    for (const nested of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]) {
      if (nested !== undefined) statesByName(nested, into);
    }
  }
  return into;
}

/** Evaluates the simple `$.a.b` ItemsPath the definition uses, to report a Map's item count. */
function itemCount(state: AslState | undefined, input: unknown): number {
  const value = valueAtPath(typeof state?.ItemsPath === 'string' ? state.ItemsPath : '$', input);
  return Array.isArray(value) ? value.length : 0;
}

export class HistoryRecorder {
  readonly events: WireHistoryEvent[] = [];
  private readonly states: Map<string, AslState>;

  constructor(
    definition: AslDefinition,
    private readonly region: string,
  ) {
    this.states = statesByName(definition);
  }

  append(type: string, details: Record<string, unknown> = {}, at = Date.now()): void {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: id - 1, timestamp: at / 1000, type, ...details });
  }

  private taskAttempt(name: string, input: unknown, at: number): void {
    const state = this.states.get(name);
    const integration = integrationOf(state);
    const parameters = state?.Resource === undefined ? undefined : json(input);
    this.append('TaskScheduled', { taskScheduledEventDetails: { ...integration, region: this.region, parameters } }, at);
    this.append('TaskStarted', { taskStartedEventDetails: integration }, at);
    // A `.sync` integration also records that the job (here, the execution it started) was submitted.
    if (integration.resource.includes('.sync')) this.append('TaskSubmitted', { taskSubmittedEventDetails: integration }, at);
  }

  /** Records one event of the local run as the Step Functions events it stands for. */
  record(event: LocalEvent): void {
    const at = event.timestamp;
    switch (event.type) {
      case 'ExecutionStarted':
        return; // the service records ExecutionStarted itself, at StartExecution
      case 'StateEntered': {
        const { name, type, input } = event.state;
        this.append(`${type}StateEntered`, { stateEnteredEventDetails: { name, input: json(input) } }, at);
        if (type === 'Task') this.taskAttempt(name, input, at);
        if (type === 'Map') this.append('MapStateStarted', { mapStateStartedEventDetails: { length: itemCount(this.states.get(name), input) } }, at);
        return;
      }
      case 'StateExited': {
        const { name, type, output } = event.state;
        if (type === 'Task') this.append('TaskSucceeded', { taskSucceededEventDetails: { ...integrationOf(this.states.get(name)), output: json(output) } }, at);
        if (type === 'Map') this.append('MapStateSucceeded', {}, at);
        this.append(`${type}StateExited`, { stateExitedEventDetails: { name, output: json(output) } }, at);
        return;
      }
      case 'StateFailed':
        if (event.state.type === 'Task') {
          this.append('TaskFailed', { taskFailedEventDetails: { ...integrationOf(this.states.get(event.state.name)), error: event.Error, cause: text(event.Cause) } }, at);
        }
        if (event.state.type === 'Map') this.append('MapStateFailed', {}, at);
        return;
      case 'StateRetried':
        if (event.state.type === 'Task') this.taskAttempt(event.state.name, event.state.input, at);
        return;
      case 'StateCaught':
        return; // AWS records the catch as the failure followed by the next state's entry
      case 'MapIterationStarted':
      case 'MapIterationSucceeded':
      case 'MapIterationFailed': {
        const key = `${event.type[0].toLowerCase()}${event.type.slice(1)}EventDetails`;
        this.append(event.type, { [key]: { name: event.parentState.name, index: event.index } }, at);
        return;
      }
      case 'ExecutionSucceeded':
        this.append('ExecutionSucceeded', { executionSucceededEventDetails: { output: json(event.output) } }, at);
        return;
      case 'ExecutionFailed':
        this.append('ExecutionFailed', { executionFailedEventDetails: { error: event.Error, cause: text(event.Cause) } }, at);
        return;
      case 'ExecutionAborted':
        this.append('ExecutionAborted', { executionAbortedEventDetails: {} }, at);
        return;
      case 'ExecutionTimeout':
        this.append('ExecutionTimedOut', { executionTimedOutEventDetails: { error: 'States.Timeout' } }, at);
        return;
      default:
        return; // Parallel branches: the publish workflow has none
    }
  }
}
