import { Template } from 'aws-cdk-lib/assertions';
import { buildApp } from '../../infra/build-app';
import { TASK_NAMES, type TaskName } from '../../tasks/registry';
import { extractRunnableAsl, extractRunnableAsls, type RunnableAsl } from '../../workflows/asl';
import {
  type EndedExecution,
  type LocalExecutionOptions,
  type LocalExecutionResult,
  runLocalExecution,
  type StartExecutionRequest,
  type TaskHandlers,
} from '../../workflows/local-runner';

/** The synthesized stack's state machines as runnable ASL. */
export interface SynthesizedStateMachines {
  /** The entry state machine, the one no other starts: it publishes a run. */
  readonly publish: RunnableAsl;
  /** The one the publish state machine runs and waits for, once per batch. */
  readonly importBatch: RunnableAsl;
  readonly all: readonly RunnableAsl[];
}

let synthesized: SynthesizedStateMachines | undefined;

/** Synthesizes the real stack (without bundling) once per test file and extracts its state machines as runnable ASL. */
export function synthesizeStateMachines(): SynthesizedStateMachines {
  synthesized ??= synthesize();
  return synthesized;
}

/** The entry state machine, the publish one: what `dx-flow run` starts. */
export function synthesizeRunnableAsl(): RunnableAsl {
  return synthesizeStateMachines().publish;
}

/** Every state machine of the stack, the entry one included: what `dx-flow diagram` draws. */
export function synthesizeRunnableAsls(): readonly RunnableAsl[] {
  return synthesizeStateMachines().all;
}

function synthesize(): SynthesizedStateMachines {
  const { stack } = buildApp({ env: {}, bundle: false, nag: false });
  const template = Template.fromStack(stack).toJSON();
  const all = extractRunnableAsls(template);
  const { stateMachineName: entryName } = extractRunnableAsl(template);
  const publish = all.find((m) => m.stateMachineName === entryName);
  const started = all.filter((m) => m.stateMachineName !== entryName && publish?.startsStateMachines.includes(m.stateMachineName) === true);
  if (publish === undefined || started.length !== 1 || all.length !== 2) {
    throw new Error(`Expected the publish state machine and the one it runs per batch, found ${all.map((m) => m.stateMachineName).join(', ')}`);
  }
  return { publish, importBatch: started[0], all };
}

const REGION_AND_ACCOUNT = 'us-east-1:000000000000';

/** An execution's ARN, as `$$.Execution.Id` holds it. */
export function executionArnOf(asl: RunnableAsl, name: string): string {
  return `arn:aws:states:${REGION_AND_ACCOUNT}:execution:${asl.stateMachineName}:${name}`;
}

/** An error under the name Step Functions gives a failed service integration call. */
function stepFunctionsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name: `StepFunctions.${name}` });
}

/** An execution a `.sync` state ran, and how it ended. */
export interface ChildExecution {
  readonly stateMachineName: string;
  readonly name: string;
  readonly executionArn: string;
  readonly input: unknown;
  readonly result: LocalExecutionResult;
}

export interface LocalStepFunctions {
  /**
   * runLocalExecution, with each `.sync` StartExecution state running its execution of the named state machine
   * the same way, with the same handlers, and waiting for it. `$$.Execution.Id` is the execution's ARN unless
   * the options give one.
   */
  run(asl: RunnableAsl, handlers: TaskHandlers, input: unknown, options: LocalExecutionOptions): Promise<LocalExecutionResult>;
  /** The executions `.sync` states ran, at any depth, in the order they ended. */
  readonly children: readonly ChildExecution[];
}

/**
 * One account's Step Functions, in process, for the given state machines. As on AWS, a state machine's execution
 * names are unique: a second start of a name fails the state with StepFunctions.ExecutionAlreadyExists (the
 * API's exception under the integration's prefix, like the StepFunctions.ExecutionLimitExceeded the definition
 * retries). The running case, which AWS answers idempotently, does not arise: a `.sync` state here starts its
 * execution once per try and waits for it.
 */
export function localStepFunctions(machines: readonly RunnableAsl[]): LocalStepFunctions {
  const children: ChildExecution[] = [];
  const startedArns = new Set<string>();

  const runChild = (handlers: TaskHandlers, inherited: LocalExecutionOptions) =>
    async (request: StartExecutionRequest, signal: AbortSignal): Promise<EndedExecution> => {
      const machineName = request.StateMachineArn.slice(request.StateMachineArn.indexOf(':stateMachine:') + ':stateMachine:'.length);
      const machine = machines.find((m) => m.stateMachineName === machineName);
      if (machine === undefined) throw stepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${request.StateMachineArn}'`);
      const name = request.Name ?? crypto.randomUUID();
      const executionArn = executionArnOf(machine, name);
      if (startedArns.has(executionArn)) throw stepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
      startedArns.add(executionArn);
      const input: unknown = typeof request.Input === 'string' ? JSON.parse(request.Input) : (request.Input ?? {});
      const startDate = new Date();
      const result = await run(machine, handlers, input, {
        executionName: name,
        executionId: executionArn,
        startTime: startDate,
        waitMsPerSecond: inherited.waitMsPerSecond,
        retryMs: inherited.retryMs,
        signal,
      });
      children.push({ stateMachineName: machine.stateMachineName, name, executionArn, input, result });
      return {
        ExecutionArn: executionArn,
        StateMachineArn: request.StateMachineArn,
        Name: name,
        Status: result.status,
        StartDate: startDate.toISOString(),
        StopDate: new Date().toISOString(),
        Input: JSON.stringify(input),
        ...(result.output === undefined ? {} : { Output: JSON.stringify(result.output) }),
        ...(result.error === undefined ? {} : { Error: result.error }),
        ...(result.cause === undefined ? {} : { Cause: result.cause }),
      };
    };

  function run(asl: RunnableAsl, handlers: TaskHandlers, input: unknown, options: LocalExecutionOptions): Promise<LocalExecutionResult> {
    return runLocalExecution(asl, handlers, input, {
      ...options,
      executionId: options.executionId ?? executionArnOf(asl, options.executionName),
      runExecution: runChild(handlers, options),
    });
  }

  return { run, children };
}

/** Counts invocations per task and the most that ran at once, optionally slowing a task down. */
export function instrument(handlers: TaskHandlers, delayMs: Partial<Record<TaskName, number>> = {}) {
  const calls: Partial<Record<TaskName, number>> = {};
  const running: Partial<Record<TaskName, number>> = {};
  const peak: Partial<Record<TaskName, number>> = {};
  const wrapped = Object.fromEntries(
    TASK_NAMES.map((task) => [
      task,
      async (event: unknown) => {
        calls[task] = (calls[task] ?? 0) + 1;
        running[task] = (running[task] ?? 0) + 1;
        peak[task] = Math.max(peak[task] ?? 0, running[task]);
        try {
          if (delayMs[task] !== undefined) await new Promise((resolve) => setTimeout(resolve, delayMs[task]));
          return await handlers[task](event);
        } finally {
          running[task] = (running[task] ?? 1) - 1;
        }
      },
    ]),
  ) as TaskHandlers;
  return { handlers: wrapped, calls, peak };
}
