import { formatBytes, formatDuration, formatFields, type Notification } from '../../shared/notifications';
import type { DataGrantReport, NotifySuccessInput } from '../../shared/schemas/payloads';

function formatGrants(grants: readonly DataGrantReport[]): string {
  if (grants.length === 0) return 'Data grants: none';
  const lines = grants.map((grant) => `  - account ${grant.receiver}: grant ${grant.id}, ${grant.status}, ${grant.acceptance}`);
  return ['Data grants:', ...lines].join('\n');
}

/**
 * A run of several parts published a revision per part, in this order; its last execution notifies. Parts go
 * out in order, so when the last one was already published, so was every other.
 */
function successHeadline(input: NotifySuccessInput, revisionCount: number): { subject: string; headline: string } {
  const revisions = revisionCount > 1 ? ` as ${revisionCount} revisions` : '';
  if (input.alreadyPublished) {
    return {
      subject: `dx-flow: ${input.runId} already published${revisions}`,
      headline: `dx-flow run ${input.runId} had already been published${revisions}; nothing new went out.`,
    };
  }
  return revisionCount > 1
    ? {
        subject: `dx-flow: published ${revisionCount} revisions (${input.assetCount} assets)`,
        headline: `dx-flow published run ${input.runId} as ${revisionCount} revisions of data set ${input.datasetId}, in order.`,
      }
    : {
        subject: `dx-flow: published revision ${input.revisionId} (${input.assetCount} assets)`,
        headline: `dx-flow published a revision of data set ${input.datasetId}.`,
      };
}

export function successNotification(input: NotifySuccessInput, now: Date): Notification {
  const revisionIds = [...input.earlierRevisionIds, input.revisionId];
  const { subject, headline } = successHeadline(input, revisionIds.length);
  const fields = formatFields([
    ['Run', input.runId],
    ['Execution', input.executionName],
    ['Data set', input.datasetId],
    [revisionIds.length > 1 ? 'Revisions' : 'Revision', revisionIds.join(', ')],
    ['Assets', String(input.assetCount)],
    ['Bytes', formatBytes(input.totalBytes)],
    ['Started', input.executionStartTime],
    ['Duration', formatDuration(input.executionStartTime, now)],
  ]);
  return {
    subject,
    message: [headline, fields, formatGrants(input.dataGrants)].join('\n\n'),
    attributes: { outcome: input.outcome, runId: input.runId, datasetId: input.datasetId },
  };
}
