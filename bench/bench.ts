import { cpus } from 'node:os';
import { bigAsset } from './big-asset';
import { coldStart } from './cold-start';
import { dollars, pollingCosts } from './cost';
import { orchestration } from './orchestration';

/*
 * `npm run bench [-- --json] [-- --sizes 1,1000,10000] [-- --big-asset-mib 1024]`: figures measured side by side in one run and
 * reported as ratios. Not part of `npm test`: benchmarks are not assertions.
 */

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
}

const fixed = (value: number, digits = 2) => Number(value.toFixed(digits));

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const sizes = (option('--sizes') ?? '1,1000,10000').split(',').map(Number);
  const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' };

  const runs = await orchestration(sizes);
  const overhead = runs.map((run) => ({
    assets: run.assets,
    workflowMs: run.workflowMs,
    floorMs: run.floorMs,
    ratio: fixed(run.ratio),
    executions: run.executions,
    historyEvents: run.historyEvents,
    stateTransitions: run.stateTransitions,
    transitionsPer1000Assets: fixed((run.stateTransitions / run.assets) * 1000, 1),
    lambdaInvocations: run.lambdaInvocations,
    lambdaGbSeconds: fixed(run.lambdaGbSeconds, 3),
    dollarsPerRun: fixed(dollars(run.stateTransitions, run.lambdaInvocations, run.lambdaGbSeconds), 5),
  }));
  const big = await bigAsset(Number(option('--big-asset-mib') ?? '1024'));
  const bigAssetRows = (['task', 'raw'] as const).map((side) => ({
    upload: side === 'task' ? 'UploadBatch task' : 'raw lib-storage Upload',
    mib: big.mib,
    ms: big[side].ms,
    mibPerSecond: fixed(big[side].mibPerSecond, 1),
    peakRssMib: fixed(big[side].peakRssMib, 1),
    throughputRatio: side === 'task' ? fixed(big.throughputRatio) : 1,
  }));
  const polling = pollingCosts(600).map((row) => ({ ...row, gbSeconds: fixed(row.gbSeconds, 2), dollars: fixed(row.dollars, 6) }));
  const bundles = (await coldStart()).map((row) => ({
    task: row.task,
    clients: row.clients.join(' '),
    bytes: row.bytes,
    floorBytes: row.floorBytes,
    sizeRatio: fixed(row.sizeRatio),
    loadMs: fixed(row.loadMs, 1),
    floorLoadMs: fixed(row.floorLoadMs, 1),
    loadRatio: fixed(row.loadRatio),
  }));

  const report = { machine, overhead, pollingPerBatchFor10MinuteImport: polling, bigAsset: bigAssetRows, coldStart: bundles };
  if (json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  process.stdout.write(`Machine: Node.js ${machine.node}, ${machine.cpus} x ${machine.cpu}\n\nOrchestration overhead (sandbox run vs direct PUT floor)\n`);
  console.table(overhead);
  process.stdout.write('\nPolling one batch through a 10-minute import\n');
  console.table(polling);
  process.stdout.write(`\nBig asset (${big.mib} MiB to the sandbox S3, each side in its own process)\n`);
  console.table(bigAssetRows);
  process.stdout.write('\nCold start proxy (task bundle vs a bundle of the same SDK clients)\n');
  console.table(bundles);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
