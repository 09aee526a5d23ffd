import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

/*
 * What a figure was measured on, printed before the figures: a reader comparing two runs must know whether
 * the code, the machine or the Node.js version differed.
 */

export interface Provenance {
  /** `git rev-parse --short HEAD`, with `-dirty` when the working tree differs from it. */
  readonly commit: string;
  readonly machine: { readonly cores: number; readonly cpu: string; readonly memoryGib: number; readonly node: string };
  readonly date: string;
}

function git(args: readonly string[]): string {
  return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

function commit(): string {
  try {
    return `${git(['rev-parse', '--short', 'HEAD'])}${git(['status', '--porcelain']) === '' ? '' : '-dirty'}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

export function provenance(): Provenance {
  return {
    commit: commit(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGib: Number((totalmem() / 1024 ** 3).toFixed(1)),
      node: process.version,
    },
    date: new Date().toISOString(),
  };
}

export function describeProvenance({ commit: at, machine, date }: Provenance): string {
  return `Commit ${at}\nMachine: ${machine.cores} x ${machine.cpu}, ${machine.memoryGib} GiB, Node.js ${machine.node}\nDate: ${date}\n`;
}
