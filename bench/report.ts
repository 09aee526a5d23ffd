/*
 * What a section hands back: a table for people and the raw data for `--json`, so that the printed figures and
 * the JSON come from the same measurements.
 */

export interface SectionReport {
  readonly title: string;
  /** One row per line of console.table, the figures already formatted. */
  readonly table: readonly Record<string, string | number>[];
  /** Lines printed under the table: targets met or missed, and anything that makes a round suspect. */
  readonly notes?: readonly string[];
  /** Every figure with each round's raw values. */
  readonly data: unknown;
}

export function printReport(report: SectionReport): void {
  process.stdout.write(`\n${report.title}\n`);
  console.table(report.table);
  for (const note of report.notes ?? []) process.stdout.write(`${note}\n`);
}

export const MIB = 1024 ** 2;

/** A number kept to a few decimals, for tables and JSON alike. */
export const fixed = (value: number, digits = 2): number => Number(value.toFixed(digits));
