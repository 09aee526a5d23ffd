import { Readable } from 'node:stream';

/*
 * Sample analytics CSV, as the original recipe published: one row per customer and day. The content is a
 * pure function of a seed, so a retried upload writes the same bytes and the plan knows every size up front.
 */

export const SAMPLE_CSV_HEADER = 'customer_id,date,page_views,sessions,purchases,revenue_usd\n';

/** Rows per chunk: big enough to amortise string building, small enough to keep memory flat. */
const ROWS_PER_CHUNK = 1_000;
const EPOCH_DAY = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

/** mulberry32: a tiny, fast, well-distributed PRNG; plenty for sample data. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a of a string: turns a runId and an asset index into a seed. */
export function seedFor(runId: string, assetIndex: number): number {
  let hash = 0x811c9dc5;
  for (const char of `${runId}#${assetIndex}`) {
    hash ^= char.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function* sampleCsvChunks(seed: number, records: number): Generator<string> {
  const random = prng(seed);
  const date = new Date(EPOCH_DAY + (seed % 365) * DAY_MS).toISOString().slice(0, 10);
  yield SAMPLE_CSV_HEADER;
  for (let start = 0; start < records; start += ROWS_PER_CHUNK) {
    const rows: string[] = [];
    for (let row = start; row < Math.min(records, start + ROWS_PER_CHUNK); row += 1) {
      const pageViews = Math.floor(random() * 500);
      const sessions = 1 + Math.floor(random() * 20);
      const purchases = Math.floor(random() * 5);
      const revenue = (purchases * (5 + random() * 195)).toFixed(2);
      rows.push(`C${String(row + 1).padStart(7, '0')},${date},${pageViews},${sessions},${purchases},${revenue}\n`);
    }
    yield rows.join('');
  }
}

export function sampleCsvByteLength(seed: number, records: number): number {
  let bytes = 0;
  for (const chunk of sampleCsvChunks(seed, records)) bytes += Buffer.byteLength(chunk);
  return bytes;
}

export function sampleCsvStream(seed: number, records: number): Readable {
  return Readable.from(sampleCsvChunks(seed, records), { objectMode: false });
}
