import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { EXECUTION_INPUT_MAX_BYTES } from '../../shared/limits';
import type { RunnableAsl } from '../../workflows/asl';
import {
  type LocalExecutionResult,
  runLocalExecution,
  type StartExecutionRequest,
  type StartedExecution,
  type TaskHandlers,
} from '../../workflows/local-runner';
import { SfnError } from './errors';
import { HistoryRecorder, type WireHistoryEvent } from './history';

/*
 * The sandbox's executions: each runs the synthesized definition in-process, and its record (status, input,
 * output, history) is written to the sandbox directory when it starts and when it ends.
 */

// AWS's rule for execution names: no whitespace, brackets, wildcards, punctuation that breaks ARNs or URLs.
// eslint-disable-next-line no-control-regex -- AWS forbids control characters in names, so the rule names them
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]{1,80}$/;

/**
 * How deep an input may nest for the sandbox to run it. AWS documents no such bound; aws-local-stepfunctions
 * walks the input recursively and overflows the stack a little past 2,000 levels, and its run then never
 * settles. A deeper input fails its execution at once instead, as States.Runtime.
 */
const MAX_RUNNABLE_INPUT_DEPTH = 1_000;

/** How deep a JSON value nests, counted without recursion: the value may be deeper than the stack allows. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    deepest = Math.max(deepest, depth);
    if (typeof item === 'object' && item !== null) for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
}

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  /** Epoch milliseconds. */
  startDate: number;
  stopDate?: number;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  redriveCount: number;
  redriveDate?: number;
  events: WireHistoryEvent[];
}

export interface StateMachineInfo {
  readonly name: string;
  readonly arn: string;
  readonly roleArn: string;
  readonly region: string;
  readonly asl: RunnableAsl;
  /** Epoch milliseconds. */
  readonly creationDate: number;
}

export interface ExecutionStoreOptions {
  readonly directory: string;
  readonly stateMachine: StateMachineInfo;
  readonly handlers: TaskHandlers;
  /** Real milliseconds each second of a Wait state lasts in the sandbox. */
  readonly waitMsPerSecond: number;
  /** Milliseconds before each retry in the sandbox. */
  readonly retryMs: number;
}

export class ExecutionStore {
  private readonly records = new Map<string, ExecutionRecord>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();

  constructor(private readonly options: ExecutionStoreOptions) {
    mkdirSync(options.directory, { recursive: true });
    for (const file of readdirSync(options.directory).filter((f) => f.endsWith('.json'))) {
      const record = JSON.parse(readFileSync(path.join(options.directory, file), 'utf8')) as ExecutionRecord;
      if (record.status === 'RUNNING') this.interrupted(record);
      this.records.set(record.executionArn, record);
    }
  }

  get stateMachine(): StateMachineInfo {
    return this.options.stateMachine;
  }

  /** An execution the sandbox stopped in the middle of cannot go on; it ends ABORTED and can be redriven. */
  private interrupted(record: ExecutionRecord): void {
    record.status = 'ABORTED';
    record.stopDate = Date.now();
    record.error = 'SandboxStopped';
    record.cause = 'The sandbox stopped while this execution ran. Redrive it to finish the work.';
    record.events.push({
      id: record.events.length + 1,
      previousEventId: record.events.length,
      timestamp: record.stopDate / 1000,
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: record.error, cause: record.cause },
    });
    this.save(record);
  }

  private save(record: ExecutionRecord): void {
    writeFileSync(path.join(this.options.directory, `${record.name}.json`), JSON.stringify(record));
  }

  arnFor(name: string): string {
    return this.options.stateMachine.arn.replace(':stateMachine:', ':execution:') + `:${name}`;
  }

  get(executionArn: string): ExecutionRecord | undefined {
    return this.records.get(executionArn);
  }

  list(): ExecutionRecord[] {
    return [...this.records.values()].sort((a, b) => b.startDate - a.startDate);
  }

  checkStateMachine(arn: string | undefined): void {
    if (arn !== undefined && arn !== this.options.stateMachine.arn) {
      throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    }
  }

  /** StartExecution by AWS's rules: a valid name and JSON input, and a repeat of a running start is no new execution. */
  startChecked(request: { stateMachineArn?: string; name?: string; input?: string }): ExecutionRecord {
    this.checkStateMachine(request.stateMachineArn);
    const name = request.name ?? crypto.randomUUID();
    if (!EXECUTION_NAME.test(name)) throw new SfnError('InvalidName', `Invalid Name: '${name}'`);
    const input = request.input ?? '{}';
    if (Buffer.byteLength(input) > EXECUTION_INPUT_MAX_BYTES) {
      // The answer AWS gives a member past its modeled length; the value itself is sensitive, so it is not quoted.
      throw new SfnError(
        'ValidationException',
        `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${EXECUTION_INPUT_MAX_BYTES}`,
      );
    }
    try {
      JSON.parse(input);
    } catch {
      throw new SfnError('InvalidExecutionInput', 'Invalid State Machine Execution Input: the input is not valid JSON');
    }
    const existing = this.get(this.arnFor(name));
    if (existing !== undefined) {
      // AWS answers a repeated start of a running execution with the same input idempotently.
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
    }
    return this.start(name, input);
  }

  /** A StartExecution state's start (a run's next part): by the same rules as a call over HTTP. */
  private startFromState(request: StartExecutionRequest): StartedExecution {
    const input = typeof request.Input === 'string' ? request.Input : JSON.stringify(request.Input ?? {});
    const record = this.startChecked({ stateMachineArn: request.StateMachineArn, name: request.Name, input });
    return { ExecutionArn: record.executionArn, StartDate: new Date(record.startDate).toISOString() };
  }

  private start(name: string, input: string): ExecutionRecord {
    const now = Date.now();
    const record: ExecutionRecord = {
      executionArn: this.arnFor(name),
      stateMachineArn: this.options.stateMachine.arn,
      name,
      status: 'RUNNING',
      startDate: now,
      input,
      redriveCount: 0,
      events: [],
    };
    this.records.set(record.executionArn, record);
    this.launch(record, (history) =>
      history.append('ExecutionStarted', {
        executionStartedEventDetails: {
          input,
          inputDetails: { truncated: false },
          roleArn: this.options.stateMachine.roleArn,
          stateMachineAliasArn: undefined,
        },
      }),
    );
    return record;
  }

  /** A local redrive re-runs the execution from the start with its recorded input; idempotent tasks skip done work. */
  redrive(record: ExecutionRecord): void {
    record.redriveCount += 1;
    record.redriveDate = Date.now();
    record.status = 'RUNNING';
    delete record.stopDate;
    delete record.error;
    delete record.cause;
    delete record.output;
    this.launch(record, (history) =>
      history.append('ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: record.redriveCount } }),
    );
  }

  stop(record: ExecutionRecord, error?: string, cause?: string): void {
    record.error = error;
    record.cause = cause;
    this.running.get(record.executionArn)?.abort.abort();
  }

  /** Resolves when every running execution has ended; used on shutdown. */
  async drain(): Promise<void> {
    for (const { abort } of this.running.values()) abort.abort();
    await Promise.all([...this.running.values()].map((r) => r.done));
  }

  /** Resolves when the given execution is no longer running. */
  async settled(executionArn: string): Promise<void> {
    await this.running.get(executionArn)?.done;
  }

  private launch(record: ExecutionRecord, opening: (history: HistoryRecorder) => void): void {
    const { stateMachine } = this.options;
    const history = new HistoryRecorder(stateMachine.asl.definition, stateMachine.region);
    // Appending to the record's own list keeps earlier attempts in the history of a redriven execution.
    history.events.push(...record.events);
    record.events = history.events;
    opening(history);
    this.save(record);
    const abort = new AbortController();
    const done = this.run(record, history, abort.signal)
      .then((result) => {
        record.status = result.status;
        record.output = result.output === undefined ? undefined : JSON.stringify(result.output);
        if (result.status === 'FAILED') {
          record.error = result.error;
          record.cause = result.cause;
        }
        if (result.status === 'ABORTED') {
          history.append('ExecutionAborted', { executionAbortedEventDetails: { error: record.error, cause: record.cause } });
        }
      })
      .catch((error: unknown) => {
        record.status = 'FAILED';
        record.error = 'States.Runtime';
        record.cause = (error as Error).message;
        history.append('ExecutionFailed', { executionFailedEventDetails: { error: record.error, cause: record.cause } });
      })
      .finally(() => {
        record.stopDate = Date.now();
        this.running.delete(record.executionArn);
      })
      .then(() => this.save(record))
      // The execution has ended, and says so to every caller; only its file is behind, and no rejection may end the sandbox.
      .catch((error: unknown) => process.emitWarning(`The sandbox could not save execution ${record.name}: ${(error as Error).message}`));
    this.running.set(record.executionArn, { abort, done });
  }

  private async run(record: ExecutionRecord, history: HistoryRecorder, signal: AbortSignal): Promise<LocalExecutionResult> {
    const { stateMachine } = this.options;
    const input: unknown = JSON.parse(record.input);
    const depth = nestingDepth(input);
    if (depth > MAX_RUNNABLE_INPUT_DEPTH) {
      throw new Error(`The input nests ${depth} levels deep; the sandbox runs inputs nested at most ${MAX_RUNNABLE_INPUT_DEPTH} levels deep`);
    }
    return runLocalExecution(stateMachine.asl, this.options.handlers, input, {
      executionName: record.name,
      executionId: record.executionArn,
      startTime: new Date(record.startDate),
      waitMsPerSecond: this.options.waitMsPerSecond,
      retryMs: this.options.retryMs,
      startExecution: async (request) => this.startFromState(request),
      signal,
      onEvent: (event) => history.record(event),
    });
  }
}
