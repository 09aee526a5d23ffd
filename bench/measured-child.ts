import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { withTempDir } from './scratch';

/*
 * A Node.js child process, measured from outside: its wall time and its peak RSS. GNU time reads the peak
 * from the kernel's accounting of the child, so nothing is loaded into the child to measure it; where GNU time
 * is missing, a preload writes the child's own process.resourceUsage() peak as it exits.
 */

const GNU_TIME = '/usr/bin/time';
const RSS_PRELOAD = path.join(__dirname, 'peak-rss-preload.cjs');

export interface MeasuredRun {
  readonly wallMs: number;
  readonly peakRssBytes: number;
  readonly stdout: string;
}

export interface MeasuredOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

interface Exited {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function collect(command: string, args: readonly string[], options: MeasuredOptions): Promise<Exited> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

async function runMeasured(args: readonly string[], options: MeasuredOptions, rssFile: string): Promise<MeasuredRun> {
  const gnuTime = existsSync(GNU_TIME);
  const [command, commandArgs] = gnuTime
    ? [GNU_TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...args]]
    : [process.execPath, ['--require', RSS_PRELOAD, ...args]];
  // Only the preload needs the file's name. Not a DX_FLOW_* name: those are part of the synth cache's key.
  const env = { ...(options.env ?? process.env), ...(gnuTime ? {} : { BENCH_PEAK_RSS_FILE: rssFile }) };
  const started = process.hrtime.bigint();
  const { code, stdout, stderr } = await collect(command, commandArgs, { ...options, env });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}:\n${stderr.trim().split('\n').slice(-20).join('\n')}`);
  // GNU time's %M and resourceUsage().maxRSS are both KiB; GNU time may write a status line first.
  const peakKib = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
  return { wallMs, peakRssBytes: peakKib * 1024, stdout };
}

/**
 * Runs `node <args>` to its end. Asynchronous on purpose: a child may be served by a sandbox in this process's
 * event loop. Its stderr is kept and shown only if it fails, so progress lines do not drown the tables.
 */
export function runNode(args: readonly string[], options: MeasuredOptions = {}): Promise<MeasuredRun> {
  return withTempDir('rss', (scratch) => runMeasured(args, options, path.join(scratch, 'peak-kib')));
}

/** The child's last stdout line, as JSON: the CLI's `--json` summary and the big-asset side's report both end there. */
export function lastJsonLine<T>(run: MeasuredRun): T {
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as T;
}
