import { SAMPLE_CSV_HEADER, sampleCsvByteLength, sampleCsvStream, seedFor } from '../../shared/sample-data';

async function collect(seed: number, records: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of sampleCsvStream(seed, records)) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe('sample-data', () => {
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
    expect(rows[0]).toMatch(/^C0000001,\d{4}-\d{2}-\d{2},\d+,\d+,\d+,\d+\.\d{2}$/);
    expect(rows.at(-1)).toMatch(/^C0001234,/);
  });
});
