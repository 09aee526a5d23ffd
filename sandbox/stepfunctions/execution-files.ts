import { readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { appendFileDurableSync, DamagedStateFileError, readStateFileSync, writeFileAtomicSync } from '../persist';
import type { WireHistoryEvent } from './history';

/*
 * The files of one state machine's executions, in its folder: each execution's record (`<name>.json`: its input,
 * output and whole history), its summary (`<name>.summary`: what the store keeps in memory), so that opening a
 * store reads the summaries and parses no history, input or output, and, while it runs, its event log
 * (`<name>.events`). The names never meet: each ends in its own suffix, which no execution name's `.json` can make.
 *
 * - A run's record is written whole when the run begins (a start or a redrive) and when it ends. In between, its
 *   new events are appended to its log, one JSON line each, so a long run costs the bytes of its events and not a
 *   rewrite of its history at every save. Its history is the record's events and then the log's.
 * - An append can be torn by a crash: a last line without its newline is dropped when the log is read.
 * - A summary is a copy, and the order of writes keeps it from running ahead of its record: the summary says
 *   RUNNING before the record of a run does, and says the run ended only after the record does. So a summary that
 *   says ended is as new as its record, and one that says RUNNING, is missing or is damaged sends the reader to the
 *   record and log, where an interrupted execution's history is.
 * - The log goes once the ended record holds its events; one a crash left beside an ended record is removed at open.
 */

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** An execution as its record file holds it: its summary, its input and output, and its whole history. */
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
 * An execution as the store keeps it in memory and its summary file holds it: neither its input and output (up to
 * 256 KiB each) nor its history, of which it keeps the length.
 */
export type ExecutionSummary = Omit<ExecutionRecord, 'events' | 'input' | 'output'> & { eventCount: number };

/** The summary of a record. */
export function summaryOf(record: ExecutionRecord): ExecutionSummary {
  const { events, input: _input, output: _output, ...fields } = record;
  return { ...fields, eventCount: events.length };
}

const SUMMARY_SUFFIX = '.summary';
const RECORD_SUFFIX = '.json';
const LOG_SUFFIX = '.events';

export class ExecutionFiles {
  constructor(private readonly directory: string) {}

  recordFile(name: string): string {
    return path.join(this.directory, `${name}${RECORD_SUFFIX}`);
  }

  private summaryFile(name: string): string {
    return path.join(this.directory, `${name}${SUMMARY_SUFFIX}`);
  }

  private logFile(name: string): string {
    return path.join(this.directory, `${name}${LOG_SUFFIX}`);
  }

  /** A run begins (a start or a redrive): its summary says RUNNING before its record does, which starts a new log. */
  begin(record: ExecutionRecord): void {
    this.writeSummary(record);
    this.removeLog(record.name);
    this.writeRecord(record);
  }

  /** A running execution's events since its last save, appended to its log. */
  append(name: string, events: readonly WireHistoryEvent[]): void {
    if (events.length > 0) appendFileDurableSync(this.logFile(name), events.map((event) => `${JSON.stringify(event)}\n`).join(''));
  }

  /** An ended execution: its whole record, then its summary; then its log, now in the record, goes. */
  end(record: ExecutionRecord): void {
    this.writeRecord(record);
    this.writeSummary(record);
    this.removeLog(record.name);
  }

  private removeLog(name: string): void {
    rmSync(this.logFile(name), { force: true });
  }

  private writeRecord(record: ExecutionRecord): void {
    writeFileAtomicSync(this.recordFile(record.name), JSON.stringify(record));
  }

  private writeSummary(record: ExecutionRecord): void {
    writeFileAtomicSync(this.summaryFile(record.name), JSON.stringify(summaryOf(record)));
  }

  /** The record of an execution, or undefined when it has none; a damaged one throws DamagedStateFileError. */
  readRecord(name: string): ExecutionRecord | undefined {
    return readStateFileSync(this.recordFile(name), (json) => json as ExecutionRecord);
  }

  /**
   * Every execution of the folder: its summary, from its summary file where that says it ended, and else (RUNNING,
   * missing, damaged) from its record, which comes with it: a running one's with its log's events, an ended one's
   * summary written again. A damaged record or log is DamagedStateFileError, which names it.
   */
  load(): { summary: ExecutionSummary; record?: ExecutionRecord }[] {
    const files = readdirSync(this.directory);
    const namesOf = (suffix: string) => files.filter((file) => file.endsWith(suffix)).map((file) => file.slice(0, -suffix.length));
    const logged = new Set(namesOf(LOG_SUFFIX));
    const loaded: { summary: ExecutionSummary; record?: ExecutionRecord }[] = [];
    for (const name of new Set([...namesOf(RECORD_SUFFIX), ...namesOf(SUMMARY_SUFFIX)])) {
      const summary = this.readSummary(name);
      if (summary !== undefined && summary.status !== 'RUNNING') {
        // An ended execution's log is in its record already.
        if (logged.has(name)) this.removeLog(name);
        loaded.push({ summary });
        continue;
      }
      const record = this.readRecord(name);
      if (record === undefined) continue;
      if (record.status === 'RUNNING') {
        if (logged.has(name)) record.events.push(...this.readLog(name));
      } else {
        // An ended record whose summary is behind (a crash between the two writes, or a folder older than summaries).
        this.writeSummary(record);
        this.removeLog(name);
      }
      loaded.push({ summary: summaryOf(record), record });
    }
    return loaded;
  }

  /** The events of a log, but a last line a crash cut short; a whole line that is not an event is damage, named. */
  private readLog(name: string): WireHistoryEvent[] {
    const file = this.logFile(name);
    const lines = readFileSync(file, 'utf8').split('\n');
    // What follows the last newline is a torn append, or nothing.
    lines.pop();
    return lines.map((line, index) => {
      try {
        return JSON.parse(line) as WireHistoryEvent;
      } catch (error) {
        throw new DamagedStateFileError(file, `line ${index + 1} is not valid JSON: ${(error as Error).message}`, { cause: error });
      }
    });
  }

  /** A summary is a copy of its record's fields: a damaged one is read again from the record. */
  private readSummary(name: string): ExecutionSummary | undefined {
    try {
      return readStateFileSync(this.summaryFile(name), (json) => json as ExecutionSummary);
    } catch (error) {
      if (error instanceof DamagedStateFileError) return undefined;
      throw error;
    }
  }
}
