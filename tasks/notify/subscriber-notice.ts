import { GetRevisionCommand } from '@aws-sdk/client-dataexchange';
import { awsCall, RevisionStateError } from '../../shared/errors';
import { sendSubscriberNoticeOnce, type SubscriberNoticeDeps, type SubscriberNoticeOutcome } from '../../shared/notification-records';
import type { NotifySuccessInput } from '../../shared/schemas/payloads';

/**
 * When the run's (last) revision was finalized. GetRevision has no FinalizedAt: a finalized revision's UpdatedAt is
 * its finalization, as nothing but a revoke updates it afterwards, and a revoked revision is not announced as new
 * data (https://docs.aws.amazon.com/data-exchange/latest/apireference/API_GetRevision.html).
 */
async function finalizedAt(input: NotifySuccessInput, deps: SubscriberNoticeDeps): Promise<Date> {
  const resource = `revision ${input.revisionId} of data set ${input.datasetId}`;
  const revision = await awsCall({ action: 'dataexchange:GetRevision', resource }, () =>
    deps.dataExchange.send(new GetRevisionCommand({ DataSetId: input.datasetId, RevisionId: input.revisionId })),
  );
  if (revision.Finalized !== true || revision.Revoked === true || revision.UpdatedAt === undefined) {
    throw new RevisionStateError(`dataexchange:GetRevision says ${resource} is not a finalized, unrevoked revision; no DATA_UPDATE notice is sent for it`);
  }
  return revision.UpdatedAt;
}

/**
 * The DATA_UPDATE notice of a published run, once per run: a re-run of the runId (alreadyPublished) or a redrive
 * finds the run's record and sends nothing more.
 */
export async function sendDataUpdateNotice(input: NotifySuccessInput, deps: SubscriberNoticeDeps): Promise<SubscriberNoticeOutcome> {
  const revisions = [...input.earlierRevisionIds, input.revisionId];
  return sendSubscriberNoticeOnce(
    {
      datasetId: input.datasetId,
      runId: input.runId,
      type: 'DATA_UPDATE',
      comment: `dx-flow run ${input.runId} published ${input.assetCount} assets as revision${revisions.length > 1 ? 's' : ''} ${revisions.join(', ')}.`,
      details: { DataUpdate: { DataUpdatedAt: await finalizedAt(input, deps) } },
    },
    deps,
  );
}
