import {
  CreateRevisionCommand,
  type DataExchangeClient,
  paginateListDataSetRevisions,
  type RevisionEntry,
} from '@aws-sdk/client-dataexchange';
import { awsCall } from '../../shared/errors';
import { MAX_REVISION_COMMENT_LENGTH } from '../../shared/limits';
import type { CreateRevisionInput, RevisionRef } from '../../shared/schemas/payloads';
import { oldest } from '../oldest';

export interface CreateRevisionDeps {
  readonly dataExchange: DataExchangeClient;
}

/** The revision tags that name the run and its part; ListDataSetRevisions returns no tags, so the comment carries them too. */
export const RUN_ID_TAG = 'dx-flow:run-id';
export const PART_TAG = 'dx-flow:part';

/** `dx-flow run <runId>`, and ` part <n>` (from 2) for the later revisions of a run of several parts. */
export function runMarker(runId: string, part = 0): string {
  return part === 0 ? `dx-flow run ${runId}` : `dx-flow run ${runId} part ${part + 1}`;
}

/**
 * The marker, then the user's comment cut so that the whole fits ADX's comment limit. The state machine passes
 * '' for no comment, since its JSONPath needs the field present.
 */
export function revisionComment(runId: string, comment?: string, part = 0): string {
  const full = comment ? `${runMarker(runId, part)}: ${comment}` : runMarker(runId, part);
  const cut = full.slice(0, MAX_REVISION_COMMENT_LENGTH);
  // A cut between the halves of a surrogate pair would leave a character no JSON parser accepts. (A comment that
  // fits is whole, so it cannot end in half a pair.)
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

/**
 * Exactly this run's and part's marker: `dx-flow run abc` must not claim the revision of run `abc-2`, nor that of
 * `abc`'s part 2.
 */
export function isRunComment(comment: string | undefined, runId: string, part = 0): boolean {
  const marker = runMarker(runId, part);
  return comment === marker || comment?.startsWith(`${marker}:`) === true;
}

interface RevisionLike {
  readonly Id?: string;
  readonly Arn?: string;
}

function toRef(revision: RevisionLike, datasetId: string, flags: Pick<RevisionRef, 'created' | 'alreadyFinalized'>): RevisionRef {
  if (revision.Id === undefined || revision.Arn === undefined) {
    throw new Error(`Data Exchange described a revision of data set ${datasetId} without an Id or Arn`);
  }
  return { revisionId: revision.Id, revisionArn: revision.Arn, ...flags };
}

/**
 * Finds this run's revision. A finalized one wins, since it means the run was already published; a revoked
 * one is ignored, since it was withdrawn and publishes nothing. Among unfinalized ones the oldest wins (by
 * CreatedAt, then id), so that two executions of one runId that each created a revision agree on one.
 */
async function findRunRevision(input: CreateRevisionInput, deps: CreateRevisionDeps): Promise<RevisionRef | undefined> {
  return awsCall({ action: 'dataexchange:ListDataSetRevisions', resource: `data set ${input.datasetId}` }, async () => {
    const unfinalized: RevisionEntry[] = [];
    for await (const page of paginateListDataSetRevisions({ client: deps.dataExchange }, { DataSetId: input.datasetId })) {
      for (const revision of page.Revisions ?? []) {
        if (revision.Revoked === true || !isRunComment(revision.Comment, input.runId, input.part)) continue;
        if (revision.Finalized === true) return toRef(revision, input.datasetId, { created: false, alreadyFinalized: true });
        unfinalized.push(revision);
      }
    }
    const first = oldest(unfinalized);
    return first && toRef(first, input.datasetId, { created: false, alreadyFinalized: false });
  });
}

/**
 * Creates the run's revision, or reuses the one an earlier attempt of the same runId made. After creating, it
 * looks again: when a concurrent execution of the runId created one too, both go on with the oldest, and the
 * other stays empty and unfinalized.
 */
export async function createRevision(input: CreateRevisionInput, deps: CreateRevisionDeps): Promise<RevisionRef> {
  const existing = await findRunRevision(input, deps);
  if (existing !== undefined) return existing;
  const created = await awsCall({ action: 'dataexchange:CreateRevision', resource: `data set ${input.datasetId}` }, () =>
    deps.dataExchange.send(
      new CreateRevisionCommand({
        DataSetId: input.datasetId,
        Comment: revisionComment(input.runId, input.comment, input.part),
        Tags: { [RUN_ID_TAG]: input.runId, [PART_TAG]: String(input.part + 1) },
      }),
    ),
  );
  const winner = await findRunRevision(input, deps);
  if (winner !== undefined && winner.revisionId !== created.Id) return winner;
  return toRef(created, input.datasetId, { created: true, alreadyFinalized: false });
}
