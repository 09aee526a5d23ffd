import { existsSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { RunSummary } from '../cli/summary';
import { DEFAULT_SYNTH_CACHE_DIR } from '../sandbox/provider-template';
import { lastJsonLine, runNode } from './measured-child';
import { fixed, type SectionReport } from './report';
import { formatSpread, interleaved, ratios, spread, type Spread } from './rounds';
import { withTempDir } from './scratch';

/*
 * `npm start`, cold against warm: the whole command a newcomer runs (`run --local` in a fresh sandbox
 * directory), once with the synth cache removed, so it loads aws-cdk-lib and synthesizes, and once with the
 * cache the cold run left, so it does not. Wall time and peak RSS of the process, measured from outside.
 */

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'cli', 'dx-flow.js');
/** The targets: a warm start at most half a cold one, and under 250 MB. */
const TARGET = { warmOverCold: 0.5, warmPeakRssMb: 250 } as const;
const MB = 1000 ** 2;

interface StartRound {
  readonly ms: number;
  readonly peakRssMb: number;
  /** Whether the run wrote a synth cache entry: it missed the cache and synthesized. */
  readonly synthesized: boolean;
}

/** A warm round: its run, and how many runs before it missed the cache. */
interface WarmRound extends StartRound {
  readonly missesBefore: number;
}

/** Other work in this tree can change a module between the cold run and the warm one; a warm run then synthesizes. */
const WARM_TRIES = 3;

const cacheEntries = () => (existsSync(DEFAULT_SYNTH_CACHE_DIR) ? readdirSync(DEFAULT_SYNTH_CACHE_DIR) : []);

function startOnce(): Promise<StartRound> {
  return withTempDir('start', async (sandboxDir) => {
    const before = new Set(cacheEntries());
    const run = await runNode([CLI, 'run', '--local', '--sandbox-dir', sandboxDir, '--json'], { cwd: ROOT });
    const summary = lastJsonLine<RunSummary>(run);
    if (summary.status !== 'SUCCEEDED') throw new Error(`npm start's run ended ${summary.status}: ${summary.error ?? ''} ${summary.cause ?? ''}`);
    const synthesized = cacheEntries().some((entry) => !before.has(entry));
    return { ms: Math.round(run.wallMs), peakRssMb: fixed(run.peakRssBytes / MB, 1), synthesized };
  });
}

async function coldStart(): Promise<StartRound> {
  rmSync(DEFAULT_SYNTH_CACHE_DIR, { recursive: true, force: true });
  const run = await startOnce();
  // Else the CLI keeps its cache elsewhere, and neither side of this section is what it claims.
  if (!run.synthesized) throw new Error(`a cold start wrote nothing to ${DEFAULT_SYNTH_CACHE_DIR}: is the synth cache kept there?`);
  return run;
}

/** A start that found the cache; a run that missed it filled it, so the next try is warm unless the tree changed again. */
async function warmStart(): Promise<WarmRound> {
  for (let missesBefore = 0; ; missesBefore += 1) {
    const run = await startOnce();
    if (!run.synthesized || missesBefore + 1 === WARM_TRIES) return { ...run, missesBefore };
  }
}

function verdict(met: boolean): string {
  return met ? 'met' : 'MISSED';
}

function targetNotes(ratio: Spread, warmRss: Spread, warm: readonly WarmRound[]): string[] {
  const notes = [
    `Target warm <= ${TARGET.warmOverCold} x cold: median ${fixed(ratio.median)}, ${verdict(ratio.median <= TARGET.warmOverCold)} (worst round ${fixed(ratio.max)})`,
    `Target warm peak RSS < ${TARGET.warmPeakRssMb} MB: median ${fixed(warmRss.median, 0)} MB, ${verdict(warmRss.median < TARGET.warmPeakRssMb)} (worst round ${fixed(warmRss.max, 0)} MB)`,
  ];
  const retried = warm.reduce((sum, round) => sum + round.missesBefore, 0);
  if (retried > 0) notes.push(`${retried} warm run(s) missed the synth cache (the tree changed after the cold run) and were run again.`);
  const missed = warm.filter((round) => round.synthesized).length;
  if (missed > 0) notes.push(`${missed} warm round(s) missed the cache ${WARM_TRIES} times and count as they ran: not warm starts.`);
  return notes;
}

export async function start(rounds: number): Promise<SectionReport> {
  const measured = await interleaved('start', rounds, { cold: coldStart, warm: warmStart });
  const pick = (side: readonly StartRound[], field: 'ms' | 'peakRssMb') => spread(side.map((round) => round[field]));
  const figures = {
    coldMs: pick(measured.cold, 'ms'),
    warmMs: pick(measured.warm, 'ms'),
    warmOverCold: spread(ratios(measured.warm.map((r) => r.ms), measured.cold.map((r) => r.ms))),
    coldPeakRssMb: pick(measured.cold, 'peakRssMb'),
    warmPeakRssMb: pick(measured.warm, 'peakRssMb'),
  };
  const seconds = (figure: Spread) => formatSpread(spread(figure.values.map((ms) => ms / 1000)), 2);
  return {
    title: "npm start (node cli/dx-flow.js run --local --json in a fresh sandbox directory): cold (no synth cache) vs warm",
    table: [
      { start: 'cold', seconds: seconds(figures.coldMs), 'peak RSS MB': formatSpread(figures.coldPeakRssMb, 0), 'warm ÷ cold': '' },
      { start: 'warm', seconds: seconds(figures.warmMs), 'peak RSS MB': formatSpread(figures.warmPeakRssMb, 0), 'warm ÷ cold': formatSpread(figures.warmOverCold) },
    ],
    notes: targetNotes(figures.warmOverCold, figures.warmPeakRssMb, measured.warm),
    data: { ...figures, target: TARGET, warmMissesBefore: measured.warm.map((round) => round.missesBefore) },
  };
}
