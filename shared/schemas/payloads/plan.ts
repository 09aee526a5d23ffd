import * as z from 'zod';
import { EXECUTION_NAME_MAX_LENGTH } from '../../limits';
import { BucketName, DataSetId, RevisionId, RunId, SafeS3Key, SubscriberAccountIds } from '../fields';
import { PartPlan, SourceType } from './batch';

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
    /** The run's plan: absent from an execution of a definition older than several data sets, whose plan is a default data set's. */
    manifestKey: SafeS3Key.optional(),
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
  /** Where this execution's batch execution names start; each adds `-b<batch>-r<redrive count>` (11 characters at most). */
  batchExecutionPrefix: z.string().min(1).max(EXECUTION_NAME_MAX_LENGTH - 11),
  /** When the first execution started: the success notification gives the whole run's duration. */
  runStartTime: z.string().min(1),
  subscriberAccountIds: SubscriberAccountIds,
  /** Lets the state machine's Choice skip sharing without a JSONPath array-length test. */
  hasSubscribers: z.boolean(),
});
export type Plan = z.infer<typeof Plan>;
