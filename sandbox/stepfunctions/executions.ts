import { mkdirSync } from 'node:fs';
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
import { removeTemporaryFilesIn } from '../persist';
import { SfnError } from './errors';
import { ExecutionFiles, type ExecutionRecord, type ExecutionSummary, summaryOf } from './execution-files';
import { HistoryRecorder, type WireHistoryEvent } from './history';
import { REDRIVE_HISTORY_LIMIT, redriveRefusal, resumePoint } from './redrive';

/*
 * The sandbox's executions of the template's state machines: each runs its synthesized definition in-process,
 * and its record (status, input, output, history) is written to the sandbox directory whole when it starts and
 * when it ends, and its new events are appended while it runs (./execution-files.ts). Memory holds each execution's summary, and the input, output and
 * history of those running only: an ended execution's are read back from its file. A `.sync:2` state starts an
 * execution here and waits for it; a redrive resumes where AWS would.
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

export type { ExecutionRecord, ExecutionStatus, ExecutionSummary } from './execution-files';

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

/** What the store keeps of an execution in flight beside its summary. */
interface LiveExecution {
  readonly input: string;
  output?: string;
  readonly events: WireHistoryEvent[];
  /** How many of its events are on disk, in its record and its log. */
  savedEvents: number;
}

export class ExecutionStore {
  private readonly records = new Map<string, ExecutionSummary>();
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  /** The input, output and history of each execution in flight, by ARN; an ended execution's are in its file only. */
  private readonly live = new Map<string, LiveExecution>();
  /** The ended execution whose record was read last: DescribeExecution and the pages of GetExecutionHistory read its file once. */
  private lastRead: Readonly<ExecutionRecord> | undefined;

  constructor(private readonly options: ExecutionStoreOptions) {
    for (const stateMachine of options.stateMachines) {
      const directory = this.directoryOf(stateMachine);
      mkdirSync(directory, { recursive: true });
      removeTemporaryFilesIn(directory);
      const files = new ExecutionFiles(directory);
      for (const { summary, record } of files.load()) {
        this.records.set(summary.executionArn, record?.status === 'RUNNING' ? this.interrupted(record, files) : summary);
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
  private interrupted(record: ExecutionRecord, files: ExecutionFiles): ExecutionSummary {
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
    files.end(record);
    return summaryOf(record);
  }

  private filesOf(record: Pick<ExecutionRecord, 'stateMachineArn'>): ExecutionFiles {
    return new ExecutionFiles(this.directoryOf(this.stateMachineOf(record)));
  }

  /**
   * Writes a running execution's files from memory, as the step of its run requires (./execution-files.ts): its
   * whole record when it begins and ends, and in between its new events.
   */
  private save(record: ExecutionSummary, live: LiveExecution, step: 'begin' | 'progress' | 'end'): void {
    const files = this.filesOf(record);
    if (step === 'progress') files.append(record.name, live.events.slice(live.savedEvents));
    else files[step](this.recordOf(record));
    live.savedEvents = live.events.length;
    record.eventCount = live.events.length;
  }

  /**
   * The execution's whole record: a running execution's from memory, an ended one's from its file (the last one
   * read stays, for the next call). A file that is gone or damaged is an error that names it.
   */
  recordOf(record: ExecutionSummary): Readonly<ExecutionRecord> {
    const { eventCount: _eventCount, ...fields } = record;
    const live = this.live.get(record.executionArn);
    if (live !== undefined) return { ...fields, input: live.input, output: live.output, events: live.events };
    if (this.lastRead?.executionArn === record.executionArn) return this.lastRead;
    const files = this.filesOf(record);
    const read = files.readRecord(record.name);
    if (!Array.isArray(read?.events)) throw new Error(`The sandbox's history of execution ${record.name} is missing from ${files.recordFile(record.name)}`);
    this.lastRead = read;
    return read;
  }

  /** The execution's history, as recordOf reads it. */
  eventsOf(record: ExecutionSummary): readonly WireHistoryEvent[] {
    return this.recordOf(record).events;
  }

  /**
   * Why the execution cannot be redriven now (./redrive.ts), for DescribeExecution. Of the history only its length
   * counts, and only when it reaches the limit: below it, no events give the same answer without reading the file.
   */
  redriveRefusal(record: ExecutionSummary): string | undefined {
    const events = record.eventCount >= REDRIVE_HISTORY_LIMIT ? [...this.eventsOf(record)] : [];
    return redriveRefusal({ status: record.status, stopDate: record.stopDate, events });
  }

  /** While an execution runs, its new events are appended to its log at most this often, so that a crash keeps its history up to then. */
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
      if (existing.status === 'RUNNING' && this.live.get(existing.executionArn)?.input === input) return existing;
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
    const { input, output } = this.recordOf(record);
    return {
      ExecutionArn: record.executionArn,
      StateMachineArn: record.stateMachineArn,
      Name: record.name,
      Status: ended,
      StartDate: new Date(record.startDate).toISOString(),
      StopDate: new Date(record.stopDate ?? Date.now()).toISOString(),
      Input: input,
      ...(output === undefined ? {} : { Output: output }),
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
      redriveCount: 0,
      eventCount: 0,
    };
    this.records.set(record.executionArn, record);
    this.launch(record, input, (history) =>
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
    const { input, events } = this.recordOf(record);
    const earlier = [...events];
    const resumeAt = resumePoint(this.stateMachineOf(record).asl.definition, { input, events: earlier });
    record.redriveCount += 1;
    record.redriveDate = Date.now();
    record.status = 'RUNNING';
    delete record.stopDate;
    delete record.error;
    delete record.cause;
    this.launch(
      record,
      input,
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
    input: string,
    opening: (history: HistoryRecorder) => void,
    resumeAt?: ResumePoint,
    earlier: readonly WireHistoryEvent[] = [],
  ): void {
    const stateMachine = this.stateMachineOf(record);
    const history = new HistoryRecorder(stateMachine.asl.definition, stateMachine.region);
    // The earlier attempts of a redriven execution stay in its history.
    for (const event of earlier) history.events.push(event);
    const live: LiveExecution = { input, events: history.events, savedEvents: 0 };
    this.live.set(record.executionArn, live);
    if (this.lastRead?.executionArn === record.executionArn) this.lastRead = undefined;
    opening(history);
    this.save(record, live, 'begin');
    const abort = new AbortController();
    const started = this.announce(record);
    // Saved, its input, output and events leave memory once its status change is told; had the save failed, they would stay, its file being behind.
    let saved = false;
    const done = this.run(record, input, stateMachine, history, abort.signal, resumeAt)
      .then((result) => {
        record.status = result.status;
        live.output = result.output === undefined ? undefined : JSON.stringify(result.output);
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
        this.save(record, live, 'end');
        saved = true;
      })
      // The execution has ended, and says so to every caller; only its file is behind, and no rejection may end the sandbox.
      .catch((error: unknown) => process.emitWarning(`The sandbox could not save execution ${record.name}: ${(error as Error).message}`))
      .then(() => started)
      .then(() => this.announce(record))
      .finally(() => {
        if (saved) this.live.delete(record.executionArn);
        this.running.delete(record.executionArn);
      });
    this.running.set(record.executionArn, { abort, done });
  }

  private readonly pendingSaves = new Map<string, NodeJS.Timeout>();

  /** Saves a running execution's new events a little later, once for a burst of them. */
  private saveSoon(record: ExecutionSummary): void {
    if (this.pendingSaves.has(record.executionArn)) return;
    const timer = setTimeout(() => {
      this.pendingSaves.delete(record.executionArn);
      // Its terminal save wins: a late timer must not write a RUNNING record over it.
      const live = this.live.get(record.executionArn);
      if (record.status === 'RUNNING' && live !== undefined) this.save(record, live, 'progress');
    }, ExecutionStore.RUNNING_SAVE_MS);
    timer.unref();
    this.pendingSaves.set(record.executionArn, timer);
  }

  /** Tells the status-change listener; its failure is its own to report, and never the execution's. */
  private announce(record: ExecutionSummary): Promise<void> {
    const snapshot = { ...this.recordOf(record), events: [] };
    return (this.options.onStatusChange?.(snapshot) ?? Promise.resolve()).catch((error: unknown) =>
      process.emitWarning(`The status change of execution ${record.name} reached no listener: ${(error as Error).message}`),
    );
  }

  private async run(
    record: ExecutionSummary,
    executionInput: string,
    stateMachine: StateMachineInfo,
    history: HistoryRecorder,
    signal: AbortSignal,
    resumeAt: ResumePoint | undefined,
  ): Promise<LocalExecutionResult> {
    const input: unknown = JSON.parse(executionInput);
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
