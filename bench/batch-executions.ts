import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type HistoryEvent,
  ListStateMachinesCommand,
  paginateGetExecutionHistory,
  paginateListExecutions,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { sleep } from '../shared/sleep';

/*
 * Reading a bench run's executions after the fact. A publish's whole cost is in more than its own history: each batch runs in an execution of the import-batch
 * state machine (ImportBatch, startExecution.sync), with its uploads, StartImport and polls. The bench counts
 * transitions and Lambda work over the publish execution and these.
 */

/** The state machines that run a publish's batches: every one in the sandbox but the publish's own. */
export async function batchStateMachineArns(sfn: SFNClient, publishStateMachineArn: string): Promise<string[]> {
  const { stateMachines = [] } = await sfn.send(new ListStateMachinesCommand({}));
  return stateMachines.map((machine) => machine.stateMachineArn ?? '').filter((arn) => arn !== publishStateMachineArn);
}

/**
 * The batch executions of one run: PlanRevision names each after the runId's first 40 characters and a dash
 * (tasks/plan-revision's batchExecutionPrefix), so a runId no other run's begins with picks out its own.
 */
export async function batchExecutionArns(sfn: SFNClient, batchStateMachines: readonly string[], runId: string): Promise<string[]> {
  const prefix = `${runId.slice(0, 40)}-`;
  const arns: string[] = [];
  for (const stateMachineArn of batchStateMachines) {
    for await (const page of paginateListExecutions({ client: sfn }, { stateMachineArn, maxResults: 1000 })) {
      for (const execution of page.executions ?? []) if (execution.name?.startsWith(prefix)) arns.push(execution.executionArn ?? '');
    }
  }
  return arns;
}

/** An execution's whole history, oldest first. */
export async function history(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  for await (const page of paginateGetExecutionHistory({ client: sfn }, { executionArn, maxResults: 1000 })) events.push(...(page.events ?? []));
  return events;
}

const POLL_MS = 100;

/** Resolves with the execution once it has ended; the caller keeps none of its history meanwhile. */
export async function ended(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING') return execution;
    await sleep(POLL_MS);
  }
}
