import * as z from 'zod';
import { MAX_ASSETS_PER_IMPORT_JOB, MAX_ASSETS_PER_REVISION, MAX_BATCHES_PER_PART, EXECUTION_NAME_MAX_LENGTH } from '../limits';
import { AccountId, BucketName, DataSetId, RevisionId, RunId, SafeS3Key, SubscriberAccountIds } from './fields';

/*
 * Every state's payload in and out. The handlers parse their input with these, the state machine builds its
 * Parameters to match them, and the tests use them to build fixtures.
 */

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

export const SourceType = z.enum(['generate', 's3Prefix', 'manifest']);

// ---- PlanRevision
export const PlanRevisionInput = z.strictObject({
  /** The raw execution input; PlanRevision validates it with WorkflowInput, or with ContinuationInput. */
  input: z.unknown(),
  /** `$$.Execution.Name`, the default runId. */
  executionName: z.string().min(1),
  /** `$$.Execution.StartTime`: when the run started, for the first part. */
  executionStartTime: z.string().min(1),
});
export type PlanRevisionInput = z.infer<typeof PlanRevisionInput>;

/**
 * What an execution hands the next one when a run has more parts than one: the next one reads the plan that
 * the first wrote, and publishes the next part. StartNextPart cannot append to an array in JSONPath, so the
 * revision just finalized travels beside the earlier ones, and PlanRevision joins them.
 */
export const ContinuationInput = z.strictObject({
  bucket: BucketName,
  datasetId: DataSetId,
  continueRun: z.strictObject({
    runId: RunId,
    part: z.number().int().min(1),
    firstExecutionName: z.string().min(1).max(EXECUTION_NAME_MAX_LENGTH),
    runStartTime: z.string().min(1),
    earlierRevisionIds: z.array(RevisionId),
    lastRevisionId: RevisionId,
  }),
  /** Step Functions' link to the execution that started this one, shown in the console. */
  AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: z.string().optional(),
});
export type ContinuationInput = z.infer<typeof ContinuationInput>;

export const Plan = z.strictObject({
  runId: RunId,
  bucket: BucketName,
  datasetId: DataSetId,
  /** '' when the input has none: the state machine passes it on with a plain JSONPath, which needs it present. */
  comment: z.string(),
  sourceType: SourceType,
  /** The run's plan in S3. */
  manifestKey: SafeS3Key,
  /** The whole run's. */
  assetCount: z.number().int().min(1),
  totalBytes: z.number().int().min(0),
  /** The part this execution publishes. */
  part: PartPlan,
  partCount: z.number().int().min(1),
  /** The revisions earlier executions of the run published, in order. */
  earlierRevisionIds: z.array(RevisionId),
  /** Lets the state machine's Choice go on to the next part, and name it, without arithmetic. */
  hasMoreParts: z.boolean(),
  nextPart: z.number().int().min(1),
  /** The execution that publishes the next part: the first one's name with `-part-<n>`. */
  nextExecutionName: z.string().min(1).max(EXECUTION_NAME_MAX_LENGTH),
  firstExecutionName: z.string().min(1).max(EXECUTION_NAME_MAX_LENGTH),
  /** When the first execution started: the success notification gives the whole run's duration. */
  runStartTime: z.string().min(1),
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
  /** The part of the run; a run of one part has only part 0. @default 0 */
  part: z.number().int().min(0).default(0),
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
  /** How long the Wait state sleeps before the next CheckImport: 0 when there is no job to wait for. */
  waitSeconds: z.number().int().min(0),
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
  /** The revision of the run's last part; with more parts, the earlier ones come first. */
  revisionId: RevisionId,
  earlierRevisionIds: z.array(RevisionId).default([]),
  assetCount: z.number().int().min(0),
  totalBytes: z.number().int().min(0),
  /** The last part's revision was published by an earlier execution of the runId. */
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
