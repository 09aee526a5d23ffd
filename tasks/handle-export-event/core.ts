import type { Logger } from '@aws-lambda-powertools/logger';
import { formatFields, publishNotification, type PublishDeps } from '../../shared/notifications';
import type { HandleExchangeEventOutput } from '../../shared/schemas/exchange-event';
import { AUTO_EXPORT_COMPLETED, type AutoExportEvent, type HandleExportEventOutput, type SubscriberEvent } from '../../shared/schemas/export-event';
import { handleExchangeEvent } from '../handle-exchange-event/core';

export interface HandleExportEventDeps extends PublishDeps {
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
}

/**
 * The subscriber's handler: its auto-exports, and what the provider sent it (a revision revoked, a notice, its
 * grant's changes), which it logs and announces on the subscriber's topic as the provider's event handler does.
 */
export async function handleSubscriberEvent(event: SubscriberEvent, deps: HandleExportEventDeps): Promise<HandleExportEventOutput | HandleExchangeEventOutput> {
  return 'kind' in event ? handleExchangeEvent(event, deps) : handleExportEvent(event, deps);
}

/**
 * Records the outcome of one auto-export in the log and announces it on the subscriber's topic. A failure is
 * logged at error level, which the stack's alarms and any log-based alerting can key on.
 */
export async function handleExportEvent(event: AutoExportEvent, deps: HandleExportEventDeps): Promise<HandleExportEventOutput> {
  const eventType = event['detail-type'];
  const succeeded = eventType === AUTO_EXPORT_COMPLETED;
  const dataSet = event.detail.DataSets?.[0];
  const datasetId = dataSet?.Id ?? event.detail.DataSetIds?.[0];
  const revisionIds = event.detail.RevisionIds;
  const fields = { eventType, eventId: event.id, datasetId, revisionIds };
  if (succeeded) deps.logger.info('auto-export completed', fields);
  else deps.logger.error('auto-export failed', { ...fields, detail: event.detail });

  const summary = formatFields([
    ['Event', eventType],
    ['Time', event.time],
    ['Account', event.account],
    ['Region', event.region],
    ['Data set', dataSet?.Name && datasetId ? `${datasetId} (${dataSet.Name})` : datasetId],
    ['Event id', event.id],
  ]);
  const outcome = succeeded
    ? 'The revisions below were exported to the receiving bucket.'
    : `The export of the revisions below failed; ADX's detail:\n${JSON.stringify(event.detail, null, 2)}`;
  const messageId = await publishNotification(
    {
      subject: `dx-flow subscriber: ${eventType}`,
      message: [`AWS Data Exchange reported: ${eventType}.`, summary, outcome, ['Revisions:', ...revisionIds.map((id) => `  - ${id}`)].join('\n')].join('\n\n'),
      attributes: { eventType, datasetId, outcome: succeeded ? 'completed' : 'failed' },
    },
    deps,
  );
  return { messageId, eventType, succeeded };
}
