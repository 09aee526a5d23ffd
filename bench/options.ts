import { parseArgs } from 'node:util';

/*
 * The bench's flags, read once and checked before anything runs, so a typo fails in a second rather than
 * after an hour of rounds.
 */

export const SECTION_NAMES = ['orchestration', 'big-asset', 'cold-start', 'cost', 'start', 'publish-latency'] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

export interface BenchOptions {
  /** The sections to run, in SECTION_NAMES order. @default all */
  readonly only: readonly SectionName[];
  /** Interleaved rounds behind every measured figure. @default 5 */
  readonly rounds: number;
  /** Asset counts of the orchestration section. @default [1, 1000, 10000] */
  readonly sizes: readonly number[];
  /** Sizes of the big asset, in MiB. @default [64, 256, 1024] */
  readonly bigAssetMib: readonly number[];
  /** Per-job import durations of the publish-latency section, in scaled seconds. @default [10, 36, 300] */
  readonly jobSeconds: readonly number[];
  /** Asset counts of the publish-latency section's sandbox runs. @default [100, 1000] */
  readonly latencyAssets: readonly number[];
  /** Real milliseconds a modeled job lasts in those runs (the time scale follows, at most 1,000 ms a second and within the sandbox's 60 s for a batch). @default 30000 */
  readonly jobMs: number;
  /** One JSON object on stdout instead of tables. @default false */
  readonly json: boolean;
}

export const USAGE =
  'npm run bench -- [--only orchestration,big-asset,cold-start,cost,start,publish-latency] [--rounds 5] [--sizes 1,1000,10000] [--big-asset-mib 64,256,1024] ' +
  '[--job-seconds 10,36,300] [--latency-assets 100,1000] [--job-ms 30000] [--json]';

function numbers(flag: string, text: string, integer: boolean): number[] {
  const values = text.split(',').map(Number);
  const bad = values.find((value) => !(value > 0) || (integer && !Number.isInteger(value)));
  if (bad !== undefined) throw new RangeError(`--${flag} takes positive ${integer ? 'integers' : 'numbers'} separated by commas, not "${text}"`);
  return values;
}

function sections(text: string | undefined): SectionName[] {
  if (text === undefined) return [...SECTION_NAMES];
  const asked = text.split(',');
  const unknown = asked.find((name) => !(SECTION_NAMES as readonly string[]).includes(name));
  if (unknown !== undefined) throw new RangeError(`--only: no section "${unknown}"; the sections are ${SECTION_NAMES.join(', ')}`);
  return SECTION_NAMES.filter((name) => asked.includes(name));
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      only: { type: 'string' },
      rounds: { type: 'string', default: '5' },
      sizes: { type: 'string', default: '1,1000,10000' },
      'big-asset-mib': { type: 'string', default: '64,256,1024' },
      'job-seconds': { type: 'string', default: '10,36,300' },
      'latency-assets': { type: 'string', default: '100,1000' },
      'job-ms': { type: 'string', default: '30000' },
      json: { type: 'boolean', default: false },
    },
  });
  return {
    only: sections(values.only),
    rounds: numbers('rounds', values.rounds, true)[0],
    sizes: numbers('sizes', values.sizes, true),
    bigAssetMib: numbers('big-asset-mib', values['big-asset-mib'], false),
    jobSeconds: numbers('job-seconds', values['job-seconds'], false),
    latencyAssets: numbers('latency-assets', values['latency-assets'], true),
    jobMs: numbers('job-ms', values['job-ms'], true)[0],
    json: values.json,
  };
}
