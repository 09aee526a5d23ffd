import * as z from 'zod';
import { MAX_ASSETS_PER_IMPORT_JOB } from '../limits';
import { AccountId, BucketName, DataSetId, RevisionId, RunId, SafeS3Key, SubscriberAccountIds } from './fields';

/*
 * Every state's payload in and out. The handlers parse their input with these, the state machine builds its
 * Parameters to match them, and the tests use them to build fixtures.
 */

/** A slice of the manifest: which assets one Map iteration uploads and imports. Never a key list. */
export const BatchRef = z.strictObject({
  index: z.number().int().min(0),
  offset: z.number().int().min(0),
  count: z.number().int().min(1).max(MAX_ASSETS_PER_IMPORT_JOB),
  bytes: z.number().int().min(0),
});
export type BatchRef = z.infer<typeof BatchRef>;

export const SourceType = z.enum(['generate', 's3Prefix', 'manifest']);

// ---- PlanRevision
export const PlanRevisionInput = z.strictObject({
  /** The raw workflow input; PlanRevision validates it with WorkflowInput. */
  input: z.unknown(),
  /** `$$.Execution.Name`, the default runId. */
  executionName: z.string().min(1),
});
export type PlanRevisionInput = z.infer<typeof PlanRevisionInput>;

export const Plan = z.strictObject({
  runId: RunId,
  bucket: BucketName,
  datasetId: DataSetId,
  /** '' when the input has none: the state machine passes it on with a plain JSONPath, which needs it present. */
  comment: z.string(),
  sourceType: SourceType,
  manifestKey: SafeS3Key,
  assetCount: z.number().int().min(1),
  totalBytes: z.number().int().min(0),
  batches: z.array(BatchRef).min(1),
  subscriberAccountIds: SubscriberAccountIds,
  /** Lets the state machine's Choice skip sharing without a JSONPath array-length test. */
  hasSubscribers: z.boolean(),
});
export type Plan = z.infer<typeof Plan>;

// ---- CreateRevision
export const CreateRevisionInput = z.strictObject({
  runId: RunId,
  datasetId: DataSetId,
  comment: z.string().optional(),
});
export type CreateRevisionInput = z.infer<typeof CreateRevisionInput>;

export const RevisionRef = z.strictObject({
  revisionId: RevisionId,
  revisionArn: z.string(),
  /** false when an unfinalized revision of this runId was reused. */
  created: z.boolean(),
  /** true when this runId's revision is already finalized: the run has nothing left to publish. */
  alreadyFinalized: z.boolean(),
});
export type RevisionRef = z.infer<typeof RevisionRef>;

// ---- UploadBatch
export const UploadBatchInput = z.strictObject({
  runId: RunId,
  bucket: BucketName,
  manifestKey: SafeS3Key,
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
export const ImportJobState = z.enum(['WAITING', 'IN_PROGRESS', 'COMPLETED', 'ERROR', 'CANCELLED', 'TIMED_OUT']);
export type ImportJobState = z.infer<typeof ImportJobState>;

export const StartImportInput = z.strictObject({
  runId: RunId,
  bucket: BucketName,
  datasetId: DataSetId,
  revisionId: RevisionId,
  manifestKey: SafeS3Key,
  batch: BatchRef,
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
  /** How long the Wait state sleeps before the next CheckImport. */
  waitSeconds: z.number().int().min(1),
});
export type ImportStatus = z.infer<typeof ImportStatus>;

export const CheckImportInput = z.strictObject({
  runId: RunId,
  datasetId: DataSetId,
  revisionId: RevisionId,
  manifestKey: SafeS3Key,
  status: ImportStatus,
});
export type CheckImportInput = z.infer<typeof CheckImportInput>;

// ---- FinalizeRevision
export const FinalizeRevisionInput = z.strictObject({
  datasetId: DataSetId,
  revisionId: RevisionId,
  expectedAssetCount: z.number().int().min(1),
});
export type FinalizeRevisionInput = z.infer<typeof FinalizeRevisionInput>;

export const FinalizeRevisionOutput = z.strictObject({
  revisionId: RevisionId,
  finalized: z.literal(true),
  assetCount: z.number().int().min(1),
});
export type FinalizeRevisionOutput = z.infer<typeof FinalizeRevisionOutput>;

// ---- ShareWithSubscribers
export const ShareWithSubscribersInput = z.strictObject({
  datasetId: DataSetId,
  subscriberAccountIds: SubscriberAccountIds,
});
export type ShareWithSubscribersInput = z.infer<typeof ShareWithSubscribersInput>;

export const DataGrantReport = z.strictObject({
  receiver: AccountId,
  id: z.string(),
  status: z.enum(['created', 'existing']),
  acceptance: z.string(),
});
export type DataGrantReport = z.infer<typeof DataGrantReport>;

export const ShareWithSubscribersOutput = z.strictObject({
  dataGrants: z.array(DataGrantReport),
});
export type ShareWithSubscribersOutput = z.infer<typeof ShareWithSubscribersOutput>;

// ---- Notify
export const NotifySuccessInput = z.strictObject({
  outcome: z.literal('SUCCEEDED'),
  executionName: z.string().min(1),
  /** `$$.Execution.StartTime`, for the duration in the message. */
  executionStartTime: z.string().min(1),
  runId: RunId,
  datasetId: DataSetId,
  revisionId: RevisionId,
  assetCount: z.number().int().min(0),
  totalBytes: z.number().int().min(0),
  alreadyPublished: z.boolean(),
  dataGrants: z.array(DataGrantReport).default([]),
});

export const StepFunctionsError = z.object({ Error: z.string(), Cause: z.string().optional() });

export const NotifyFailureInput = z.strictObject({
  outcome: z.literal('FAILED'),
  executionName: z.string().min(1),
  executionStartTime: z.string().min(1),
  /** The Catch's `{ Error, Cause }`. */
  failure: StepFunctionsError,
  /** The state at the moment of failure; runId, data set and revision are read from it when present. */
  context: z.unknown().optional(),
});

export const NotifyInput = z.discriminatedUnion('outcome', [NotifySuccessInput, NotifyFailureInput]);
export type NotifyInput = z.infer<typeof NotifyInput>;
export type NotifySuccessInput = z.infer<typeof NotifySuccessInput>;
export type NotifyFailureInput = z.infer<typeof NotifyFailureInput>;

export const NotifyOutput = z.strictObject({ messageId: z.string() });
export type NotifyOutput = z.infer<typeof NotifyOutput>;
