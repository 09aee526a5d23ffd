import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { isAlive } from './ownership';
import { isTemporaryFileName, writeFileAtomicSync } from './persist';

/*
 * A synthesized result kept on disk, keyed by everything that can change it, so that an unchanged project
 * starts the sandbox without loading aws-cdk-lib (about 2 s and most of the memory of `npm start`).
 *
 * The key covers:
 * - the content of every project module the entry loads, found by esbuild's import graph of the entry (the
 *   modules the synth actually runs, not a hand-kept list of folders; type-only imports, which run nothing,
 *   are left out);
 * - the lock file (which pins aws-cdk-lib and every other package), `cdk.json` and any extra file given;
 * - the context, and every `DX_FLOW_*` and `CDK_*` environment variable;
 * - the Node.js version and this format.
 * A change to any of them is a new key, so a stale result is never read.
 */

const FORMAT = 'dx-flow-synth-cache/1';
/** Results kept; the oldest beyond these go, so a long-lived checkout does not fill its disk. */
const KEPT_ENTRIES = 8;

export interface SynthCacheOptions {
  /** The project root: module paths in the key are relative to it. */
  readonly root: string;
  /** The module whose import graph the synth runs, relative to `root`. */
  readonly entry: string;
  /** Files read at synth besides modules, relative to `root`, present or not. */
  readonly files: readonly string[];
  readonly context: Readonly<Record<string, unknown>>;
  readonly env: NodeJS.ProcessEnv;
  /** Where results are kept. */
  readonly directory: string;
}

export interface Cached<T> {
  readonly value: T;
  /** True when the value came from the cache, with no synth. */
  readonly hit: boolean;
}

/** The project modules the entry loads: esbuild resolves the imports, packages stay out. */
function modulesOf(root: string, entry: string): string[] {
  const result = buildSync({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    metafile: true,
    packages: 'external',
    platform: 'node',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs).sort();
}

export function synthCacheKey(options: SynthCacheOptions): string {
  const hash = createHash('sha256');
  const add = (label: string, value: string | Buffer) => hash.update(`${label}\0`).update(value).update('\0');
  add('format', FORMAT);
  add('node', process.version);
  for (const file of [...modulesOf(options.root, options.entry), ...options.files]) {
    const absolute = path.join(options.root, file);
    add(file, existsSync(absolute) ? readFileSync(absolute) : '<absent>');
  }
  // The context keys in one order; nested values as they are, whole (a replacer list of keys would apply at every
  // depth and empty them) and in their own order, which can matter: the first of `dataSets` is the default.
  add('context', JSON.stringify(Object.fromEntries(Object.entries(options.context).sort(([a], [b]) => (a < b ? -1 : 1)))));
  const env = Object.entries(options.env)
    .filter(([name]) => name.startsWith('DX_FLOW_') || name.startsWith('CDK_'))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  add('env', JSON.stringify(env));
  return hash.digest('hex');
}

/** The oldest results beyond KEPT_ENTRIES, and the temporary files of writes whose process is gone (a crash's; the cache is shared by every sandbox). */
function prune(directory: string): void {
  const names = readdirSync(directory);
  for (const name of names.filter(isTemporaryFileName)) {
    const pid = Number(/\.(\d+)(-\d+)?\.tmp$/.exec(name)?.[1]);
    if (!isAlive(pid)) rmSync(path.join(directory, name), { force: true });
  }
  const entries = names
    .filter((name) => name.endsWith('.json'))
    .map((name) => ({ file: path.join(directory, name), mtimeMs: statSync(path.join(directory, name)).mtimeMs }))
    .sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const stale of entries.slice(KEPT_ENTRIES)) rmSync(stale.file, { force: true });
}

/**
 * The cached value for these inputs, or `synthesize()`'s, which is then kept. The value must be JSON. A
 * damaged entry counts as a miss; a result is written whole (temporary file, then rename) or not at all.
 */
export function cachedSynth<T>(options: SynthCacheOptions, synthesize: () => T): Cached<T> {
  const key = synthCacheKey(options);
  const file = path.join(options.directory, `${key}.json`);
  if (existsSync(file)) {
    try {
      const value = JSON.parse(readFileSync(file, 'utf8')) as T;
      const now = new Date();
      utimesSync(file, now, now);
      return { value, hit: true };
    } catch {
      // Unreadable: synthesize again and replace it.
    }
  }
  const value = synthesize();
  writeFileAtomicSync(file, JSON.stringify(value));
  prune(options.directory);
  return { value, hit: false };
}
