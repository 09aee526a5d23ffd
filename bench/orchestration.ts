import { type HistoryEvent, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createDataExchangeClient } from '../shared/clients/dataexchange';
import { createS3Client } from '../shared/clients/s3';
import { TASKS, type TaskName } from '../tasks/registry';
import { followRun } from '../cli/follow';
import { TASK_OF_STATE } from '../workflows/state-names';
import type { RunningSandbox } from '../sandbox/sandbox';
import { dollars } from './cost';
import { type FloorTarget, importFloor, putFloor, RECORDS_PER_ASSET } from './floors';
import { fixed, type SectionReport } from './report';
import { formatSpread, interleaved, ratios, spread, type Spread, timedMs } from './rounds';
import { batchExecutionArns, batchStateMachineArns, history } from './batch-executions';
import { withSandbox } from './sandboxed';

/*
 * Orchestration overhead: a sandbox run of N generated assets against two floors measured in the same sandbox,
 * the same process and the same rounds (./floors.ts): the bytes PUT alone, and the bytes PUT and imported by
 * direct Data Exchange calls. The second ratio is what the workflow itself adds.
 */

/** What one workflow round measured; all but the time come from its history. */
interface WorkflowRound {
  readonly ms: number;
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  /** The largest history of the run's executions (one per 10,000 assets). */
  readonly historyEvents: number;
  readonly executions: number;
  /** The import-batch executions the run started, one per batch. */
  readonly batchExecutions: number;
}

/**
 * One execution's Lambda work as Lambda would bill it: the task attempts (a state's ImportBatch, which starts an
 * execution, is none), and GB-seconds, each attempt's duration times its function's memory.
 */
function lambdaWork(events: readonly HistoryEvent[]): { invocations: number; gbSeconds: number } {
  let invocations = 0;
  let gbSeconds = 0;
  let entered: { task: TaskName | undefined; at: number } | undefined;
  for (const event of events) {
    const name = event.stateEnteredEventDetails?.name;
    if (name !== undefined) entered = { task: (TASK_OF_STATE as Record<string, TaskName | undefined>)[name], at: event.timestamp?.getTime() ?? 0 };
    if (entered?.task === undefined) continue;
    if (event.type === 'TaskScheduled') invocations += 1;
    if (event.type === 'TaskSucceeded' || event.type === 'TaskFailed') {
      const ms = Math.max(1, (event.timestamp?.getTime() ?? 0) - entered.at);
      gbSeconds += (Math.ceil(ms) / 1000) * (TASKS[entered.task].memoryMb / 1024);
    }
  }
  return { invocations, gbSeconds };
}

async function workflowRound(sfn: SFNClient, sandbox: RunningSandbox, batchMachines: readonly string[], runId: string, assets: number): Promise<WorkflowRound> {
  const started = performance.now();
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: sandbox.stateMachineArn,
      name: runId,
      input: JSON.stringify({ bucket: sandbox.bucket, datasetId: sandbox.dataSetId, runId, source: { type: 'generate', assets, recordsPerAsset: RECORDS_PER_ASSET } }),
    }),
  );
  // A run past 10,000 assets is a chain of executions, one per revision: followed to the last one.
  const executions = await followRun(sfn, executionArn ?? '', { pollMs: 50 });
  const ms = Math.round(performance.now() - started);
  const status = executions[executions.length - 1].execution.status;
  if (status !== 'SUCCEEDED') throw new Error(`the ${assets}-asset run ${runId} ended ${status}`);
  // Counted once the run has ended, outside its time.
  const batchArns = await batchExecutionArns(sfn, batchMachines, runId);
  const histories = [...executions.map((followed) => followed.events), ...(await Promise.all(batchArns.map((arn) => history(sfn, arn))))];
  const work = histories.map(lambdaWork);
  return {
    ms,
    stateTransitions: histories.flat().filter((e) => e.type?.endsWith('StateEntered')).length,
    lambdaInvocations: work.reduce((sum, each) => sum + each.invocations, 0),
    lambdaGbSeconds: fixed(work.reduce((sum, each) => sum + each.gbSeconds, 0), 3),
    // The publish executions' (one per 10,000 assets), the largest: a batch's is far smaller.
    historyEvents: Math.max(...executions.map((followed) => followed.events.length)),
    executions: executions.length,
    batchExecutions: batchArns.length,
  };
}

/** A fresh id per side and round: each round publishes its own revision and writes its own keys. */
const newRunId = (side: string, assets: number) => `bench-${side}-${assets}-${Date.now()}`;

async function measureSize(sandbox: RunningSandbox, sfn: SFNClient, target: FloorTarget, assets: number, rounds: number) {
  const batchMachines = await batchStateMachineArns(sfn, sandbox.stateMachineArn);
  const measured = await interleaved(`orchestration ${assets} assets`, rounds, {
    workflow: () => workflowRound(sfn, sandbox, batchMachines, newRunId('run', assets), assets),
    putFloor: () => timedMs(() => putFloor(target, newRunId('put', assets), assets)),
    importFloor: () => timedMs(() => importFloor(target, newRunId('import', assets), assets)),
  });
  const of = (pick: (round: WorkflowRound) => number) => spread(measured.workflow.map(pick));
  const workflowMs = measured.workflow.map((round) => round.ms);
  return {
    assets,
    workflowMs: spread(workflowMs),
    putFloorMs: spread(measured.putFloor),
    importFloorMs: spread(measured.importFloor),
    ratioToPut: spread(ratios(workflowMs, measured.putFloor)),
    ratioToImport: spread(ratios(workflowMs, measured.importFloor)),
    stateTransitions: of((round) => round.stateTransitions),
    transitionsPer1000Assets: of((round) => fixed((round.stateTransitions / assets) * 1000, 1)),
    historyEvents: of((round) => round.historyEvents),
    executions: of((round) => round.executions),
    batchExecutions: of((round) => round.batchExecutions),
    lambdaInvocations: of((round) => round.lambdaInvocations),
    lambdaGbSeconds: of((round) => round.lambdaGbSeconds),
    dollarsPerRun: of((round) => fixed(dollars(round.stateTransitions, round.lambdaInvocations, round.lambdaGbSeconds), 5)),
  };
}

export function orchestration(sizes: readonly number[], rounds: number): Promise<SectionReport> {
  return withSandbox(async (sandbox) => {
    const sfn = new SFNClient({});
    const target = { s3: createS3Client(), dataExchange: createDataExchangeClient(), bucket: sandbox.bucket, dataSetId: sandbox.dataSetId };
    const rows: Awaited<ReturnType<typeof measureSize>>[] = [];
    for (const assets of sizes) rows.push(await measureSize(sandbox, sfn, target, assets, rounds));
    const seconds = (ms: Spread) => formatSpread(spread(ms.values.map((value) => value / 1000)), 2);
    return {
      title: 'Orchestration (sandbox run vs floor 1, direct PUT, and floor 2, direct PUT and Data Exchange import; seconds)',
      table: rows.map((row) => ({
        assets: row.assets,
        workflow: seconds(row.workflowMs),
        put: seconds(row.putFloorMs),
        import: seconds(row.importFloorMs),
        '÷ put': formatSpread(row.ratioToPut),
        '÷ import': formatSpread(row.ratioToImport),
        transitions: formatSpread(row.stateTransitions, 0),
        'per 1,000': formatSpread(row.transitionsPer1000Assets, 0),
        'history events': formatSpread(row.historyEvents, 0),
        executions: formatSpread(row.executions, 0),
        'batch executions': formatSpread(row.batchExecutions, 0),
        '$ per run': formatSpread(row.dollarsPerRun, 5),
      })),
      data: rows,
    };
  });
}
