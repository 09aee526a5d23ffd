import * as path from 'node:path';
import { createS3Client } from '../shared/clients/s3';
import { MAX_BYTES_PER_ASSET, MIN_BYTES_PER_ASSET } from '../shared/limits';
import { partPlanOf, planParts, type StoredPlan, writePlan } from '../shared/manifest';
import type { UploadBatchInput } from '../shared/schemas/payloads';
import { seedFor } from '../shared/sample-data';
import { sandboxEnvironment } from '../sandbox/directory';
import type { RunningSandbox } from '../sandbox/sandbox';
import type { RawUploadJob, SideReport } from './big-asset-child';
import { bundle } from './bundle';
import { lastJsonLine, runNode } from './measured-child';
import { fixed, MIB, type SectionReport } from './report';
import { formatSpread, interleaved, ratios, spread, type Spread } from './rounds';
import { withSandbox } from './sandboxed';
import { withTempDir } from './scratch';
import { UPLOAD_PART_BYTES, UPLOAD_QUEUE_SIZE } from '../tasks/upload-batch/core';

/*
 * Big asset: one generated asset of N MiB through the UploadBatch task, against a plain lib-storage Upload of
 * the same generated stream with the same part and queue sizes, both to the same sandbox S3 in the same
 * rounds. Each side is a bare `node` running its own prebuilt bundle, so its peak RSS is its own: not tsx's,
 * not the other side's, not the sandbox's. Several sizes show whether memory stays flat as the asset grows.
 */

interface SideRound {
  readonly mibPerSecond: number;
  readonly peakRssMib: number;
}

interface Bundles {
  readonly task: string;
  readonly raw: string;
}

function checkSize(mib: number): number {
  const bytes = mib * MIB;
  if (!Number.isInteger(bytes) || bytes < MIN_BYTES_PER_ASSET || bytes > MAX_BYTES_PER_ASSET) {
    throw new RangeError(`--big-asset-mib must make between ${MIN_BYTES_PER_ASSET} bytes and ${MAX_BYTES_PER_ASSET / MIB} MiB, not ${mib} MiB`);
  }
  return bytes;
}

async function runSide(bundleFile: string, job: UploadBatchInput | RawUploadJob, env: NodeJS.ProcessEnv, mib: number): Promise<SideRound> {
  const run = await runNode([bundleFile, JSON.stringify(job)], { env });
  const { ms } = lastJsonLine<SideReport>(run);
  return { mibPerSecond: fixed(mib / (ms / 1000), 2), peakRssMib: fixed(run.peakRssBytes / MIB, 1) };
}

/** The plan UploadBatch reads: one part, one batch, one generated asset of `bytes`. */
async function writeOneAssetPlan(sandbox: RunningSandbox, runId: string, bytes: number): Promise<number> {
  const seed = seedFor(runId, 1);
  const parts = planParts([{ key: `generated/${runId}/big.csv`, bytes, generated: { seed, bytes } }]);
  const plan: StoredPlan = {
    version: 2,
    runId,
    bucket: sandbox.bucket,
    datasetId: sandbox.dataSetId,
    comment: '',
    sourceType: 'generate',
    subscriberAccountIds: [],
    assetCount: 1,
    totalBytes: bytes,
    parts: parts.map(partPlanOf),
  };
  await writePlan(createS3Client(), plan, parts);
  return seed;
}

async function measureSize(sandbox: RunningSandbox, bundles: Bundles, settings: { partSize: number; queueSize: number }, mib: number, rounds: number) {
  const bytes = checkSize(mib);
  const env = { ...process.env, ...sandboxEnvironment(sandbox) };
  const runId = `bench-big-${mib}-${Date.now()}`;
  const seed = await writeOneAssetPlan(sandbox, runId, bytes);
  const taskJob: UploadBatchInput = { runId, bucket: sandbox.bucket, batch: { part: 0, index: 0, count: 1, bytes } };
  const rawJob: RawUploadJob = { bucket: sandbox.bucket, key: `raw/${runId}/big.csv`, seed, bytes, ...settings };
  const measured = await interleaved(`big-asset ${mib} MiB`, rounds, {
    task: () => runSide(bundles.task, taskJob, env, mib),
    raw: () => runSide(bundles.raw, rawJob, env, mib),
  });
  const of = (side: readonly SideRound[], pick: (round: SideRound) => number) => spread(side.map(pick));
  return {
    mib,
    task: { mibPerSecond: of(measured.task, (r) => r.mibPerSecond), peakRssMib: of(measured.task, (r) => r.peakRssMib) },
    raw: { mibPerSecond: of(measured.raw, (r) => r.mibPerSecond), peakRssMib: of(measured.raw, (r) => r.peakRssMib) },
    /** The task's throughput over the raw upload's, round by round. */
    throughputRatio: spread(ratios(measured.task.map((r) => r.mibPerSecond), measured.raw.map((r) => r.mibPerSecond))),
  };
}

/** How the median peak RSS moved from the smallest size to the largest: the flatness a reader looks for. */
function growthNote(side: string, smallest: { mib: number; rss: Spread }, largest: { mib: number; rss: Spread }): string {
  return `${side}: median peak RSS ${fixed(smallest.rss.median, 0)} MiB at ${smallest.mib} MiB, ${fixed(largest.rss.median, 0)} MiB at ${largest.mib} MiB`;
}

export function bigAsset(mibs: readonly number[], rounds: number): Promise<SectionReport> {
  mibs.forEach(checkSize);
  const settings = { partSize: UPLOAD_PART_BYTES, queueSize: UPLOAD_QUEUE_SIZE };
  return withTempDir('big-asset', async (directory) => {
    // Built once per bench run, each from its own entry: the raw side's bundle holds no task module.
    const bundles = { task: path.join(directory, 'task.js'), raw: path.join(directory, 'raw.js') };
    await bundle({ file: path.join(__dirname, 'big-asset-task.ts') }, bundles.task);
    await bundle({ file: path.join(__dirname, 'big-asset-raw.ts') }, bundles.raw);
    const rows: Awaited<ReturnType<typeof measureSize>>[] = [];
    await withSandbox(async (sandbox) => {
      for (const mib of mibs) rows.push(await measureSize(sandbox, bundles, settings, mib, rounds));
    });
    const [first, last] = [rows[0], rows[rows.length - 1]];
    return {
      title: `Big asset (to the sandbox S3; both sides ${settings.partSize / MIB} MiB parts, queue of ${settings.queueSize}, each a bare node on its own bundle)`,
      table: rows.flatMap((row) =>
        (['task', 'raw'] as const).map((side) => ({
          MiB: row.mib,
          upload: side === 'task' ? 'UploadBatch task' : 'raw lib-storage Upload',
          'MiB/s': formatSpread(row[side].mibPerSecond, 1),
          'peak RSS MiB': formatSpread(row[side].peakRssMib, 0),
          'throughput ratio': side === 'task' ? formatSpread(row.throughputRatio) : '1',
        })),
      ),
      notes:
        rows.length < 2
          ? []
          : (['task', 'raw'] as const).map((side) =>
              growthNote(side, { mib: first.mib, rss: first[side].peakRssMib }, { mib: last.mib, rss: last[side].peakRssMib }),
            ),
      data: { ...settings, rows },
    };
  });
}
