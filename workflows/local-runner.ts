import './promise-with-resolvers';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import { setMaxListeners } from 'node:events';
import { TASK_NAMES, taskEntry, type TaskName } from '../tasks/registry';
import type { AslDefinition, AslState, RunnableAsl } from './asl';
import { sleep } from '../shared/sleep';

/*
 * Runs the synthesized definition with aws-local-stepfunctions. Each Lambda state calls the task's real
 * handler, and answers the way the Lambda integration does: `{ StatusCode, Payload }` on success, and on
 * failure an error whose name is the handler's error name and whose cause is Lambda's JSON error document.
 */

export type TaskHandler = (event: unknown) => Promise<unknown>;
export type TaskHandlers = Readonly<Record<TaskName, TaskHandler>>;

/** Every task's handler module, loaded from the registry's entry paths: the modules infra bundles. */
export function loadTaskHandlers(): TaskHandlers {
  return Object.fromEntries(
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the registry names modules by path
    TASK_NAMES.map((task) => [task, (require(taskEntry(task)) as { handler: TaskHandler }).handler]),
  ) as TaskHandlers;
}

// aws-local-stepfunctions' own types are its JSON types; the runner speaks in plain values.
type LocalDefinition = ConstructorParameters<typeof StateMachine>[0];
type LocalRunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
export type LocalEvent = Awaited<ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never>;

/** What a StartExecution state asks for (the optimized integration's Parameters). */
export interface StartExecutionRequest {
  readonly StateMachineArn: string;
  readonly Name?: string;
  /** An object, or its JSON. */
  readonly Input?: unknown;
}

/** StartExecution's answer, as the integration returns it. */
export interface StartedExecution {
  readonly ExecutionArn: string;
  readonly StartDate: string;
}

export interface LocalExecutionOptions {
  readonly executionName: string;
  /** `$$.Execution.Id`. @default the execution name */
  readonly executionId?: string;
  /** @default now */
  readonly startTime?: Date;
  /**
   * Real milliseconds each second of a Wait state lasts: a time scale, so that the run polls as often as it
   * would on AWS, only faster. @default 0, no wait at all
   */
  readonly waitMsPerSecond?: number;
  /** Milliseconds before each retry instead of the retrier's backoff. @default 0 */
  readonly retryMs?: number;
  /** Starts another execution for a StartExecution state; without it, such a state fails with States.Runtime. */
  readonly startExecution?: (request: StartExecutionRequest) => Promise<StartedExecution>;
  /** Called with each event as it happens, for live progress. */
  readonly onEvent?: (event: LocalEvent) => void;
  /** Aborts the execution, as StopExecution does. */
  readonly signal?: AbortSignal;
}

export interface LocalExecutionResult {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'ABORTED';
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
  readonly events: readonly LocalEvent[];
}

/** Lambda reports a function error as `{ errorType, errorMessage, trace }`; Step Functions puts it in Cause. */
class LambdaFunctionError extends Error {
  constructor(error: unknown) {
    const e = error instanceof Error ? error : new Error(String(error));
    super(JSON.stringify({ errorType: e.name, errorMessage: e.message, trace: e.stack?.split('\n') ?? [] }));
    // The Step Functions error name is the function's error type, whatever class carried it.
    this.name = e.name;
  }
}

function invokeLike(handler: TaskHandler) {
  return async (input: { Payload?: unknown }) => {
    try {
      return { StatusCode: 200, Payload: await handler(input.Payload) };
    } catch (error) {
      throw new LambdaFunctionError(error);
    }
  };
}

const START_EXECUTION_RESOURCE = /^arn:aws:states:::states:startExecution$/;

function startExecutionLike(start: LocalExecutionOptions['startExecution']) {
  return async (request: StartExecutionRequest): Promise<StartedExecution> => {
    if (start === undefined) throw new StatesRuntimeError('This local run cannot start other executions');
    return start(request);
  };
}

/** The names of the states, nested ones included, that match. */
function namesOfStates(definition: AslDefinition, matches: (state: AslState) => boolean): string[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const nested = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].filter((d) => d !== undefined);
    return [...(matches(state) ? [name] : []), ...nested.flatMap((d) => namesOfStates(d, matches))];
  });
}

/** A StartExecution state (REQUEST_RESPONSE only: a run's next part goes on by itself). */
const startsExecution = (state: AslState) => state.Type === 'Task' && START_EXECUTION_RESOURCE.test(state.Resource ?? '');

/** What Step Functions fails an execution with when a Wait's SecondsPath holds no number of seconds. */
class StatesRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'States.Runtime';
  }
}

/** Reads the `$.a.b` SecondsPath the definition uses from the Wait's effective input. */
function secondsAt(path: string, input: unknown): number {
  let value: unknown = input;
  for (const part of path.slice(2).split('.').filter(Boolean)) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new StatesRuntimeError(`The SecondsPath ${path} is ${JSON.stringify(value)}, not a non-negative integer`);
  }
  return value;
}

function secondsOfWait(name: string, state: AslState): (input: unknown) => number {
  const { Seconds: seconds, SecondsPath: path } = state;
  if (typeof seconds === 'number') return () => seconds;
  if (typeof path === 'string' && /^\$(\.[\w-]+)*$/.test(path)) return (input) => secondsAt(path, input);
  throw new Error(`Wait state ${name}: only Seconds and a simple $.a.b SecondsPath can be scaled`);
}

/*
 * aws-local-stepfunctions can only shorten a Wait to a fixed time per state name; it never sees the seconds
 * the input asks for, so a shortened poll loop polls far more often than on AWS. Each Wait becomes a Task
 * whose local handler sleeps the Wait's own seconds on the time scale and returns its input, which keeps
 * the Wait's InputPath and OutputPath semantics; its events are reported as the Wait's again.
 */
const WAIT_AS_TASK_RESOURCE = 'arn:aws:lambda:us-east-1:000000000000:function:scaled-wait';
// The library times every Task out after 60 s unless told; setTimeout cannot count much past 24 days.
const WAIT_AS_TASK_TIMEOUT_SECONDS = 2_000_000;

interface ScaledWaits {
  readonly definition: AslDefinition;
  readonly handlers: Record<string, (input: unknown) => Promise<unknown>>;
}

function scaleWaits(definition: AslDefinition, msPerSecond: number, signal: AbortSignal): ScaledWaits {
  const handlers: ScaledWaits['handlers'] = {};
  const rewrite = (d: AslDefinition): AslDefinition => ({
    ...d,
    States: Object.fromEntries(
      Object.entries(d.States).map(([name, state]) => {
        if (state.Type !== 'Wait') {
          return [
            name,
            {
              ...state,
              ...(state.ItemProcessor === undefined ? {} : { ItemProcessor: rewrite(state.ItemProcessor) }),
              ...(state.Iterator === undefined ? {} : { Iterator: rewrite(state.Iterator) }),
              ...(state.Branches === undefined ? {} : { Branches: state.Branches.map(rewrite) }),
            },
          ];
        }
        const seconds = secondsOfWait(name, state);
        handlers[name] = async (input) => {
          const ms = seconds(input) * msPerSecond;
          // Like the library's own Wait: no timer at all for no wait.
          if (ms > 0) await sleep(ms, signal);
          return input;
        };
        const { Seconds: _seconds, SecondsPath: _path, ...kept } = state;
        return [name, { ...kept, Type: 'Task', Resource: WAIT_AS_TASK_RESOURCE, TimeoutSeconds: WAIT_AS_TASK_TIMEOUT_SECONDS }];
      }),
    ),
  });
  return { definition: rewrite(definition), handlers };
}

export async function runLocalExecution(
  asl: RunnableAsl,
  handlers: TaskHandlers,
  input: unknown,
  options: LocalExecutionOptions,
): Promise<LocalExecutionResult> {
  const stop = new AbortController();
  // Every scaled Wait in progress listens for the stop: one per Map iteration running at once.
  setMaxListeners(Infinity, stop.signal);
  const waits = scaleWaits(asl.definition, options.waitMsPerSecond ?? 0, stop.signal);
  const machine = new StateMachine(waits.definition as unknown as LocalDefinition, {
    validationOptions: { checkArn: false, checkPaths: true },
  });
  type Overrides = NonNullable<LocalRunOptions['overrides']>;
  const taskResourceLocalHandlers = Object.fromEntries([
    ...Object.entries(asl.taskOfState).map(([state, task]) => [state, invokeLike(handlers[task])]),
    ...Object.entries(waits.handlers),
    ...namesOfStates(asl.definition, startsExecution).map((state) => [state, startExecutionLike(options.startExecution)]),
  ]) as unknown as Overrides['taskResourceLocalHandlers'];
  const overrides: Overrides = {
    taskResourceLocalHandlers,
    retryIntervalOverrides: Object.fromEntries(namesOfStates(asl.definition, (state) => Array.isArray(state.Retry)).map((n) => [n, options.retryMs ?? 0])),
  };
  const startTime = (options.startTime ?? new Date()).toISOString();
  const execution = machine.run(input as never, {
    overrides,
    noThrowOnAbort: true,
    context: {
      // aws-local-stepfunctions leaves $$.Execution empty unless it is given.
      Execution: { Id: options.executionId ?? options.executionName, Name: options.executionName, StartTime: startTime, Input: input as never },
    },
  });
  options.signal?.addEventListener(
    'abort',
    () => {
      stop.abort();
      execution.abort();
    },
    { once: true },
  );
  const events: LocalEvent[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
      if ('state' in event && Object.hasOwn(waits.handlers, event.state.name)) event.state.type = 'Wait';
      events.push(event);
      options.onEvent?.(event);
    }
  })();
  try {
    const output = await execution.result;
    await collecting;
    if (options.signal?.aborted === true) return { status: 'ABORTED', events };
    return { status: 'SUCCEEDED', output, events };
  } catch (error) {
    await collecting;
    if (!(error instanceof ExecutionError)) throw error;
    const failure = error.cause as { name?: string; message?: string } | undefined;
    return { status: 'FAILED', error: failure?.name ?? error.name, cause: failure?.message ?? error.message, events };
  }
}
