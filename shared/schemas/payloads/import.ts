import * as z from 'zod';
import { BucketName, DataSetId, RevisionId, RunId, SafeS3Key } from '../fields';
import { BatchRef } from './batch';

// ---- UploadBatch
export const UploadBatchInput = z.strictObject({
  runId: RunId,
  bucket: BucketName,
  /**
   * The run's plan, beside which the batch's file is. Absent when a batch execution of a definition from before
   * several data sets calls the new task: its run is a default data set's.
   */
  manifestKey: SafeS3Key.optional(),
  batch: BatchRef,
});
export type UploadBatchInput = z.infer<typeof UploadBatchInput>;

export const UploadBatchOutput = z.strictObject({
  batchIndex: z.number().int().min(0),
  assetCount: z.number().int().min(0),
  bytes: z.number().int().min(0),
});
export type UploadBatchOutput = z.infer<typeof UploadBatchOutput>;

// ---- StartImport and CheckImport share one status shape, so one Choice serves both.
/** The batch UploadBatch put in place, and the revision to import it into. */
export const StartImportInput = UploadBatchInput.extend({
  datasetId: DataSetId,
  revisionId: RevisionId,
});
export type StartImportInput = z.infer<typeof StartImportInput>;

export const ImportStatus = z.strictObject({
  batchIndex: z.number().int().min(0),
  /** null when the revision already held every asset of the batch, so no job was needed. */
  jobId: z.string().nullable(),
  state: z.enum(['WAITING', 'IN_PROGRESS', 'COMPLETED']),
  submitted: z.number().int().min(0),
  skipped: z.number().int().min(0),
  pollCount: z.number().int().min(0),
  /** How long the Wait state sleeps before the next CheckImport: 0 when there is no job to wait for. */
  waitSeconds: z.number().int().min(0),
  /**
   * The job's first wait, learned from the data set's recent imports (shared/import-poll.ts): the later waits grow
   * from it; null when nothing was learned (no job to wait for), and the configured schedule holds. Always present: the state machine selects every field of this
   * schema from the task's answer, and Step Functions fails a path that points to nothing.
   */
  firstWaitSeconds: z.number().int().min(1).nullable(),
});
export type ImportStatus = z.infer<typeof ImportStatus>;

export const CheckImportInput = z.strictObject({
  runId: RunId,
  datasetId: DataSetId,
  revisionId: RevisionId,
  manifestKey: SafeS3Key,
  // An execution in its poll loop while the stack is deployed keeps its old definition, whose StartImport status
  // has no firstWaitSeconds, but calls the new CheckImport: such a status polls on the configured schedule.
  status: ImportStatus.extend({ firstWaitSeconds: ImportStatus.shape.firstWaitSeconds.default(null) }),
});
export type CheckImportInput = z.infer<typeof CheckImportInput>;
