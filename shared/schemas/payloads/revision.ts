import * as z from 'zod';
import { DataSetId, RevisionId, RunId } from '../fields';

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
