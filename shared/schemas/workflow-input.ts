import * as z from 'zod';
import {
  MAX_BYTES_PER_ASSET,
  MAX_GENERATED_ASSETS,
  MAX_RECORDS_PER_ASSET,
  MAX_REVISION_COMMENT_LENGTH,
  MIN_BYTES_PER_ASSET,
  RUN_ID_MAX_LENGTH,
} from '../limits';
import { PrefixOffset } from '../scheduled-prefix';
import { DataSetName, DEFAULT_DATA_SET_NAME } from './data-sets';
import { BucketName, DataSetId, RunId, SafeS3Key, SubscriberAccountIds, splitAccountList } from './fields';

export const DEFAULT_GENERATED_ASSETS = 3;
export const DEFAULT_RECORDS_PER_ASSET = 100;

/** A generated asset is sized by rows or by bytes; with neither, by DEFAULT_RECORDS_PER_ASSET rows. */
export const GenerateSource = z
  .strictObject({
    type: z.literal('generate'),
    assets: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(MAX_GENERATED_ASSETS, `must be at most ${MAX_GENERATED_ASSETS}`)
      .default(DEFAULT_GENERATED_ASSETS),
    recordsPerAsset: z
      .number()
      .int('must be a whole number')
      .min(1, 'must be at least 1')
      .max(MAX_RECORDS_PER_ASSET, `must be at most ${MAX_RECORDS_PER_ASSET}`)
      .optional(),
    bytesPerAsset: z
      .number()
      .int('must be a whole number')
      .min(MIN_BYTES_PER_ASSET, `must be at least ${MIN_BYTES_PER_ASSET}`)
      .max(MAX_BYTES_PER_ASSET, `must be at most ${MAX_BYTES_PER_ASSET}`)
      .optional(),
  })
  .superRefine((source, ctx) => {
    if (source.recordsPerAsset !== undefined && source.bytesPerAsset !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['bytesPerAsset'], message: 'is an alternative to "recordsPerAsset"; give only one of them' });
    }
  })
  .transform(({ recordsPerAsset, bytesPerAsset, ...source }) =>
    bytesPerAsset === undefined ? { ...source, recordsPerAsset: recordsPerAsset ?? DEFAULT_RECORDS_PER_ASSET } : { ...source, bytesPerAsset },
  );

/**
 * The objects under a prefix. A scheduled run's prefix may name its tick (`incoming/{yyyy}/{mm}/{dd}/`, see
 * shared/scheduled-prefix.ts), `offset` before it; such a prefix needs the run's `scheduledAt`.
 */
export const S3PrefixSource = z.strictObject({
  type: z.literal('s3Prefix'),
  prefix: SafeS3Key,
  offset: PrefixOffset.optional(),
});

/** A generator module's name: a file of generators/ without its extension. */
export const GeneratorName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,63}$/, 'must be the name of a module in generators/: lowercase letters, digits and "-", beginning with a letter');

/** Assets a module under generators/ makes for the run (the sample data is the module "sample"). */
export const GeneratorSource = z.strictObject({
  type: z.literal('generator'),
  name: GeneratorName,
  /** The module's own options, which it validates. */
  options: z.record(z.string(), z.unknown()).optional(),
});

export const ManifestSource = z.strictObject({
  type: z.literal('manifest'),
  key: SafeS3Key,
  etag: z.string().min(1).max(128).optional(),
});

export const Source = z.discriminatedUnion('type', [GenerateSource, S3PrefixSource, ManifestSource, GeneratorSource], {
  error: (issue) =>
    issue.code === 'invalid_union' ? 'must be one of "generate", "s3Prefix", "manifest" or "generator"' : undefined,
});
export type Source = z.infer<typeof Source>;

const DEFAULT_SOURCE: Source = {
  type: 'generate',
  assets: DEFAULT_GENERATED_ASSETS,
  recordsPerAsset: DEFAULT_RECORDS_PER_ASSET,
};

const CanonicalInput = z.strictObject({
  bucket: BucketName,
  /**
   * The data set, by id. With neither this nor `dataSet` (nor a `dataSet` in a source manifest), the run publishes
   * to the stack's default data set (the first configured).
   */
  datasetId: DataSetId.optional(),
  /** The data set, by the name the stack's configuration gives it. */
  dataSet: DataSetName.optional(),
  runId: RunId.optional(),
  /**
   * The schedule tick that started the run, as the schedule's target passes it (the event's `time`, UTC). A run
   * without a runId takes one from it (`scheduledRunId`), so every delivery of one tick publishes once.
   */
  scheduledAt: z.iso.datetime({ error: 'must be an ISO 8601 date-time in UTC, such as 2026-11-30T06:00:00Z' }).optional(),
  comment: z
    .string()
    .max(MAX_REVISION_COMMENT_LENGTH, `must be at most ${MAX_REVISION_COMMENT_LENGTH} characters`)
    .optional(),
  source: Source.default(DEFAULT_SOURCE),
  subscriberAccountIds: SubscriberAccountIds.optional(),
});

/** The original recipe's keys, and the single-subscriber spelling, mapped to the canonical ones. */
const ALIASES = {
  bucket_name: 'bucket',
  dataset_id: 'datasetId',
  subscriberAccountId: 'subscriberAccountIds',
} as const;

function applyAliases(raw: unknown, ctx: z.RefinementCtx): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const input: Record<string, unknown> = { ...raw };
  for (const [alias, canonical] of Object.entries(ALIASES)) {
    if (!(alias in input)) continue;
    if (canonical in input) {
      ctx.addIssue({ code: 'custom', path: [alias], message: `is an alias of "${canonical}"; give only one of them` });
      continue;
    }
    const value = input[alias];
    delete input[alias];
    input[canonical] = alias === 'subscriberAccountId' && typeof value === 'string' ? splitAccountList(value) : value;
  }
  return input;
}

/**
 * The workflow input, as StartExecution, the schedule, the CLI and the tests give it. The first state, the
 * CLI and the tests all validate through this one schema.
 */
export const WorkflowInput = z
  .unknown()
  .transform(applyAliases)
  .pipe(CanonicalInput);
export type WorkflowInput = z.infer<typeof WorkflowInput>;
/** What a caller may send: aliases allowed, defaults not yet applied. */
export type WorkflowInputRequest = z.input<typeof CanonicalInput> & Partial<Record<keyof typeof ALIASES, unknown>>;

/** The default runId: the execution name, with characters outside the pattern replaced and cut to length. */
export function runIdFromExecutionName(executionName: string): string {
  const safe = executionName.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, RUN_ID_MAX_LENGTH);
  return safe.length > 0 ? safe : 'run';
}

/**
 * The runId of a scheduled run: `scheduled-`, the data set's name unless it is "default", and the tick's minute in
 * UTC (`scheduled-20261130T0600Z`, `scheduled-weather-20261130T0600Z`). Schedules have a one-minute precision, and
 * a repeated delivery of a tick is the same event with the same time; two data sets' ticks of one minute differ.
 */
export function scheduledRunId(scheduledAt: string, dataSetName: string = DEFAULT_DATA_SET_NAME): string {
  const minute = new Date(scheduledAt).toISOString().slice(0, 16).replace(/[-:]/g, '');
  return dataSetName === DEFAULT_DATA_SET_NAME ? `scheduled-${minute}Z` : `scheduled-${dataSetName}-${minute}Z`;
}
