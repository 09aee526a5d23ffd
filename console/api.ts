import type {
  SFNClient} from '@aws-sdk/client-sfn';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  type ExecutionStatus,
  type HistoryEvent,
  paginateGetExecutionHistory,
  paginateListExecutions,
  RedriveExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import * as z from 'zod';
import type { AslDefinition } from '../workflows/asl';
import { mermaidFlowchart } from '../workflows/diagram';
import { type StateRun, stateRuns } from './state-runs';

/*
 * What the page reads and does, each through the Step Functions API the sandbox serves, as the AWS console
 * calls it: nothing here reads the sandbox's state files.
 */

/** The execution statuses ListExecutions filters on (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html). */
export const EXECUTION_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'] as const;
export const StatusFilter = z.enum(EXECUTION_STATUSES).optional();

/** The list stops here: a sandbox of 10,000 runs would otherwise make every poll page through all of them. */
export const LIST_MAX_EXECUTIONS = 500;
/** Executions described for their runId and revision: the newest ones, which the page shows first. */
export const DESCRIBED_MAX_EXECUTIONS = 100;

export interface ExecutionRow {
  readonly executionArn: string;
  readonly name: string;
  readonly status: string;
  readonly startDate?: string;
  readonly stopDate?: string;
  readonly runId?: string;
  readonly revisionId?: string;
  readonly redriveCount?: number;
  /** In a run of several parts: this execution's part (1-based) and the name of the part 1 execution. */
  readonly chain?: { readonly part: number; readonly first: string };
}

export interface ExecutionView {
  readonly execution: {
    readonly executionArn: string;
    readonly name?: string;
    readonly status?: string;
    readonly startDate?: string;
    readonly stopDate?: string;
    readonly error?: string;
    readonly cause?: string;
    readonly redriveCount?: number;
    readonly redriveStatus?: string;
    readonly redriveStatusReason?: string;
  };
  /** The execution's own state machine as `dx-flow diagram` draws it. */
  readonly flowchart: string;
  readonly states: StateRun[];
  readonly events: HistoryEvent[];
}

const PART_SUFFIX = /^(.+)-part-(\d+)$/;

/**
 * The chains of a run of several parts: part N's execution is named after part 1's, cut to fit, with
 * `-part-<N>` (partExecutionName in tasks/plan-revision/core.ts). Part 1 is the newest execution started no
 * later than it whose name begins with that cut name and is no part itself.
 */
export function chainsOf(rows: readonly Pick<ExecutionRow, 'executionArn' | 'name' | 'startDate'>[]): Map<string, { part: number; first: string }> {
  const chains = new Map<string, { part: number; first: string }>();
  const firsts = rows.filter((row) => !PART_SUFFIX.test(row.name));
  for (const row of rows) {
    const [, prefix, part] = PART_SUFFIX.exec(row.name) ?? [];
    if (prefix === undefined) continue;
    const first = firsts
      .filter((candidate) => candidate.name.startsWith(prefix) && (candidate.startDate ?? '') <= (row.startDate ?? ''))
      .sort((a, b) => (b.startDate ?? '').localeCompare(a.startDate ?? ''))[0];
    if (first === undefined) continue;
    chains.set(row.executionArn, { part: Number(part), first: first.name });
    chains.set(first.executionArn, { part: 1, first: first.name });
  }
  return chains;
}

const iso = (date: Date | undefined) => date?.toISOString();

/** A string field of an execution's JSON input or output, if it is an object that has one. */
function fieldOf(json: string | undefined, field: string): string | undefined {
  try {
    const value = (JSON.parse(json ?? 'null') as Record<string, unknown> | null)?.[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export class ConsoleApi {
  /** Each state machine's flowchart, by ARN: a definition does not change under an execution. */
  private readonly flowcharts = new Map<string, Promise<string>>();

  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  /** The publish state machine's executions, newest first, as ListExecutions returns them. */
  async listExecutions(status: z.infer<typeof StatusFilter>): Promise<ExecutionRow[]> {
    const listed = [];
    const pages = paginateListExecutions({ client: this.sfn, pageSize: 100 }, { stateMachineArn: this.stateMachineArn, statusFilter: status as ExecutionStatus });
    for await (const page of pages) {
      listed.push(...(page.executions ?? []));
      if (listed.length >= LIST_MAX_EXECUTIONS) break;
    }
    const newestFirst = listed.slice(0, LIST_MAX_EXECUTIONS).sort((a, b) => (b.startDate?.getTime() ?? 0) - (a.startDate?.getTime() ?? 0));
    // ListExecutions carries no input or output: the runId and the revision take one DescribeExecution each.
    const described = await Promise.all(
      newestFirst.slice(0, DESCRIBED_MAX_EXECUTIONS).map((e) => this.sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }))),
    );
    const rows = newestFirst.map((e, index) => ({
      executionArn: e.executionArn ?? '',
      name: e.name ?? '',
      status: e.status ?? '',
      startDate: iso(e.startDate),
      stopDate: iso(e.stopDate),
      runId: fieldOf(described[index]?.input, 'runId'),
      revisionId: fieldOf(described[index]?.output, 'revisionId'),
      redriveCount: e.redriveCount,
    }));
    const chains = chainsOf(rows);
    return rows.map((row) => ({ ...row, chain: chains.get(row.executionArn) }));
  }

  async execution(executionArn: string): Promise<ExecutionView> {
    const described: DescribeExecutionCommandOutput = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
    const events: HistoryEvent[] = [];
    for await (const page of paginateGetExecutionHistory({ client: this.sfn, pageSize: 1000 }, { executionArn })) events.push(...(page.events ?? []));
    return {
      execution: {
        executionArn,
        name: described.name,
        status: described.status,
        startDate: iso(described.startDate),
        stopDate: iso(described.stopDate),
        error: described.error,
        cause: described.cause,
        redriveCount: described.redriveCount,
        redriveStatus: described.redriveStatus,
        redriveStatusReason: described.redriveStatusReason,
      },
      flowchart: await this.flowchartOf(described.stateMachineArn ?? this.stateMachineArn),
      states: stateRuns(events),
      events,
    };
  }

  /** RedriveExecution: the run goes on from the states that did not succeed. */
  async redrive(executionArn: string): Promise<{ redriveDate?: string }> {
    const { redriveDate } = await this.sfn.send(new RedriveExecutionCommand({ executionArn }));
    return { redriveDate: iso(redriveDate) };
  }

  /** StopExecution, with the console's own error name, so the history says who stopped the run. */
  async stop(executionArn: string): Promise<{ stopDate?: string }> {
    const { stopDate } = await this.sfn.send(new StopExecutionCommand({ executionArn, error: 'StoppedFromConsole', cause: 'Stopped in the dx-flow console' }));
    return { stopDate: iso(stopDate) };
  }

  private flowchartOf(stateMachineArn: string): Promise<string> {
    let flowchart = this.flowcharts.get(stateMachineArn);
    if (flowchart === undefined) {
      flowchart = this.sfn
        .send(new DescribeStateMachineCommand({ stateMachineArn }))
        .then(({ definition }) => mermaidFlowchart(JSON.parse(definition ?? '{}') as AslDefinition));
      // A failed read is tried again at the next poll rather than remembered.
      flowchart.catch(() => this.flowcharts.delete(stateMachineArn));
      this.flowcharts.set(stateMachineArn, flowchart);
    }
    return flowchart;
  }
}
