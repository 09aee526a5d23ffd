import { generatorForRun } from '../../generators';
import helloReadings from '../../generators/hello-readings';
import { RUN_ID } from '../fixtures/ids';
import { readBody } from './read-body';

/*
 * The example generator "hello-readings". GIVEN a run, WHEN its assets are listed and opened, THEN each asset's bytes
 * follow from the run and the asset alone, and match the listed size.
 */

const TICK = '2026-11-30T06:00:00Z';
type Run = Parameters<typeof helloReadings.list>[0];
const runOf = (runId: string, scheduledAt?: string, options: Record<string, unknown> = {}): Run =>
  generatorForRun({ name: 'hello-readings', options }, { runId, scheduledAt }).run as Run;
/** Every asset of a run, by name, as text. */
const assetsOf = async (run: Run) =>
  Object.fromEntries(
    await Promise.all(
      [...helloReadings.list(run)].map(async ({ name }, index): Promise<[string, string]> => [name, await readBody(helloReadings.open(run, { index, name }))]),
    ),
  );

describe('the generator "hello-readings"', () => {
  it("lists a CSV per station, then a JSON summary, each of its exact size", async () => {
    const run = runOf(RUN_ID, TICK);
    const listed = [...helloReadings.list(run)];
    const assets = await assetsOf(run);

    expect(listed.map(({ name, contentType }) => [name, contentType])).toEqual([
      ['readings/harbour.csv', 'text/csv'],
      ['readings/airport.csv', 'text/csv'],
      ['readings/old-town.csv', 'text/csv'],
      ['summary.json', 'application/json'],
    ]);
    expect(listed.map(({ bytes }) => bytes)).toEqual(listed.map(({ name }) => Buffer.byteLength(assets[name])));
  });

  it("dates the readings in the hours up to the run's tick", async () => {
    const assets = await assetsOf(runOf(RUN_ID, TICK, { stations: ['pier'], hours: 3 }));

    expect(assets['readings/pier.csv'].split('\n').map((line) => line.split(',').slice(0, 2).join(','))).toEqual([
      'station,time',
      'pier,2026-11-30T04:00:00.000Z',
      'pier,2026-11-30T05:00:00.000Z',
      'pier,2026-11-30T06:00:00.000Z',
      '',
    ]);
    expect(JSON.parse(assets['summary.json'])).toEqual({ runId: RUN_ID, scheduledAt: TICK, stations: ['pier'], hours: 3 });
  });

  it('gives plausible readings: temperatures from -5.0 to 34.9 °C in tenths, humidity from 30 to 99%', async () => {
    const assets = await assetsOf(runOf(RUN_ID, TICK, { hours: 168 }));

    const rows = Object.entries(assets)
      .filter(([name]) => name.endsWith('.csv'))
      .flatMap(([, csv]) => csv.trim().split('\n').slice(1));
    const temperatures = rows.map((row) => row.split(',')[2]);
    const humidities = rows.map((row) => Number(row.split(',')[3]));
    expect(temperatures.every((value) => /^-?\d+\.\d$/.test(value) && Number(value) >= -5 && Number(value) <= 34.9)).toBe(true);
    expect(humidities.every((value) => Number.isInteger(value) && value >= 30 && value <= 99)).toBe(true);
    // Spread over the range, not stuck at one end.
    expect(Math.min(...temperatures.map(Number))).toBeLessThan(0);
    expect(Math.max(...humidities)).toBeGreaterThan(90);
  });

  it('opens the same bytes for the same run and asset, every call', async () => {
    const first = await assetsOf(runOf(RUN_ID, TICK));
    const again = await assetsOf(runOf(RUN_ID, TICK));
    const run = runOf(RUN_ID, TICK);
    const alone = await readBody(helloReadings.open(run, { index: 1, name: 'readings/airport.csv' }));

    expect(again).toEqual(first);
    expect(alone).toBe(first['readings/airport.csv']);
  });

  it('makes other readings for another run', async () => {
    const one = await assetsOf(runOf(RUN_ID, TICK));
    const other = await assetsOf(runOf('another-run', TICK));

    expect(other['readings/harbour.csv']).not.toBe(one['readings/harbour.csv']);
    expect(other['readings/harbour.csv'].split('\n')[1].split(',').slice(0, 2)).toEqual(one['readings/harbour.csv'].split('\n')[1].split(',').slice(0, 2));
  });

  it('refuses an index it never listed', () => {
    expect(() => helloReadings.open(runOf(RUN_ID), { index: 4, name: 'extra.csv' })).toThrow('the run lists 4 assets, so there is no asset 4');
  });
});
