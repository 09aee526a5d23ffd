import * as z from 'zod';
import { MAX_ASSETS_PER_IMPORT_JOB, MAX_ASSETS_PER_REVISION, MAX_BATCHES_PER_PART } from '../../limits';

/** One Map iteration's work: its assets are in the batch's own file in S3 (shared/manifest.ts). Never a key list. */
export const BatchRef = z.strictObject({
  /** The part (revision) of the run the batch belongs to. */
  part: z.number().int().min(0),
  /** Its place within the part. */
  index: z.number().int().min(0),
  count: z.number().int().min(1).max(MAX_ASSETS_PER_IMPORT_JOB),
  bytes: z.number().int().min(0),
});
export type BatchRef = z.infer<typeof BatchRef>;

/** One revision's share of the run. */
export const PartPlan = z.strictObject({
  index: z.number().int().min(0),
  assetCount: z.number().int().min(1).max(MAX_ASSETS_PER_REVISION),
  totalBytes: z.number().int().min(0),
  batches: z.array(BatchRef).min(1).max(MAX_BATCHES_PER_PART),
});
export type PartPlan = z.infer<typeof PartPlan>;

export const SourceType = z.enum(['generate', 's3Prefix', 'manifest', 'generator']);
