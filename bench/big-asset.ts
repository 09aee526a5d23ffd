import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createS3Client } from '../shared/clients/s3';
import { MAX_BYTES_PER_ASSET, MIN_BYTES_PER_ASSET } from '../shared/limits';
import { partPlanOf, planParts, writePlan } from '../shared/manifest';
import { seedFor } from '../shared/sample-data';
import { sandboxEnvironment } from '../sandbox/directory';
import { startSandbox } from '../sandbox/sandbox';
import type { BigAssetJob } from './big-asset-child';

/*
 * Big asset: one generated asset of N MiB through the UploadBatch task, against a plain lib-storage Upload of
 * the same generated stream, both to the same sandbox S3 endpoint in the same run. Each side runs in a child
 * process of its own, which reports its own wall time and peak RSS.
 */

export interface BigAssetSide {
  readonly ms: number;
  readonly mibPerSecond: number;
  readonly peakRssMib: number;
}

export interface BigAssetRow {
  readonly mib: number;
  readonly task: BigAssetSide;
  readonly raw: BigAssetSide;
  /** The task's throughput over the raw upload's. */
  readonly throughputRatio: number;
}

const CHILD = path.join(__dirname, 'big-asset-child.ts');
const MIB = 1024 ** 2;

/** Asynchronous on purpose: the sandbox's S3 serves the child from this process's event loop. */
function runChild(job: BigAssetJob, env: NodeJS.ProcessEnv, mib: number): Promise<BigAssetSide> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(job)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`the ${job.side} side of the big-asset bench exited with ${code}`));
        return;
      }
      const { ms, maxRssBytes } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as { ms: number; maxRssBytes: number };
      resolve({ ms: Math.round(ms), mibPerSecond: mib / (ms / 1000), peakRssMib: maxRssBytes / MIB });
    });
  });
}

export async function bigAsset(mib: number): Promise<BigAssetRow> {
  const bytes = mib * MIB;
  if (!Number.isInteger(bytes) || bytes < MIN_BYTES_PER_ASSET || bytes > MAX_BYTES_PER_ASSET) {
    throw new RangeError(`--big-asset-mib must make between ${MIN_BYTES_PER_ASSET} bytes and ${MAX_BYTES_PER_ASSET / MIB} MiB, not ${mib} MiB`);
  }
  const directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-bench-big-'));
  const sandbox = await startSandbox({ directory });
  try {
    const env = { ...process.env, ...sandboxEnvironment(sandbox) };
    const runId = `bench-big-${Date.now()}`;
    const seed = seedFor(runId, 1);
    const key = `generated/${runId}/big.csv`;
    const parts = planParts([{ key, bytes, generated: { seed, bytes } }]);
    await writePlan(
      createS3Client(),
      {
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
      },
      parts,
    );
    const raw = await runChild({ side: 'raw', bucket: sandbox.bucket, key: `raw/${runId}/big.csv`, seed, bytes }, env, mib);
    const task = await runChild(
      { side: 'task', input: { runId, bucket: sandbox.bucket, batch: { part: 0, index: 0, count: 1, bytes } } },
      env,
      mib,
    );
    return { mib, task, raw, throughputRatio: task.mibPerSecond / raw.mibPerSecond };
  } finally {
    await sandbox.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
