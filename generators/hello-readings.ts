import * as z from 'zod';
import { seedFor } from '../shared/sample-data';
import { LOWERCASE_NAME } from '../shared/schemas/fields';
import { defineGenerator, type GeneratorRun } from './generator';

/*
 * The example of docs/generators.md: one small CSV of hourly weather readings per station, and a JSON summary.
 * Every value is a hash of the runId, the station and the hour, and every time counts back from the run's schedule
 * tick, so a retry of any asset writes the same bytes.
 */

const HOUR_MS = 3_600_000;
/** Where a run without a tick (started by hand) dates its readings from. */
const UNSCHEDULED_END = '2026-01-01T00:00:00Z';
const CSV_HEADER = 'station,time,temperature_c,humidity_pct\n';

const HelloReadingsOptions = z.strictObject({
  stations: z
    .array(z.string().regex(LOWERCASE_NAME, 'must be lowercase letters, digits and "-", beginning with a letter'))
    .min(1, 'must name at least 1 station')
    .max(10, 'must name at most 10 stations')
    .refine((stations) => new Set(stations).size === stations.length, 'must not name a station twice')
    .default(['harbour', 'airport', 'old-town']),
  hours: z.number().int('must be a whole number').min(1, 'must be at least 1').max(168, 'must be at most 168').default(24),
});

type Run = GeneratorRun<z.output<typeof HelloReadingsOptions>>;

/** The readings of one station: `hours` rows, the last one at the tick's hour. */
function readingsCsv({ runId, scheduledAt, options }: Run, station: string): string {
  const end = Math.floor(Date.parse(scheduledAt ?? UNSCHEDULED_END) / HOUR_MS) * HOUR_MS;
  const rows = Array.from({ length: options.hours }, (_, i) => {
    const hour = options.hours - 1 - i;
    const hash = seedFor(`${runId}/${station}`, hour);
    const temperature = ((hash % 400) / 10 - 5).toFixed(1);
    const humidity = 30 + (Math.floor(hash / 400) % 70);
    return `${station},${new Date(end - hour * HOUR_MS).toISOString()},${temperature},${humidity}\n`;
  });
  return CSV_HEADER + rows.join('');
}

function summaryJson({ runId, scheduledAt, options }: Run): string {
  return `${JSON.stringify({ runId, scheduledAt: scheduledAt ?? null, stations: options.stations, hours: options.hours }, null, 2)}\n`;
}

/** The run's assets in order: the stations' CSVs, then the summary. */
function assetsOf(run: Run): { name: string; contentType: string; render: () => string }[] {
  return [
    ...run.options.stations.map((station) => ({
      name: `readings/${station}.csv`,
      contentType: 'text/csv',
      render: () => readingsCsv(run, station),
    })),
    { name: 'summary.json', contentType: 'application/json', render: () => summaryJson(run) },
  ];
}

export default defineGenerator({
  options: HelloReadingsOptions,
  // A few kilobytes each: rendering them to measure is cheaper than the code to predict their size.
  list: (run) => assetsOf(run).map(({ name, contentType, render }) => ({ name, contentType, bytes: Buffer.byteLength(render()) })),
  open: (run, { index }) => {
    const asset = assetsOf(run)[index];
    if (asset === undefined) throw new RangeError(`the run lists ${assetsOf(run).length} assets, so there is no asset ${index}`);
    return asset.render();
  },
});
