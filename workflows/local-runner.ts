import './promise-with-resolvers';
import { ExecutionError, StateMachine } from 'aws-local-stepfunctions';
import type { TaskName } from '../tasks/registry';
import type { AslDefinition, RunnableAsl } from './asl';

/*
 * Runs the synthesized definition with aws-local-stepfunctions. Each Lambda state calls the task's real
 * handler, and answers the way the Lambda integration does: `{ StatusCode, Payload }` on success, and on
 * failure an error whose name is the handler's error name and whose cause is Lambda's JSON error document.
 */

export type TaskHandler = (event: unknown) => Promise<unknown>;
export type TaskHandlers = Readonly<Record<TaskName, TaskHandler>>;

// aws-local-stepfunctions' own types are its JSON types; the runner speaks in plain values.
type LocalDefinition = ConstructorParameters<typeof StateMachine>[0];
type LocalRunOptions = NonNullable<Parameters<StateMachine['run']>[1]>;
export type LocalEvent = Awaited<ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never>;

export interface LocalExecutionOptions {
  readonly executionName: string;
  /** `$$.Execution.Id`. @default the execution name */
  readonly executionId?: string;
  /** @default now */
  readonly startTime?: Date;
  /** Milliseconds each Wait state sleeps instead of its seconds. @default 0 */
  readonly waitMs?: number;
  /** Milliseconds before each retry instead of the retrier's backoff. @default 0 */
  readonly retryMs?: number;
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

function namesOfStatesWith(definition: AslDefinition, field: 'Retry' | 'Wait'): string[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const own = (field === 'Wait' ? state.Type === 'Wait' : Array.isArray(state.Retry)) ? [name] : [];
    const nested = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].filter((d) => d !== undefined);
    return [...own, ...nested.flatMap((d) => namesOfStatesWith(d, field))];
  });
}

export async function runLocalExecution(
  asl: RunnableAsl,
  handlers: TaskHandlers,
  input: unknown,
  options: LocalExecutionOptions,
): Promise<LocalExecutionResult> {
  const machine = new StateMachine(asl.definition as unknown as LocalDefinition, {
    validationOptions: { checkArn: false, checkPaths: true },
  });
  type Overrides = NonNullable<LocalRunOptions['overrides']>;
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(asl.taskOfState).map(([state, task]) => [state, invokeLike(handlers[task])]),
  ) as unknown as Overrides['taskResourceLocalHandlers'];
  const overrides: Overrides = {
    taskResourceLocalHandlers,
    waitTimeOverrides: Object.fromEntries(namesOfStatesWith(asl.definition, 'Wait').map((n) => [n, options.waitMs ?? 0])),
    retryIntervalOverrides: Object.fromEntries(namesOfStatesWith(asl.definition, 'Retry').map((n) => [n, options.retryMs ?? 0])),
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
  options.signal?.addEventListener('abort', () => execution.abort(), { once: true });
  const events: LocalEvent[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) {
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
