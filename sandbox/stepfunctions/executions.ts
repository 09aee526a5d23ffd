import { mkdirSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { EXECUTION_INPUT_MAX_BYTES } from '../../shared/limits';
import type { RunnableAsl } from '../../workflows/asl';
import {
  type EndedExecution,
  type LocalExecutionResult,
  type ResumePoint,
  runLocalExecution,
  type StartExecutionRequest,
  type StartedExecution,
  type TaskHandlers,
} from '../../workflows/local-runner';
import { readStateFileSync, removeTemporaryFilesIn, writeFileAtomicSync } from '../persist';
import { SfnError } from './errors';
import { HistoryRecorder, type WireHistoryEvent } from './history';
import { REDRIVE_HISTORY_LIMIT, redriveRefusal, resumePoint } from './redrive';

/*
 * The sandbox's executions of the template's state machines: each runs its synthesized definition in-process,
 * and its record (status, input, output, history) is written to the sandbox directory when it starts, while it
 * runs and when it ends. Memory holds each execution's summary, and the history of those running only: an ended
 * execution's events are read back from its file. A `.sync:2` state starts an execution here and waits for it;
 * a redrive resumes where AWS would.
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

/** An execution as its file holds it: its summary and its whole history. */
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

/**
 * An execution as the store keeps it in memory: everything but its history, of which it keeps the length. Memory
 * grows with the executions in flight, whose events the store holds, and not with the account's age.
 */
export type ExecutionSummary = Omit<ExecutionRecord, 'events'> & { eventCount: number };

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
  /** The template's state machines, its entry (the publish state machine) first. */
  readonly stateMachines: readonly [StateMachineInfo, ...StateMachineInfo[]];
  readonly handlers: TaskHandlers;
  /** Real milliseconds each second of a Wait state lasts in the sandbox. */
  readonly waitMsPerSecond: number;
  /** Milliseconds before each retry in the sandbox. */
  readonly retryMs: number;
  /** Real milliseconds before an execution times out, instead of its definition's TimeoutSeconds. */
  readonly executionTimeoutMs?: number;
  /**
   * Each change of an execution's status, once it is recorded: what EventBridge receives as "Step Functions
   * Execution Status Change". The execution counts as settled once the returned promise settles.
   */
  readonly onStatusChange?: (record: Readonly<ExecutionRecord>) => Promise<void>;
  /** Before an execution's terminal record is written: the other services write what the run changed first. */
  readonly beforeTerminalRecord?: () => Promise<void>;
}

export class ExecutionStore {
  private readonly records = new Map<string, ExecutionSummary>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  /** The history of each execution in flight, by ARN; an ended execution's is in its file only. */
  private readonly live = new Map<string, WireHistoryEvent[]>();
  /** The ended execution whose history was read last: the pages of one GetExecutionHistory read its file once. */
  private lastRead: { readonly executionArn: string; readonly events: readonly WireHistoryEvent[] } | undefined;

  constructor(private readonly options: ExecutionStoreOptions) {
    for (const stateMachine of options.stateMachines) {
      const directory = this.directoryOf(stateMachine);
      mkdirSync(directory, { recursive: true });
      removeTemporaryFilesIn(directory);
      for (const file of readdirSync(directory).filter((f) => f.endsWith('.json'))) {
        const record = readStateFileSync(path.join(directory, file), (json) => json as ExecutionRecord);
        if (record === undefined) continue;
        if (record.status === 'RUNNING') this.interrupted(record);
        const { events, ...fields } = record;
        this.records.set(record.executionArn, { ...fields, eventCount: events.length });
      }
    }
  }

  /** The entry state machine: the one runs start. */
  get stateMachine(): StateMachineInfo {
    return this.options.stateMachines[0];
  }

  get stateMachines(): readonly StateMachineInfo[] {
    return this.options.stateMachines;
  }

  /** The entry state machine's records stay where sandboxes with one state machine kept them; each other has a folder. */
  private directoryOf(stateMachine: StateMachineInfo): string {
    return stateMachine === this.stateMachine ? this.options.directory : path.join(this.options.directory, stateMachine.name);
  }

  private stateMachineOf(record: Pick<ExecutionRecord, 'stateMachineArn'>): StateMachineInfo {
    return this.options.stateMachines.find((m) => m.arn === record.stateMachineArn) ?? this.stateMachine;
  }

  /**
   * An execution the sandbox stopped in the middle of cannot go on; it ends ABORTED, with its history as far as
   * it was saved, and can be redriven. It stopped when its last saved event happened, not at this restart.
   */
  private interrupted(record: ExecutionRecord): void {
    record.status = 'ABORTED';
    record.stopDate = Math.round((record.events.at(-1)?.timestamp ?? record.startDate / 1000) * 1000);
    record.error = 'SandboxStopped';
    record.cause = 'The sandbox stopped while this execution ran. Redrive it to finish the work.';
    record.events.push({
      id: record.events.length + 1,
      previousEventId: record.events.length,
      timestamp: record.stopDate / 1000,
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: record.error, cause: record.cause },
    });
    const { events, ...fields } = record;
    this.save({ ...fields, eventCount: events.length }, events);
  }

  private fileOf(record: Pick<ExecutionRecord, 'stateMachineArn' | 'name'>): string {
    return path.join(this.directoryOf(this.stateMachineOf(record)), `${record.name}.json`);
  }

  private save(record: ExecutionSummary, events: WireHistoryEvent[]): void {
    const { eventCount: _eventCount, ...summary } = record;
    const saved: ExecutionRecord = { ...summary, events };
    writeFileAtomicSync(this.fileOf(record), JSON.stringify(saved));
    record.eventCount = events.length;
  }

  /**
   * The execution's history: a running execution's from memory, an ended one's from its file (the last one read
   * stays, for the next page). A file that is gone or damaged is an error that names it.
   */
  eventsOf(record: ExecutionSummary): readonly WireHistoryEvent[] {
    const live = this.live.get(record.executionArn);
    if (live !== undefined) return live;
    if (this.lastRead?.executionArn === record.executionArn) return this.lastRead.events;
    const events = readStateFileSync(this.fileOf(record), (json) => (json as ExecutionRecord).events);
    if (!Array.isArray(events)) throw new Error(`The sandbox's history of execution ${record.name} is missing from ${this.fileOf(record)}`);
    this.lastRead = { executionArn: record.executionArn, events };
    return events;
  }

  /**
   * Why the execution cannot be redriven now (./redrive.ts), for DescribeExecution. Of the history only its length
   * counts, and only when it reaches the limit: below it, no events give the same answer without reading the file.
   */
  redriveRefusal(record: ExecutionSummary): string | undefined {
    const events = record.eventCount >= REDRIVE_HISTORY_LIMIT ? [...this.eventsOf(record)] : [];
    return redriveRefusal({ status: record.status, stopDate: record.stopDate, events });
  }

  /** While an execution runs, its history is saved at most this often, so that a crash keeps it up to then. */
  private static readonly RUNNING_SAVE_MS = 250;

  arnFor(name: string, stateMachine: StateMachineInfo = this.stateMachine): string {
    return stateMachine.arn.replace(':stateMachine:', ':execution:') + `:${name}`;
  }

  get(executionArn: string): ExecutionSummary | undefined {
    return this.records.get(executionArn);
  }

  /** The executions of one state machine (the entry one unless named), newest first. */
  list(stateMachineArn: string = this.stateMachine.arn): ExecutionSummary[] {
    return [...this.records.values()].filter((r) => r.stateMachineArn === stateMachineArn).sort((a, b) => b.startDate - a.startDate);
  }

  /** The state machine an ARN names (the entry one when none is named). */
  checkStateMachine(arn: string | undefined): StateMachineInfo {
    if (arn === undefined) return this.stateMachine;
    const found = this.options.stateMachines.find((m) => m.arn === arn);
    if (found === undefined) throw new SfnError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return found;
  }

  /** StartExecution by AWS's rules: a valid name and JSON input, and a repeat of a running start is no new execution. */
  startChecked(request: { stateMachineArn?: string; name?: string; input?: string }): ExecutionSummary {
    const stateMachine = this.checkStateMachine(request.stateMachineArn);
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
    const existing = this.get(this.arnFor(name, stateMachine));
    if (existing !== undefined) {
      // AWS answers a repeated start of a running execution with the same input idempotently.
      if (existing.status === 'RUNNING' && existing.input === input) return existing;
      throw new SfnError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
    }
    return this.start(stateMachine, name, input);
  }

  /** A StartExecution state's start (a run's next part): by the same rules as a call over HTTP. */
  private startFromState(request: StartExecutionRequest): ExecutionSummary {
    const input = typeof request.Input === 'string' ? request.Input : JSON.stringify(request.Input ?? {});
    try {
      return this.startChecked({ stateMachineArn: request.StateMachineArn, name: request.Name, input });
    } catch (error) {
      // A service integration reports the API's error under the service's prefix, which the state's Retry names.
      if (error instanceof SfnError) throw Object.assign(new Error(error.message), { name: `StepFunctions.${error.code}` });
      throw error;
    }
  }

  /** A `.sync:2` state's run: start, wait for the end, and stop it if the execution waiting for it stops. */
  private async runFromState(request: StartExecutionRequest, signal: AbortSignal): Promise<EndedExecution> {
    const record = this.startFromState(request);
    const stopChild = () => {
      if (record.status === 'RUNNING') this.stop(record, 'States.Aborted', 'The execution that started this one stopped');
    };
    signal.addEventListener('abort', stopChild, { once: true });
    try {
      await this.settled(record.executionArn);
    } finally {
      signal.removeEventListener('abort', stopChild);
    }
    const ended = record.status === 'RUNNING' ? 'ABORTED' : record.status;
    return {
      ExecutionArn: record.executionArn,
      StateMachineArn: record.stateMachineArn,
      Name: record.name,
      Status: ended,
      StartDate: new Date(record.startDate).toISOString(),
      StopDate: new Date(record.stopDate ?? Date.now()).toISOString(),
      Input: record.input,
      ...(record.output === undefined ? {} : { Output: record.output }),
      ...(record.error === undefined ? {} : { Error: record.error }),
      ...(record.cause === undefined ? {} : { Cause: record.cause }),
    };
  }

  private start(stateMachine: StateMachineInfo, name: string, input: string): ExecutionSummary {
    const now = Date.now();
    const record: ExecutionSummary = {
      executionArn: this.arnFor(name, stateMachine),
      stateMachineArn: stateMachine.arn,
      name,
      status: 'RUNNING',
      startDate: now,
      input,
      redriveCount: 0,
      eventCount: 0,
    };
    this.records.set(record.executionArn, record);
    this.launch(record, (history) =>
      history.append('ExecutionStarted', {
        executionStartedEventDetails: {
          input,
          inputDetails: { truncated: false },
          roleArn: stateMachine.roleArn,
          stateMachineAliasArn: undefined,
        },
      }),
    );
    return record;
  }

  /**
   * RedriveExecution: by AWS's rules, it goes on from the state that did not finish, with that state's recorded
   * input; in a Map, only the iterations that did not succeed run again (./redrive.ts).
   */
  redrive(record: ExecutionSummary): void {
    const refusal = this.redriveRefusal(record);
    if (refusal !== undefined) throw new SfnError('ExecutionNotRedrivable', `${refusal}: '${record.executionArn}'`);
    // Where to resume, and the earlier attempts the redriven history goes on from, are in the execution's file.
    const earlier = [...this.eventsOf(record)];
    const resumeAt = resumePoint(this.stateMachineOf(record).asl.definition, { input: record.input, events: earlier });
    record.redriveCount += 1;
    record.redriveDate = Date.now();
    record.status = 'RUNNING';
    delete record.stopDate;
    delete record.error;
    delete record.cause;
    delete record.output;
    this.launch(
      record,
      (history) => history.append('ExecutionRedriven', { executionRedrivenEventDetails: { redriveCount: record.redriveCount } }),
      resumeAt,
      earlier,
    );
  }

  stop(record: ExecutionSummary, error?: string, cause?: string): void {
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

  private launch(
    record: ExecutionSummary,
    opening: (history: HistoryRecorder) => void,
    resumeAt?: ResumePoint,
    earlier: readonly WireHistoryEvent[] = [],
  ): void {
    const stateMachine = this.stateMachineOf(record);
    const history = new HistoryRecorder(stateMachine.asl.definition, stateMachine.region);
    // The earlier attempts of a redriven execution stay in its history.
    for (const event of earlier) history.events.push(event);
    this.live.set(record.executionArn, history.events);
    if (this.lastRead?.executionArn === record.executionArn) this.lastRead = undefined;
    opening(history);
    this.save(record, history.events);
    const abort = new AbortController();
    const started = this.announce(record);
    const done = this.run(record, stateMachine, history, abort.signal, resumeAt)
      .then((result) => {
        record.status = result.status;
        record.output = result.output === undefined ? undefined : JSON.stringify(result.output);
        if (result.status === 'FAILED' || result.status === 'TIMED_OUT') {
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
      })
      // What the run changed in the other services is on disk before the record that says it ended.
      .then(() => this.options.beforeTerminalRecord?.())
      .then(() => {
        this.save(record, history.events);
        // Saved, its events leave memory; had the save failed, they would stay, its file being behind.
        this.live.delete(record.executionArn);
      })
      // The execution has ended, and says so to every caller; only its file is behind, and no rejection may end the sandbox.
      .catch((error: unknown) => process.emitWarning(`The sandbox could not save execution ${record.name}: ${(error as Error).message}`))
      .then(() => started)
      .then(() => this.announce(record))
      .finally(() => this.running.delete(record.executionArn));
    this.running.set(record.executionArn, { abort, done });
  }

  private readonly pendingSaves = new Map<string, NodeJS.Timeout>();

  /** Saves a running execution's record a little later, once for a burst of events. */
  private saveSoon(record: ExecutionSummary): void {
    if (this.pendingSaves.has(record.executionArn)) return;
    const timer = setTimeout(() => {
      this.pendingSaves.delete(record.executionArn);
      // Its terminal save wins: a late timer must not write a RUNNING record over it.
      const events = this.live.get(record.executionArn);
      if (record.status === 'RUNNING' && events !== undefined) this.save(record, events);
    }, ExecutionStore.RUNNING_SAVE_MS);
    timer.unref();
    this.pendingSaves.set(record.executionArn, timer);
  }

  /** Tells the status-change listener; its failure is its own to report, and never the execution's. */
  private announce(record: ExecutionSummary): Promise<void> {
    const { eventCount: _eventCount, ...summary } = record;
    const snapshot = { ...summary, events: [] };
    return (this.options.onStatusChange?.(snapshot) ?? Promise.resolve()).catch((error: unknown) =>
      process.emitWarning(`The status change of execution ${record.name} reached no listener: ${(error as Error).message}`),
    );
  }

  private async run(
    record: ExecutionSummary,
    stateMachine: StateMachineInfo,
    history: HistoryRecorder,
    signal: AbortSignal,
    resumeAt: ResumePoint | undefined,
  ): Promise<LocalExecutionResult> {
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
      redriveCount: record.redriveCount,
      resumeAt,
      timeoutMs: this.options.executionTimeoutMs,
      startExecution: async (request): Promise<StartedExecution> => {
        const started = this.startFromState(request);
        return { ExecutionArn: started.executionArn, StartDate: new Date(started.startDate).toISOString() };
      },
      runExecution: (request, runSignal) => this.runFromState(request, runSignal),
      signal,
      onEvent: (event) => {
        history.record(event);
        this.saveSoon(record);
      },
    });
  }
}
