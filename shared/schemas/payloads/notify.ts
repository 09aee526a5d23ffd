import * as z from 'zod';
import { DataSetId, RevisionId, RunId } from '../fields';
import { DataGrantReport } from './sharing';

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
