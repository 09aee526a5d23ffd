import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { startSandbox } from '../sandbox/sandbox';
import { ended } from './batch-executions';
import { withTempDir } from './scratch';

/*
 * What the sandbox's memory grows with as its account ages: publishes run one after another in one sandbox process
 * (as `sandbox up` keeps one), and after each, a forced GC, the heap and RSS. Memory should grow with the work in
 * flight, not with every run published; the slope from the second run on is what each further run keeps.
 *
 *   node --expose-gc --import tsx bench/sandbox-memory.ts [runs, default 10] [assets a run, default 1000]
 *
 * Not a section of bench.ts: it measures one process over many runs, not a ratio against a floor.
 */

const MIB = 2 ** 20;

const round = (value: number) => Number(value.toFixed(2));

function heapKept(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('Run with node --expose-gc --import tsx bench/sandbox-memory.ts');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function measure(runs: number, assets: number): Promise<void> {
  await withTempDir('sandbox-memory', async (directory) => {
    const sandbox = await startSandbox({ directory });
    // The sandbox points the SDK at itself (AWS_ENDPOINT_URL_*). The bench keeps no histories: it asks only whether each run ended.
    const sfn = new SFNClient({});
    const after: { run: number; heapMiB: number; rssMiB: number }[] = [];
    try {
      for (let run = 1; run <= runs; run += 1) {
        const runId = `memory-${run}`;
        const { executionArn } = await sfn.send(
          new StartExecutionCommand({
            stateMachineArn: sandbox.stateMachineArn,
            name: runId,
            input: JSON.stringify({ bucket: sandbox.bucket, datasetId: sandbox.dataSetId, runId, source: { type: 'generate', assets, recordsPerAsset: 1 } }),
          }),
        );
        const { status } = await ended(sfn, executionArn ?? '');
        if (status !== 'SUCCEEDED') throw new Error(`run ${runId} ended ${status}`);
        after.push({ run, heapMiB: round(heapKept() / MIB), rssMiB: round(process.memoryUsage().rss / MIB) });
        console.error(JSON.stringify(after[after.length - 1]));
      }
    } finally {
      await sandbox.close();
    }
    const first = after[Math.min(1, after.length - 1)];
    const last = after[after.length - 1];
    const perRun = last.run === first.run ? 0 : (last.heapMiB - first.heapMiB) / (last.run - first.run);
    console.log(JSON.stringify({ runs, assets, heapMiB: round(last.heapMiB), rssMiB: round(last.rssMiB), heapGrowthPerRunMiB: round(perRun) }));
  });
}

const [runs = '10', assets = '1000'] = process.argv.slice(2);
void measure(Number(runs), Number(assets));
