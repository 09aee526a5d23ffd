import { generatorForRun } from '../../generators';
import sample from '../../generators/sample';
import { MAX_GENERATED_ASSETS } from '../../shared/limits';
import { sampleCsvByteLength, sampleCsvChunks, sampleCsvChunksOfBytes, seedFor } from '../../shared/sample-data';
import { DEFAULT_GENERATED_ASSETS, DEFAULT_RECORDS_PER_ASSET } from '../../shared/schemas/workflow-input';
import { RUN_ID } from '../fixtures/ids';
import { readBody } from './read-body';

/*
 * The generator "sample": the `generate` source's data. GIVEN its options, WHEN a run lists and opens its assets,
 * THEN they are the keys, sizes and bytes runs published before generators were pluggable.
 */

const runWith = (options: Record<string, unknown>) => generatorForRun({ name: 'sample', options }, { runId: RUN_ID }).run as Parameters<typeof sample.list>[0];

describe('the generator "sample"', () => {
  it('lists analytics-<n>.csv of seedFor(runId, n) rows, as text/csv', () => {
    const listed = [...sample.list(runWith({ assets: 3, recordsPerAsset: 5 }))];

    expect(listed).toEqual([1, 2, 3].map((n) => ({
      name: `analytics-0000${n}.csv`,
      bytes: sampleCsvByteLength(seedFor(RUN_ID, n), 5),
      contentType: 'text/csv',
    })));
  });

  it('opens asset i as the CSV of seed seedFor(runId, i + 1), of exactly the listed size', async () => {
    const run = runWith({ assets: 3, recordsPerAsset: 5 });
    const listed = [...sample.list(run)];

    const body = await readBody(sample.open(run, { index: 1, name: listed[1].name }));

    expect(body).toBe([...sampleCsvChunks(seedFor(RUN_ID, 2), 5)].join(''));
    expect(Buffer.byteLength(body)).toBe(listed[1].bytes);
  });

  it('sizes assets asked for by bytes at exactly that many bytes', async () => {
    const run = runWith({ assets: 2, bytesPerAsset: 4096 });

    expect([...sample.list(run)].map((asset) => asset.bytes)).toEqual([4096, 4096]);
    expect(await readBody(sample.open(run, { index: 0, name: 'analytics-00001.csv' }))).toBe([...sampleCsvChunksOfBytes(seedFor(RUN_ID, 1), 4096)].join(''));
  });

  it("takes the generate source's defaults", () => {
    const listed = [...sample.list(runWith({}))];

    expect(listed).toHaveLength(DEFAULT_GENERATED_ASSETS);
    expect(listed[0].bytes).toBe(sampleCsvByteLength(seedFor(RUN_ID, 1), DEFAULT_RECORDS_PER_ASSET));
  });

  it.each([
    [{ assets: MAX_GENERATED_ASSETS + 1 }, `source.options.assets: must be at most ${MAX_GENERATED_ASSETS}`],
    [{ recordsPerAsset: 1.5 }, 'source.options.recordsPerAsset: must be a whole number'],
    [{ recordsPerAsset: 10, bytesPerAsset: 4096 }, 'source.options.bytesPerAsset: is an alternative to "recordsPerAsset"; give only one of them'],
    [{ rows: 10 }, 'unknown key in source.options: "rows"'],
    [{ type: 'generate' }, 'source.options.type: is not an option of "sample"'],
  ])("refuses the options %j with the generate source's rules, naming the key", (options, problem) => {
    expect(() => runWith(options)).toThrow(expect.objectContaining({ name: 'InputValidationError', message: expect.stringContaining(problem) }));
  });
});
