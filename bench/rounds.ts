/*
 * Rounds: every section measures its sides in turn (A, B, A, B, ...), so a busy moment of this shared machine
 * weighs on each side alike, and reports each figure as the median of its rounds with their min and max, so
 * a reader sees how far one run can be trusted.
 */

/** One figure over the rounds: the median, the range, and every round's value as measured. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly values: readonly number[];
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('a figure needs at least one round');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  // An even count takes the mean of the middle two, so two rounds do not report the first one alone.
  const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], values };
}

/** Each round's a over the same round's b: a ratio pairs the sides that ran back to back. */
export function ratios(a: readonly number[], b: readonly number[]): number[] {
  return a.map((value, i) => Number((value / b[i]).toFixed(4)));
}

/** `1.51 (1.10–1.75)`, or the value alone when every round gave the same. */
export function formatSpread(figure: Spread, digits = 2): string {
  const show = (value: number) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const [min, max] = [show(figure.min), show(figure.max)];
  return min === max ? show(figure.median) : `${show(figure.median)} (${min}–${max})`;
}

type Sides = Readonly<Record<string, () => Promise<unknown>>>;

/**
 * Runs the sides in turn, `rounds` times, in the order given, each to its end before the next starts: one
 * side's load never overlaps another's. Progress goes to stderr, since a round can take minutes.
 */
export async function interleaved<S extends Sides>(label: string, rounds: number, sides: S): Promise<{ [K in keyof S]: Awaited<ReturnType<S[K]>>[] }> {
  const names = Object.keys(sides);
  const results: Record<string, unknown[]> = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 1; round <= rounds; round += 1) {
    for (const name of names) {
      process.stderr.write(`${label}: round ${round}/${rounds}, ${name}\n`);
      results[name].push(await sides[name]());
    }
  }
  return results as { [K in keyof S]: Awaited<ReturnType<S[K]>>[] };
}

/** The wall time of `work`, in whole milliseconds. */
export async function timedMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return Math.round(performance.now() - started);
}
