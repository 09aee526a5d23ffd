import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type HistoryEvent, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { createS3Client } from '../shared/clients/s3';
import { mapLimited } from '../shared/concurrency';
import { STATE } from '../shared/state-names';
import { perJobDuration } from '../sandbox/dataexchange/import-duration';
import { startSandbox } from '../sandbox/sandbox';
import { batchExecutionArns, batchStateMachineArns, ended, history } from './batch-executions';
import { withTempDir } from './scratch';

/*
 * One run of the publish-latency section, in a process of its own: the tasks read the poll schedule
 * (IMPORT_POLL_*) from the environment once per process, so each schedule gets a fresh one. It starts a sandbox
 * whose import jobs take `jobSeconds` scaled seconds each (`timeScaleMs` real ms a second), puts `assets` small
 * objects in its bucket, publishes them once unmeasured (a data set's earlier run, whose completed imports a
 * learning poll schedule starts from), then publishes them again (an s3Prefix run, so UploadBatch only checks
 * them), and prints one JSON line about the second run: the scaled seconds from the execution's start to FinalizeRevision's end, and the `*StateEntered` events
 * of the publish execution and of every batch execution.
 *
 * `tsx bench/publish-latency-run.ts '{"assets":100,"jobSeconds":36,"timeScaleMs":100}'`
 */

export interface LatencyRunRequest {
  readonly assets: number;
  /** Scaled seconds a full job of 100 assets takes: perJobDuration. */
  readonly jobSeconds: number;
  readonly timeScaleMs: number;
}

export interface LatencyRunResult {
  /** From the publish execution's start to the end of FinalizeRevision, on the scaled clock. */
  readonly scaledSeconds: number;
  readonly realMs: number;
  readonly transitions: number;
  readonly polls: number;
  readonly batches: number;
  /**
   * Each batch's job, from StartImport's end (its job started) to the end of the CheckImport that saw it done, on
   * the scaled clock: the poll schedule's own lateness, without the uploads and other tasks around it.
   */
  readonly noticedSeconds: readonly number[];
}

const PREFIX = 'latency';
/** The measured run's runId: its batch executions' names start with it. */
const RUN_ID = 'latency';
/** The data set's earlier run, not measured. */
const EARLIER_RUN_ID = 'earlier';
/** Objects put at once before the run; none of it is timed. */
const PUT_CONCURRENCY = 40;
const WARM_UP = 'warm-up';



/**
 * One execution of each state machine that fails at its first task on an empty input, before the measured run: the
 * process loads every task module and the runner builds each definition then, not inside the measured time.
 */
async function warmUp(sfn: SFNClient, stateMachineArns: readonly string[]): Promise<void> {
  for (const stateMachineArn of stateMachineArns) {
    const { executionArn = '' } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name: WARM_UP, input: '{}' }));
    const { status } = await ended(sfn, executionArn);
    if (status !== 'FAILED') throw new Error(`the warm-up execution of ${stateMachineArn} ended ${status ?? 'unknown'}, not FAILED`);
  }
}

const exitOf = (events: readonly HistoryEvent[], name: string): number =>
  events.findLast((event) => event.type === 'TaskStateExited' && event.stateExitedEventDetails?.name === name)?.timestamp?.getTime() ?? NaN;

async function main(request: LatencyRunRequest): Promise<LatencyRunResult> {
  return withTempDir('latency', async (directory) => {
    const sandbox = await startSandbox({ directory, timeScaleMs: request.timeScaleMs, importDuration: perJobDuration(request.jobSeconds) });
    try {
      const sfn = new SFNClient({});
      const batchMachines = await batchStateMachineArns(sfn, sandbox.stateMachineArn);
      await warmUp(sfn, [sandbox.stateMachineArn, ...batchMachines]);
      const s3 = createS3Client();
      const keys = Array.from({ length: request.assets }, (_, i) => `${PREFIX}/${String(i).padStart(5, '0')}.csv`);
      await mapLimited(keys, PUT_CONCURRENCY, (Key) => s3.send(new PutObjectCommand({ Bucket: sandbox.bucket, Key, Body: `id,value\n${Key},1\n` })));

      const publishRun = async (runId: string) => {
        const { executionArn = '' } = await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: sandbox.stateMachineArn,
            name: runId,
            input: JSON.stringify({ bucket: sandbox.bucket, datasetId: sandbox.dataSetId, runId, source: { type: 's3Prefix', prefix: PREFIX } }),
          }),
        );
        const publish = await ended(sfn, executionArn);
        if (publish.status !== 'SUCCEEDED') throw new Error(`run ${runId} ended ${publish.status ?? 'unknown'}: ${publish.error ?? ''} ${publish.cause ?? ''}`);
        return { executionArn, publish };
      };
      await publishRun(EARLIER_RUN_ID);
      const { executionArn, publish } = await publishRun(RUN_ID);
      const publishEvents = await history(sfn, executionArn);
      const realMs = exitOf(publishEvents, STATE.finalizeRevision) - (publish.startDate?.getTime() ?? NaN);

      const batchArns = await batchExecutionArns(sfn, batchMachines, RUN_ID);
      const batchEvents = await Promise.all(batchArns.map((arn) => history(sfn, arn)));
      const events = [...publishEvents, ...batchEvents.flat()];
      const entered = (name: string) => events.filter((event) => event.stateEnteredEventDetails?.name === name).length;
      // From StartImport's end, its job started, to the end of the CheckImport that saw the job done.
      const noticedMs = batchEvents.map((batch) => exitOf(batch, STATE.checkImport) - exitOf(batch, STATE.startImport));
      return {
        scaledSeconds: realMs / request.timeScaleMs,
        realMs: Math.round(realMs),
        transitions: events.filter((event) => event.type?.endsWith('StateEntered')).length,
        polls: entered(STATE.checkImport),
        batches: batchArns.length,
        noticedSeconds: noticedMs.map((ms) => Number((ms / request.timeScaleMs).toFixed(2))),
      };
    } finally {
      await sandbox.close();
    }
  });
}

main(JSON.parse(process.argv[2] ?? '') as LatencyRunRequest).then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
