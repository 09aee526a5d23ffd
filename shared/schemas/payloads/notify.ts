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

/**
 * NotifySuccess's payload. A failed, timed-out or stopped run is announced by the handle-status-change task from
 * the execution's terminal status instead, so the state machine no longer catches errors into a notify state.
 */
export const NotifyInput = NotifySuccessInput;
export type NotifyInput = z.infer<typeof NotifyInput>;
export type NotifySuccessInput = z.infer<typeof NotifySuccessInput>;

export const NotifyOutput = z.strictObject({ messageId: z.string() });
export type NotifyOutput = z.infer<typeof NotifyOutput>;
