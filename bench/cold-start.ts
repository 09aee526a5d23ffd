import { build, type Metafile } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TASK_NAMES, taskEntry, type TaskName } from '../tasks/registry';

/*
 * Cold start proxy: each task bundle's minified size and the time a fresh Node process takes to load it,
 * against a floor bundle holding only the same AWS SDK clients, built and loaded the same way.
 */

export interface ColdStartRow {
  readonly task: TaskName;
  readonly clients: readonly string[];
  readonly bytes: number;
  readonly floorBytes: number;
  readonly sizeRatio: number;
  readonly loadMs: number;
  readonly floorLoadMs: number;
  readonly loadRatio: number;
}

// The same settings TaskFunction gives esbuild, but a target this machine's Node.js 20 can load.
const BUNDLE_OPTIONS = { bundle: true, minify: true, platform: 'node', format: 'cjs', target: 'node20', metafile: true } as const;

async function bundle(entry: { file: string } | { contents: string }, outfile: string): Promise<Metafile> {
  const input = 'file' in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.contents, resolveDir: process.cwd(), loader: 'ts' as const } };
  const result = await build({ ...BUNDLE_OPTIONS, ...input, outfile, logLevel: 'silent' });
  return result.metafile;
}

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

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

/**
 * Median wall time of `require(file)` in a fresh Node process, minus an empty process's, for each file. The
 * files and the empty process take turns in every round, so a busy moment of the machine weighs on all alike.
 */
function loadTimesMs(files: readonly string[], runs: number): number[] {
  const scripts = ['', ...files.map((file) => `require(${JSON.stringify(file)})`)];
  const samples = scripts.map((): number[] => []);
  for (let round = 0; round < runs; round += 1) {
    scripts.forEach((script, i) => {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, ['-e', script], { stdio: 'ignore' });
      if (result.status !== 0) throw new Error(`loading ${files[i - 1] ?? 'nothing'} failed`);
      samples[i].push(Number(process.hrtime.bigint() - started) / 1e6);
    });
  }
  const [empty, ...loads] = samples.map(median);
  return loads.map((load) => Math.max(0.1, load - empty));
}

export async function coldStart(runs = 15): Promise<ColdStartRow[]> {
  const directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-bench-bundles-'));
  try {
    const rows: ColdStartRow[] = [];
    for (const task of TASK_NAMES) {
      const taskFile = path.join(directory, `${task}.js`);
      const clients = clientsIn(await bundle({ file: taskEntry(task) }, taskFile));
      const floorFile = path.join(directory, `${task}.floor.js`);
      const floorSource = clients.map((pkg, i) => `import { ${CLASS_OF[pkg]} as C${i} } from '${pkg}';\nexport const c${i} = C${i};`).join('\n');
      await bundle({ contents: floorSource }, floorFile);
      writeFileSync(`${floorFile}.txt`, floorSource);
      const bytes = statSync(taskFile).size;
      const floorBytes = statSync(floorFile).size;
      const [loadMs, floorLoadMs] = loadTimesMs([taskFile, floorFile], runs);
      rows.push({ task, clients, bytes, floorBytes, sizeRatio: bytes / floorBytes, loadMs, floorLoadMs, loadRatio: loadMs / floorLoadMs });
    }
    return rows;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
