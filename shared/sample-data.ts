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

/** How big a sample is: a number of rows, or an exact number of bytes. */
export type SampleSize = { readonly records: number } | { readonly bytes: number };

/** The rows of one seed, endlessly, numbered from 1. Every character is ASCII, so a row's length is its bytes. */
function sampleRows(seed: number): () => string {
  const random = prng(seed);
  const date = new Date(EPOCH_DAY + (seed % 365) * DAY_MS).toISOString().slice(0, 10);
  let row = 0;
  return () => {
    row += 1;
    const pageViews = Math.floor(random() * 500);
    const sessions = 1 + Math.floor(random() * 20);
    const purchases = Math.floor(random() * 5);
    const revenue = (purchases * (5 + random() * 195)).toFixed(2);
    return `C${String(row).padStart(7, '0')},${date},${pageViews},${sessions},${purchases},${revenue}\n`;
  };
}

export function* sampleCsvChunks(seed: number, records: number): Generator<string> {
  const nextRow = sampleRows(seed);
  yield SAMPLE_CSV_HEADER;
  for (let start = 0; start < records; start += ROWS_PER_CHUNK) {
    const rows: string[] = [];
    for (let row = start; row < Math.min(records, start + ROWS_PER_CHUNK); row += 1) rows.push(nextRow());
    yield rows.join('');
  }
}

/** Leading zeros keep the row valid CSV and its revenue the same number, whatever the padding. */
function padRevenue(row: string, zeros: number): string {
  const revenueStart = row.lastIndexOf(',') + 1;
  return `${row.slice(0, revenueStart)}${'0'.repeat(zeros)}${row.slice(revenueStart)}`;
}

/** The header and as many rows as fit in exactly `bytes`: the last row's revenue is zero-padded to fill the gap. */
export function* sampleCsvChunksOfBytes(seed: number, bytes: number): Generator<string> {
  const nextRow = sampleRows(seed);
  // One row is held back, so the last one can be padded once the next is known not to fit.
  let pending = nextRow();
  if (bytes < SAMPLE_CSV_HEADER.length + pending.length) {
    throw new RangeError(`a sample CSV of seed ${seed} needs at least ${SAMPLE_CSV_HEADER.length + pending.length} bytes, not ${bytes}`);
  }
  let rows = [SAMPLE_CSV_HEADER];
  let written = SAMPLE_CSV_HEADER.length;
  for (;;) {
    const next = nextRow();
    const room = bytes - written - pending.length;
    if (next.length > room) {
      rows.push(padRevenue(pending, room));
      yield rows.join('');
      return;
    }
    rows.push(pending);
    written += pending.length;
    pending = next;
    if (rows.length === ROWS_PER_CHUNK) {
      yield rows.join('');
      rows = [];
    }
  }
}

export function sampleCsvByteLength(seed: number, records: number): number {
  let bytes = 0;
  for (const chunk of sampleCsvChunks(seed, records)) bytes += Buffer.byteLength(chunk);
  return bytes;
}

/** A lazy stream: at most one chunk of rows is built ahead of what the reader has taken. */
export function sampleCsvStream(seed: number, size: SampleSize): Readable {
  const chunks = 'bytes' in size ? sampleCsvChunksOfBytes(seed, size.bytes) : sampleCsvChunks(seed, size.records);
  return Readable.from(chunks, { objectMode: false });
}
