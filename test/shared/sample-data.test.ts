import { MAX_BYTES_PER_ASSET, MIN_BYTES_PER_ASSET } from '../../shared/limits';
import {
  SAMPLE_CSV_HEADER,
  sampleCsvByteLength,
  sampleCsvChunks,
  sampleCsvChunksOfBytes,
  sampleCsvStream,
  type SampleSize,
  seedFor,
} from '../../shared/sample-data';

async function collectSized(seed: number, size: SampleSize): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of sampleCsvStream(seed, size)) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

const collect = (seed: number, records: number) => collectSized(seed, { records });
const ROW = /^C\d{7,},\d{4}-\d{2}-\d{2},\d+,\d+,\d+,\d+\.\d{2}$/;

describe('sample-data', () => {
  // A plan records each generated asset's size, and a batch generates it later, maybe after a deploy: the bytes of
  // a seed must not change from one version to the next. These pin them.
  it('generates, for a seed, these exact rows, dated the seed-th day of 2026', () => {
    expect([...sampleCsvChunks(42, 3)].join('')).toBe(
      'customer_id,date,page_views,sessions,purchases,revenue_usd\n' +
        'C0000001,2026-02-12,300,9,4,542.39\n' +
        'C0000002,2026-02-12,87,11,1,126.83\n' +
        'C0000003,2026-02-12,432,10,1,177.00\n',
    );
    expect([...sampleCsvChunks(400, 1)].join('')).toBe(`${SAMPLE_CSV_HEADER}C0000001,2026-02-05,309,10,0,0.00\n`);
  });

  it('derives these exact seeds from a runId and an asset index', () => {
    expect([seedFor('run-2026-11-30', 1), seedFor('run-2026-11-30', 2), seedFor('', 0)]).toEqual([2030644684, 2080977541, 130578566]);
  });

  it('pads the revenue of the last row of an asset sized in bytes with leading zeros', () => {
    const rows = [...sampleCsvChunksOfBytes(7, 1024)].join('').split('\n');

    expect(rows.slice(-3)).toEqual(['C0000026,2026-01-08,358,20,1,197.32', 'C0000027,2026-01-08,324,17,3,0000000000000000000000000500.63', '']);
  });

  it('derives the same seed from the same runId and index, and another from another index', () => {
    expect(seedFor('run-a', 1)).toBe(seedFor('run-a', 1));
    expect(seedFor('run-a', 1)).not.toBe(seedFor('run-a', 2));
    expect(seedFor('run-a', 1)).not.toBe(seedFor('run-b', 1));
  });

  it('streams the same bytes for the same seed, and other bytes for another seed', async () => {
    const first = await collect(42, 50);
    const again = await collect(42, 50);
    const other = await collect(43, 50);

    expect(again.equals(first)).toBe(true);
    expect(other.equals(first)).toBe(false);
  });

  it('predicts the streamed byte length, across several chunks of rows', async () => {
    const body = await collect(7, 2_500);

    expect(sampleCsvByteLength(7, 2_500)).toBe(body.length);
  });

  it('writes the header, then one row per record', async () => {
    const lines = (await collect(9, 1_234)).toString('utf8').split('\n');

    expect(`${lines[0]}\n`).toBe(SAMPLE_CSV_HEADER);
    expect(lines.at(-1)).toBe('');
    const rows = lines.slice(1, -1);
    expect(rows).toHaveLength(1_234);
    expect(rows[0]).toMatch(/^C0000001,/);
    expect(rows.every((row) => ROW.test(row))).toBe(true);
    expect(rows.at(-1)).toMatch(/^C0001234,/);
  });

  describe('sized in bytes', () => {
    it.each([MIN_BYTES_PER_ASSET, 4_321, 100_000, 250_007])('streams exactly %p bytes of whole, valid rows', async (bytes) => {
      const body = await collectSized(11, { bytes });

      expect(body.length).toBe(bytes);
      const lines = body.toString('utf8').split('\n');
      expect(`${lines[0]}\n`).toBe(SAMPLE_CSV_HEADER);
      expect(lines.at(-1)).toBe('');
      expect(lines.slice(1, -1).every((row) => ROW.test(row))).toBe(true);
    });

    it('starts with the same rows as the same seed sized in records, and pads only the last row', async () => {
      const bySize = (await collectSized(5, { bytes: 50_000 })).toString('utf8').split('\n').slice(0, -1);
      const byRecords = (await collect(5, bySize.length - 1)).toString('utf8').split('\n').slice(0, -1);

      expect(bySize.slice(0, -1)).toEqual(byRecords.slice(0, -1));
      const [lastBySize, lastByRecords] = [bySize.at(-1) ?? '', byRecords.at(-1) ?? ''];
      expect(lastBySize.length).toBeGreaterThanOrEqual(lastByRecords.length);
      expect(lastBySize.replace(/,0*(\d)/g, ',$1')).toBe(lastByRecords.replace(/,0*(\d)/g, ',$1'));
    });

    it('streams the same bytes for the same seed and size, and other bytes for another seed', async () => {
      const first = await collectSized(42, { bytes: 30_000 });

      expect((await collectSized(42, { bytes: 30_000 })).equals(first)).toBe(true);
      expect((await collectSized(43, { bytes: 30_000 })).equals(first)).toBe(false);
    });

    it('builds the largest asset lazily, in chunks of bounded size, so memory stays flat whatever the size', () => {
      const chunks = sampleCsvChunksOfBytes(3, MAX_BYTES_PER_ASSET);

      // Three chunks of a 5 GiB sample arrive without the rest being built; each holds at most 1,000 rows.
      const firstChunks = [chunks.next(), chunks.next(), chunks.next()].map((step) => String(step.value));
      expect(firstChunks.every((chunk) => chunk.length > 0 && chunk.length < 1_000 * 64)).toBe(true);
      expect(firstChunks[2]?.split('\n')).toHaveLength(1_001);
    });

    it('refuses a size too small for the header and one row', () => {
      expect(() => sampleCsvChunksOfBytes(3, SAMPLE_CSV_HEADER.length + 10).next()).toThrow(RangeError);
    });
  });
});
