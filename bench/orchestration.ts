import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type HistoryEvent, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createS3Client } from '../shared/clients/s3';
import { mapLimited } from '../shared/concurrency';
import { sampleCsvChunks, seedFor } from '../shared/sample-data';
import { TASKS, type TaskName } from '../tasks/registry';
import { followRun } from '../cli/follow';
import { TASK_OF_STATE } from '../workflows/state-names';
import { startSandbox } from '../sandbox/sandbox';

/*
 * Orchestration overhead: a sandbox run of N generated assets against a floor measured in the same sandbox
 * and the same process: the same bytes PUT straight to the same embedded S3, at the workflow's upload
 * concurrency, with no workflow.
 */

/** Map concurrency (10) times the assets one UploadBatch streams at once (4). */
const FLOOR_CONCURRENCY = 40;
const RECORDS_PER_ASSET = 100;

export interface OrchestrationRow {
  readonly assets: number;
  readonly workflowMs: number;
  readonly floorMs: number;
  readonly ratio: number;
  readonly stateTransitions: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  /** The largest history of the run's executions (one per 10,000 assets). */
  readonly historyEvents: number;
  readonly executions: number;
}

/** GB-seconds as Lambda would bill them: each attempt's duration times its function's memory. */
function gbSeconds(events: readonly HistoryEvent[]): number {
  let total = 0;
  let entered: { name: string; at: number } | undefined;
  for (const event of events) {
    const name = event.stateEnteredEventDetails?.name;
    if (name !== undefined) entered = { name, at: event.timestamp?.getTime() ?? 0 };
    if ((event.type === 'TaskSucceeded' || event.type === 'TaskFailed') && entered !== undefined) {
      const task = (TASK_OF_STATE as Record<string, TaskName>)[entered.name];
      const ms = Math.max(1, (event.timestamp?.getTime() ?? 0) - entered.at);
      if (task !== undefined) total += (Math.ceil(ms) / 1000) * (TASKS[task].memoryMb / 1024);
    }
  }
  return total;
}

export async function orchestration(sizes: readonly number[]): Promise<OrchestrationRow[]> {
  const directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-bench-'));
  const sandbox = await startSandbox({ directory });
  try {
    const sfn = new SFNClient({});
    const s3 = createS3Client();
    const rows: OrchestrationRow[] = [];
    for (const assets of sizes) {
      const runId = `bench-${assets}-${Date.now()}`;
      const started = Date.now();
      const { executionArn } = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: sandbox.stateMachineArn,
          name: runId,
          input: JSON.stringify({ bucket: sandbox.bucket, datasetId: sandbox.dataSetId, runId, source: { type: 'generate', assets, recordsPerAsset: RECORDS_PER_ASSET } }),
        }),
      );
      // A run past 10,000 assets is a chain of executions, one per revision: followed to the last one.
      const executions = await followRun(sfn, executionArn ?? '', { pollMs: 50 });
      const workflowMs = Date.now() - started;
      const status = executions[executions.length - 1].execution.status;
      if (status !== 'SUCCEEDED') throw new Error(`the ${assets}-asset run ended ${status}`);
      const events = executions.flatMap((followed) => followed.events);

      const floorStarted = Date.now();
      await mapLimited(
        Array.from({ length: assets }, (_, i) => i),
        FLOOR_CONCURRENCY,
        async (i) => {
          const body = [...sampleCsvChunks(seedFor(`floor-${runId}`, i + 1), RECORDS_PER_ASSET)].join('');
          await s3.send(new PutObjectCommand({ Bucket: sandbox.bucket, Key: `floor/${runId}/${i}.csv`, Body: body }));
        },
      );
      const floorMs = Date.now() - floorStarted;
      rows.push({
        assets,
        workflowMs,
        floorMs,
        ratio: workflowMs / floorMs,
        stateTransitions: events.filter((e) => e.type?.endsWith('StateEntered')).length,
        lambdaInvocations: events.filter((e) => e.type === 'TaskScheduled').length,
        lambdaGbSeconds: gbSeconds(events),
        historyEvents: Math.max(...executions.map((followed) => followed.events.length)),
        executions: executions.length,
      });
    }
    return rows;
  } finally {
    await sandbox.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
