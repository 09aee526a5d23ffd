import * as z from 'zod';
import { sampleCsvByteLength, sampleCsvStream, seedFor } from '../shared/sample-data';
import { GenerateSource } from '../shared/schemas/workflow-input';
import { defineGenerator } from './generator';

/*
 * The sample analytics CSV of shared/sample-data.ts, which a `generate` source publishes: `assets` files of
 * `recordsPerAsset` rows or exactly `bytesPerAsset` bytes. Asset i (from 0) is `analytics-<i+1, 5 digits>.csv` of
 * seed `seedFor(runId, i + 1)`, the keys, seeds and bytes runs had before generators were pluggable.
 */

/**
 * The `generate` source's own fields, defaults and rules, so `{ "type": "generate", "assets": 3 }` and the generator
 * "sample" with `{ "assets": 3 }` are one run.
 */
const SampleOptions = z
  .record(z.string(), z.unknown())
  .refine((options) => !('type' in options), { path: ['type'], message: 'is not an option of "sample": the source\'s type is "generator"' })
  .transform((options) => ({ type: 'generate', ...options }))
  .pipe(GenerateSource)
  .transform(({ type: _type, ...size }) => size);

const sizeOf = (options: z.output<typeof SampleOptions>) =>
  'bytesPerAsset' in options ? { bytes: options.bytesPerAsset } : { records: options.recordsPerAsset };

export default defineGenerator({
  options: SampleOptions,
  *list({ runId, options }) {
    const size = sizeOf(options);
    for (let i = 0; i < options.assets; i += 1) {
      const bytes = 'bytes' in size ? size.bytes : sampleCsvByteLength(seedFor(runId, i + 1), size.records);
      yield { name: `analytics-${String(i + 1).padStart(5, '0')}.csv`, bytes, contentType: 'text/csv' };
    }
  },
  open: ({ runId, options }, { index }) => sampleCsvStream(seedFor(runId, index + 1), sizeOf(options)),
});
