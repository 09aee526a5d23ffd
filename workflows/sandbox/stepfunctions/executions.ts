import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RunnableAsl } from '../../asl';
import { type LocalExecutionOptions, runLocalExecution, type TaskHandlers } from '../../local-runner';
import { HistoryRecorder, type WireHistoryEvent } from './history';

/*
 * The sandbox's executions: each runs the synthesized definition in-process, and its record (status, input,
 * output, history) is written to the sandbox directory when it starts and when it ends.
 */

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
  /** How a StartExecution state starts an execution: set by the API, so that it goes by the API's own rules. */
  startNested?: LocalExecutionOptions['startExecution'];

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

  start(name: string, input: string): ExecutionRecord {
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
    const done = runLocalExecution(stateMachine.asl, this.options.handlers, JSON.parse(record.input), {
      executionName: record.name,
      executionId: record.executionArn,
      startTime: new Date(record.startDate),
      waitMsPerSecond: this.options.waitMsPerSecond,
      retryMs: this.options.retryMs,
      startExecution: (request) => {
        if (this.startNested === undefined) throw new Error('The sandbox has no Step Functions API to start executions with');
        return this.startNested(request);
      },
      signal: abort.signal,
      onEvent: (event) => history.record(event),
    })
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
        this.save(record);
      });
    this.running.set(record.executionArn, { abort, done });
  }
}
