import { GENERATORS } from '../../generators';
import helloReadings from '../../generators/hello-readings';
import { MAX_ASSETS_PER_RUN } from '../../shared/limits';
import { sampleCsvByteLength, seedFor } from '../../shared/sample-data';
import { generatedAssets } from '../../tasks/plan-revision/generated';
import { RUN_ID } from '../fixtures/ids';

/*
 * PlanRevision's generated assets (tasks/plan-revision/generated.ts). GIVEN a `generate` or `generator` source,
 * WHEN the run is planned, THEN each asset is keyed under the run's folder and stores what UploadBatch needs to
 * make it again, or the plan fails naming the generator and why.
 */

const TICK = '2026-11-30T06:00:00Z';
/** Replaces what "hello-readings" lists, keeping its options; jest.restoreAllMocks puts it back. */
const givenHelloReadingsLists = (list: () => Iterable<unknown>) =>
  jest.replaceProperty(GENERATORS, 'hello-readings', { ...helloReadings, list: list as typeof helloReadings.list });
const generator = { type: 'generator', name: 'hello-readings' } as const;

describe('generatedAssets', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it("plans a generate source as the generator sample: today's keys and sizes", () => {
    const assets = generatedAssets({ runId: RUN_ID }, { type: 'generate', assets: 2, recordsPerAsset: 5 });

    expect(assets).toEqual([1, 2].map((n) => ({
      key: `generated/${RUN_ID}/analytics-0000${n}.csv`,
      bytes: sampleCsvByteLength(seedFor(RUN_ID, n), 5),
      generated: { generator: 'sample', index: n - 1, name: `analytics-0000${n}.csv`, options: { assets: 2, recordsPerAsset: 5 }, contentType: 'text/csv' },
    })));
  });

  it("plans a generator source's assets under the data set's run folder, with the tick and the options as given", () => {
    const assets = generatedAssets({ runId: RUN_ID, dataSetName: 'weather', scheduledAt: TICK }, { ...generator, options: { stations: ['pier'] } });

    expect(assets.map(({ key }) => key)).toEqual([`generated/data-set=weather/${RUN_ID}/readings/pier.csv`, `generated/data-set=weather/${RUN_ID}/summary.json`]);
    expect(assets[0].generated).toEqual({
      generator: 'hello-readings',
      index: 0,
      name: 'readings/pier.csv',
      options: { stations: ['pier'] },
      scheduledAt: TICK,
      contentType: 'text/csv',
    });
    expect(assets.every(({ bytes }) => bytes > 0)).toBe(true);
  });

  it('plans an asset of unknown size as 0 bytes', () => {
    givenHelloReadingsLists(() => [{ name: 'a.csv' }]);

    expect(generatedAssets({ runId: RUN_ID }, generator)).toEqual([
      { key: `generated/${RUN_ID}/a.csv`, bytes: 0, generated: { generator: 'hello-readings', index: 0, name: 'a.csv' } },
    ]);
  });

  it.each([
    [{ type: 'generator', name: 'nope' } as const, 'source.name: there is no generator "nope"'],
    [{ ...generator, options: { hours: 500 } }, 'source.options.hours: must be at most 168'],
    [{ ...generator, options: { station: 'pier' } }, 'unknown key in source.options: "station"'],
  ])('refuses the source %j, saying which field and why', (source, problem) => {
    expect(() => generatedAssets({ runId: RUN_ID }, source)).toThrow(
      expect.objectContaining({ name: 'InputValidationError', message: expect.stringContaining(problem) }),
    );
  });

  it('refuses a generator that lists no asset, naming it', () => {
    givenHelloReadingsLists(() => []);

    expect(() => generatedAssets({ runId: RUN_ID }, generator)).toThrow(
      expect.objectContaining({
        name: 'InputValidationError',
        message: `source.name: generator "hello-readings" listed no asset for run ${RUN_ID}; a revision needs at least one`,
      }),
    );
  });

  it('stops listing past the most one run publishes', () => {
    let listed = 0;
    givenHelloReadingsLists(function* () {
      for (;;) yield { name: `${(listed += 1)}.csv` };
    });

    expect(() => generatedAssets({ runId: RUN_ID }, generator)).toThrow(
      expect.objectContaining({
        name: 'InputValidationError',
        message: `generator "hello-readings" lists more than ${MAX_ASSETS_PER_RUN} assets, the most one run publishes`,
      }),
    );
    expect(listed).toBe(MAX_ASSETS_PER_RUN + 1);
  });

  it.each([
    ['a ".." segment', { name: '../escape.csv' }, 'name: must not contain a ".." segment'],
    ['a leading "/"', { name: '/rooted.csv' }, 'name: must not begin with "/"'],
    ['a key too long under the run folder', { name: 'x'.repeat(1024) }, 'must be at most 1,024 bytes'],
    ['a negative size', { name: 'a.csv', bytes: -1 }, 'bytes: must be at least 0'],
  ])('fails on a listed asset of %s, naming the generator and the asset', (_, asset, problem) => {
    givenHelloReadingsLists(() => [{ name: 'ok.csv' }, asset]);

    expect(() => generatedAssets({ runId: RUN_ID }, generator)).toThrow(
      expect.objectContaining({
        name: 'GeneratorFailedError',
        message: expect.stringMatching(new RegExp(`^generator "hello-readings" listed a bad asset 1 \\(.*\\): .*${problem.replace(/[.*()]/g, '\\$&')}`)),
      }),
    );
  });

  it('fails on a name listed twice, naming both assets', () => {
    givenHelloReadingsLists(() => [{ name: 'a.csv' }, { name: 'b.csv' }, { name: 'a.csv' }]);

    expect(() => generatedAssets({ runId: RUN_ID }, generator)).toThrow(
      expect.objectContaining({ name: 'GeneratorFailedError', message: 'generator "hello-readings" listed the name "a.csv" twice, as assets 0 and 2' }),
    );
  });

  it('fails as the generator when its list throws, keeping the cause', () => {
    const cause = new Error('no stations file');
    givenHelloReadingsLists(() => {
      throw cause;
    });

    expect(() => generatedAssets({ runId: RUN_ID }, generator)).toThrow(
      expect.objectContaining({
        name: 'GeneratorFailedError',
        message: `generator "hello-readings" failed to list the assets of run ${RUN_ID}: no stations file`,
        cause,
      }),
    );
  });
});
