import type { Metafile } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { TASK_NAMES, taskEntry } from '../tasks/registry';
import { bundle } from './bundle';
import { fixed, type SectionReport } from './report';
import { formatSpread, interleaved, ratios, spread } from './rounds';
import { withTempDir } from './scratch';

/*
 * Cold start proxy: each task bundle's minified size and the time a fresh Node process takes to load it,
 * against a floor bundle holding only the same AWS SDK clients, built and loaded the same way. An empty
 * process takes its turn in every round too, and its median is taken off both loads, so what is compared is
 * the loading alone, not Node's own start.
 */

function clientsIn(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const match = /node_modules\/(@aws-sdk\/client-[a-z0-9-]+|@aws-sdk\/lib-storage)\//.exec(input);
    if (match !== null) names.add(match[1]);
  }
  return [...names].sort();
}

const CLASS_OF: Readonly<Record<string, string>> = {
  '@aws-sdk/client-s3': 'S3Client',
  '@aws-sdk/client-dataexchange': 'DataExchangeClient',
  '@aws-sdk/client-sns': 'SNSClient',
  '@aws-sdk/lib-storage': 'Upload',
};

/** Wall time of a fresh `node -e script`. Synchronous: nothing in this process needs to serve the child. */
async function processMs(script: string): Promise<number> {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['-e', script], { stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`node -e ${script} failed`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const requireOf = (file: string) => `require(${JSON.stringify(file)})`;

/**
 * Each load over Node's own start, taken as the median empty process of all rounds: a same-round empty
 * sample would add its own noise to every difference. Below a tenth of a millisecond the difference is noise.
 */
function overEmpty(loads: readonly number[], empty: readonly number[]): number[] {
  const baseline = spread(empty).median;
  return loads.map((load) => fixed(Math.max(0.1, load - baseline), 2));
}

export function coldStart(rounds: number): Promise<SectionReport> {
  return withTempDir('bundles', async (directory) => {
    const rows = [];
    for (const task of TASK_NAMES) {
      const taskFile = path.join(directory, `${task}.js`);
      const clients = clientsIn(await bundle({ file: taskEntry(task) }, taskFile));
      const floorFile = path.join(directory, `${task}.floor.js`);
      const floorSource = clients.map((pkg, i) => `import { ${CLASS_OF[pkg]} as C${i} } from '${pkg}';\nexport const c${i} = C${i};`).join('\n');
      await bundle({ contents: floorSource }, floorFile);
      const times = await interleaved(`cold-start ${task}`, rounds, {
        empty: () => processMs(''),
        task: () => processMs(requireOf(taskFile)),
        floor: () => processMs(requireOf(floorFile)),
      });
      const loadMs = overEmpty(times.task, times.empty);
      const floorLoadMs = overEmpty(times.floor, times.empty);
      const bytes = statSync(taskFile).size;
      const floorBytes = statSync(floorFile).size;
      rows.push({
        task,
        clients,
        bytes,
        floorBytes,
        sizeRatio: fixed(bytes / floorBytes),
        loadMs: spread(loadMs),
        floorLoadMs: spread(floorLoadMs),
        loadRatio: spread(ratios(loadMs, floorLoadMs)),
      });
    }
    return {
      title: 'Cold start proxy (task bundle vs a bundle of the same SDK clients; load time over an empty process, ms)',
      table: rows.map((row) => ({
        task: row.task,
        clients: row.clients.join(' '),
        bytes: row.bytes,
        floorBytes: row.floorBytes,
        sizeRatio: row.sizeRatio,
        loadMs: formatSpread(row.loadMs, 1),
        floorLoadMs: formatSpread(row.floorLoadMs, 1),
        loadRatio: formatSpread(row.loadRatio),
      })),
      data: rows,
    };
  });
}
