import './promise-with-resolvers';
import { ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import { setMaxListeners } from 'node:events';
import { TASK_NAMES, taskEntry, type TaskName } from '../tasks/registry';
import { type AslDefinition, type AslState, type RunnableAsl, START_EXECUTION_RESOURCE, valueAtPath } from './asl';
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

/**
 * How a started execution ended, as DescribeExecution says it: what a `.sync:2` state waits for. With `.sync:2`
 * the state's result is this, with Output as JSON rather than a string.
 */
export interface EndedExecution {
  readonly ExecutionArn: string;
  readonly StateMachineArn: string;
  readonly Name: string;
  readonly Status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly StartDate: string;
  readonly StopDate: string;
  readonly Input: string;
  readonly Output?: string;
  readonly Error?: string;
  readonly Cause?: string;
}

/** Where a redrive resumes: the state that did not finish, with the input it was entered with. */
export interface ResumePoint {
  readonly stateName: string;
  readonly input: unknown;
  /** When that state is a Map: the indices of its items that did not succeed, the only ones that run again. */
  readonly mapItemIndices?: readonly number[];
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
  /** `$$.Execution.RedriveCount`: how many times the execution was redriven. @default 0 */
  readonly redriveCount?: number;
  /** A redrive: run from this state instead of StartAt. */
  readonly resumeAt?: ResumePoint;
  /** Real milliseconds before the execution times out, instead of the definition's TimeoutSeconds. */
  readonly timeoutMs?: number;
  /** Starts another execution for a StartExecution state; without it, such a state fails with States.Runtime. */
  readonly startExecution?: (request: StartExecutionRequest) => Promise<StartedExecution>;
  /**
   * Starts another execution and resolves once it has ended, for a `.sync:2` StartExecution state; the signal
   * aborts when this execution stops, as AWS then stops the execution it waits for.
   */
  readonly runExecution?: (request: StartExecutionRequest, signal: AbortSignal) => Promise<EndedExecution>;
  /** Called with each event as it happens, for live progress. */
  readonly onEvent?: (event: LocalEvent) => void;
  /** Aborts the execution, as StopExecution does. */
  readonly signal?: AbortSignal;
}

export interface LocalExecutionResult {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
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

function startExecutionLike(start: LocalExecutionOptions['startExecution']) {
  return async (request: StartExecutionRequest): Promise<StartedExecution> => {
    if (start === undefined) throw new StatesRuntimeError('This local run cannot start other executions');
    return start(request);
  };
}

/**
 * A `.sync:2` state's failure when the execution it ran did not succeed. AWS documents no error name for it;
 * the sandbox assumes the one AWS uses for a `.sync` job that fails, States.TaskFailed, with DescribeExecution's
 * answer as the cause, so that readers take the child's own Error and Cause from it either way.
 */
class ChildExecutionError extends Error {
  constructor(ended: EndedExecution) {
    super(JSON.stringify(ended));
    this.name = 'States.TaskFailed';
  }
}

function runExecutionLike(run: LocalExecutionOptions['runExecution'], signal: AbortSignal) {
  return async (request: StartExecutionRequest): Promise<unknown> => {
    if (run === undefined) throw new StatesRuntimeError('This local run cannot start other executions');
    const ended = await run(request, signal);
    if (ended.Status !== 'SUCCEEDED') throw new ChildExecutionError(ended);
    return { ...ended, Output: ended.Output === undefined ? undefined : (JSON.parse(ended.Output) as unknown) };
  };
}

/** The names of the states, nested ones included, that match. */
function namesOfStates(definition: AslDefinition, matches: (state: AslState) => boolean): string[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const nested = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].filter((d) => d !== undefined);
    return [...(matches(state) ? [name] : []), ...nested.flatMap((d) => namesOfStates(d, matches))];
  });
}

const startExecutionPattern = (state: AslState) =>
  state.Type === 'Task' && START_EXECUTION_RESOURCE.test(state.Resource ?? '') ? (state.Resource ?? '') : undefined;
/** A StartExecution state that only starts the execution (a run's next part goes on by itself). */
const startsExecution = (state: AslState) => startExecutionPattern(state)?.endsWith('startExecution') === true;
/** A StartExecution state that waits for the execution to end (`.sync:2`, one batch's import). */
const runsExecution = (state: AslState) => startExecutionPattern(state)?.endsWith('.sync:2') === true;

/** What Step Functions fails an execution with when a Wait's SecondsPath holds no number of seconds. */
class StatesRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'States.Runtime';
  }
}

/** Reads the `$.a.b` SecondsPath the definition uses from the Wait's effective input. */
function secondsAt(path: string, input: unknown): number {
  const value = valueAtPath(path, input);
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
  /** Each Wait's seconds for its effective input, by state name. */
  readonly seconds: Readonly<Record<string, (input: unknown) => number>>;
}

function scaleWaits(definition: AslDefinition): ScaledWaits {
  const seconds: Record<string, (input: unknown) => number> = {};
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
        seconds[name] = secondsOfWait(name, state);
        const { Seconds: _seconds, SecondsPath: _path, ...kept } = state;
        return [name, { ...kept, Type: 'Task', Resource: WAIT_AS_TASK_RESOURCE, TimeoutSeconds: WAIT_AS_TASK_TIMEOUT_SECONDS }];
      }),
    ),
  });
  return { definition: rewrite(definition), seconds };
}

/** The local handler of each scaled Wait: it sleeps the Wait's own seconds on the time scale and returns its input. */
function waitHandlers(waits: ScaledWaits, msPerSecond: number, signal: AbortSignal): Record<string, (input: unknown) => Promise<unknown>> {
  return Object.fromEntries(
    Object.entries(waits.seconds).map(([name, seconds]) => [
      name,
      async (input: unknown) => {
        const ms = seconds(input) * msPerSecond;
        // Like the library's own Wait: no timer at all for no wait.
        if (ms > 0) await sleep(ms, signal);
        return input;
      },
    ]),
  );
}

interface PreparedMachine {
  readonly waits: ScaledWaits;
  readonly machine: StateMachine;
}

/**
 * Validating a definition costs aws-local-stepfunctions most of a second (0.8 s for the import-batch state
 * machine on this project's 2-core machine), and the sandbox runs one execution per batch: each definition as
 * deployed is validated once, and its machine serves every run, each run keeping its own state.
 */
const preparedMachines = new WeakMap<AslDefinition, PreparedMachine>();

function prepare(definition: AslDefinition, validate: boolean): PreparedMachine {
  const waits = scaleWaits(definition);
  const machine = new StateMachine(waits.definition as unknown as LocalDefinition, {
    // The definition as deployed is checked; a resumed one starts past states it cannot reach again, and a
    // timeout in milliseconds is no whole number of seconds: both are the runner's own rewrites.
    validationOptions: { checkArn: false, checkPaths: true, noValidate: !validate },
  });
  return { waits, machine };
}

function preparedFor(definition: AslDefinition): PreparedMachine {
  let prepared = preparedMachines.get(definition);
  if (prepared === undefined) {
    prepared = prepare(definition, true);
    preparedMachines.set(definition, prepared);
  }
  return prepared;
}

type MapIterationEvent = Extract<LocalEvent, { type: 'MapIterationStarted' | 'MapIterationSucceeded' | 'MapIterationFailed' }>;
const isMapIterationEvent = (event: LocalEvent): event is MapIterationEvent => event.type.startsWith('MapIteration');

/** The context field a resumed Map reads its remaining items from: no definition of ours names it. */
const RESUMED_ITEMS_FIELD = 'DxFlowRedriveItems';

interface Resumed {
  readonly definition: AslDefinition;
  readonly context: Record<string, unknown>;
  /** The original index of each item the resumed Map runs, in its order. */
  readonly itemIndices?: readonly number[];
}

/**
 * A redrive as AWS describes it: the execution continues from the state that did not finish, with that state's
 * recorded input, and a Map runs again only the iterations that did not succeed (each from its first state:
 * AWS does not say, and the publish workflow's iteration is a single state). The Map reads those items from
 * the context, which keeps their values; `$$.Map.Item.Index` then counts the re-run items only, which is why
 * the publish workflow names batches by their own index.
 */
function resumeDefinition(definition: AslDefinition, at: ResumePoint): Resumed {
  const state = definition.States[at.stateName];
  if (state === undefined) throw new StatesRuntimeError(`The execution cannot resume at ${at.stateName}: the definition has no such state`);
  if (state.Type !== 'Map' || at.mapItemIndices === undefined) return { definition: { ...definition, StartAt: at.stateName }, context: {} };
  if (state.ResultPath !== null) {
    throw new StatesRuntimeError(`The sandbox redrives a Map only when it discards its results; ${at.stateName} keeps them`);
  }
  const items = valueAtPath(typeof state.ItemsPath === 'string' ? state.ItemsPath : '$', at.input);
  if (!Array.isArray(items)) throw new StatesRuntimeError(`The recorded input of ${at.stateName} holds no items`);
  const resumedState = { ...state, ItemsPath: `$$.${RESUMED_ITEMS_FIELD}` };
  return {
    definition: { ...definition, StartAt: at.stateName, States: { ...definition.States, [at.stateName]: resumedState } },
    context: { [RESUMED_ITEMS_FIELD]: at.mapItemIndices.map((index) => items[index] as unknown) },
    itemIndices: at.mapItemIndices,
  };
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
  const resumed = options.resumeAt === undefined ? undefined : resumeDefinition(asl.definition, options.resumeAt);
  const resumable = resumed?.definition ?? asl.definition;
  const timed = options.timeoutMs === undefined ? resumable : { ...resumable, TimeoutSeconds: options.timeoutMs / 1000 };
  const { waits, machine } = timed === asl.definition ? preparedFor(asl.definition) : prepare(timed, false);
  const scaledWaits = waitHandlers(waits, options.waitMsPerSecond ?? 0, stop.signal);
  type Overrides = NonNullable<LocalRunOptions['overrides']>;
  const taskResourceLocalHandlers = Object.fromEntries([
    ...Object.entries(asl.taskOfState).map(([state, task]) => [state, invokeLike(handlers[task])]),
    ...Object.entries(scaledWaits),
    ...namesOfStates(asl.definition, startsExecution).map((state) => [state, startExecutionLike(options.startExecution)]),
    ...namesOfStates(asl.definition, runsExecution).map((state) => [state, runExecutionLike(options.runExecution, stop.signal)]),
  ]) as unknown as Overrides['taskResourceLocalHandlers'];
  const overrides: Overrides = {
    taskResourceLocalHandlers,
    retryIntervalOverrides: Object.fromEntries(namesOfStates(asl.definition, (state) => Array.isArray(state.Retry)).map((n) => [n, options.retryMs ?? 0])),
  };
  const startTime = (options.startTime ?? new Date()).toISOString();
  const execution = machine.run((options.resumeAt?.input ?? input) as never, {
    overrides,
    noThrowOnAbort: true,
    context: {
      ...(resumed?.context ?? {}),
      // aws-local-stepfunctions leaves $$.Execution empty unless it is given.
      Execution: {
        Id: options.executionId ?? options.executionName,
        Name: options.executionName,
        StartTime: startTime,
        Input: input as never,
        RedriveCount: options.redriveCount ?? 0,
      },
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
      if ('state' in event && Object.hasOwn(scaledWaits, event.state.name)) event.state.type = 'Wait';
      // The resumed Map's iterations keep the indices of the items they run.
      const itemIndices = resumed?.itemIndices;
      if (itemIndices !== undefined && isMapIterationEvent(event) && event.parentState.name === options.resumeAt?.stateName) {
        event.index = itemIndices[event.index] ?? event.index;
      }
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
    if (error instanceof ExecutionTimeoutError) {
      // The library stops its own run on timeout; the states in flight (a scaled Wait, a child) stop with it.
      stop.abort();
      await collecting;
      return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution ran longer than the state machine allows', events };
    }
    // A failed execution stops what it still waits for: the iterations a failed Map aborted, with their executions.
    stop.abort();
    await collecting;
    if (!(error instanceof ExecutionError)) throw error;
    const failure = error.cause as { name?: string; message?: string } | undefined;
    return { status: 'FAILED', error: failure?.name ?? error.name, cause: failure?.message ?? error.message, events };
  }
}
