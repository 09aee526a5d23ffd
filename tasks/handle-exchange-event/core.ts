import type { Logger } from '@aws-lambda-powertools/logger';
import { formatFields, type Notification, publishNotification, type PublishDeps } from '../../shared/notifications';
import type { ExchangeEvent, HandleExchangeEventOutput, NoticeDetail, NoticeType } from '../../shared/schemas/exchange-event';

export interface HandleExchangeEventDeps extends PublishDeps {
  readonly logger: Pick<Logger, 'info' | 'warn'>;
}

interface EventFacts {
  readonly datasetId?: string;
  readonly revisionIds: readonly string[];
  readonly grantId?: string;
  /** A provider's notice: its type, for a filter on the log (the topic's eventType attribute names it too). */
  readonly noticeType?: NoticeType;
}

/** A data set id given bare or as an ARN (`...::data-sets/<id>`); other resources, such as products, are not one. */
const DATA_SET_RESOURCE = /(?:^|:data-sets\/)([a-zA-Z0-9]{30,40})$/;

function dataSetOfResources(resources: readonly string[]): string | undefined {
  for (const resource of resources) {
    const match = DATA_SET_RESOURCE.exec(resource);
    if (match) return match[1];
  }
  return undefined;
}

function factsOf(event: ExchangeEvent): EventFacts {
  // Events name their data set in `resources`, and the newer ones in detail.DataSets too.
  const fromResources = dataSetOfResources(event.resources);
  switch (event.kind) {
    case 'revision-published':
    case 'revision-revoked':
      return { datasetId: event.detail.DataSets?.[0]?.Id ?? fromResources, revisionIds: event.detail.RevisionIds };
    case 'notice':
      return { datasetId: event.detail.DataSet.Id, revisionIds: [], noticeType: event.detail.Notification.Type };
    case 'data-grant': {
      const grantArn = event.detail.DataGrant.Arn;
      return {
        datasetId: event.detail.DataSets[0]?.Id ?? fromResources,
        revisionIds: [],
        grantId: grantArn.slice(grantArn.lastIndexOf('/') + 1),
      };
    }
    case 'unknown':
      return { datasetId: fromResources, revisionIds: [] };
  }
}

/** Each revision the event names, with its comment when the detail gives one. */
function revisionLines(detail: { readonly RevisionIds: readonly string[]; readonly Revisions?: readonly { Id: string; Comment?: string }[] }): string[] {
  const comments = new Map((detail.Revisions ?? []).map((revision) => [revision.Id, revision.Comment]));
  return detail.RevisionIds.map((id) => `  - ${id}${comments.get(id) ? `: ${comments.get(id)}` : ''}`);
}

/**
 * What a subscriber is told of a notice: its comment, the one date its type carries, and each schema change.
 * Details of another type than the notice's are not AWS's shape and are left out.
 */
function describeNotice(notice: NoticeDetail): string {
  const { Type, Comment, Details } = notice.Notification;
  const changes = Type === 'SCHEMA_CHANGE' ? (Details?.SchemaChange?.Changes ?? []) : [];
  const fields = formatFields([
    ['Notice', Type],
    ['Comment', Comment],
    ['Data updated at', Type === 'DATA_UPDATE' ? Details?.DataUpdate?.DataUpdatedAt : undefined],
    ['Schema change at', Type === 'SCHEMA_CHANGE' ? Details?.SchemaChange?.SchemaChangeAt : undefined],
    ['Deprecation at', Type === 'DEPRECATION' ? Details?.Deprecation?.DeprecationAt : undefined],
    ['Provider contact', notice.Product?.ProviderContact],
  ]);
  if (changes.length === 0) return fields;
  const lines = changes.map((change) => `  - ${change.Type} ${change.Name}${change.Description ? `: ${change.Description}` : ''}`);
  return [fields, ['Schema changes:', ...lines].join('\n')].join('\n\n');
}

function describeDetail(event: ExchangeEvent): string {
  switch (event.kind) {
    case 'revision-published':
      return ['Revisions:', ...revisionLines(event.detail)].join('\n');
    case 'revision-revoked':
      // Revoking deletes nothing: what a receiver exported before stays in its own bucket, for it to keep or delete.
      return [
        ['Revoked revisions:', ...revisionLines(event.detail)].join('\n'),
        formatFields([['Reason', event.detail.RevocationComment ?? '(none given)']]),
        'Data Exchange no longer exports these revisions; copies exported before stay where they were written.',
      ].join('\n\n');
    case 'notice':
      return describeNotice(event.detail);
    case 'data-grant':
      return formatFields([
        ['Data grant', event.detail.DataGrant.Name],
        ['Grant ARN', event.detail.DataGrant.Arn],
      ]);
    case 'unknown':
      return `dx-flow has no summary for this event type; its detail:\n${JSON.stringify(event.detail, null, 2)}`;
  }
}

function notificationOf(event: ExchangeEvent, facts: EventFacts): Notification {
  const eventType = event['detail-type'];
  const dataSetName = event.kind === 'unknown' ? undefined : event.kind === 'notice' ? event.detail.DataSet.Name : event.detail.DataSets?.[0]?.Name;
  const fields = formatFields([
    ['Event', eventType],
    ['Time', event.time],
    ['Account', event.account],
    ['Region', event.region],
    ['Data set', dataSetName && facts.datasetId ? `${facts.datasetId} (${dataSetName})` : facts.datasetId],
    ['Event id', event.id],
  ]);
  return {
    subject: `dx-flow: ${eventType}`,
    message: [`AWS Data Exchange reported: ${eventType}.`, fields, describeDetail(event)].join('\n\n'),
    attributes: { eventType, datasetId: facts.datasetId },
  };
}

/**
 * Records a Data Exchange event in the operations log and announces it on the topic. An event type dx-flow does
 * not know is logged as such and still announced with its raw detail: AWS adds types, and none should be lost.
 */
export async function handleExchangeEvent(event: ExchangeEvent, deps: HandleExchangeEventDeps): Promise<HandleExchangeEventOutput> {
  const eventType = event['detail-type'];
  const known = event.kind !== 'unknown';
  const facts = factsOf(event);
  const fields = { eventType, known, eventId: event.id, ...facts };
  if (known) deps.logger.info('Data Exchange event', fields);
  else deps.logger.warn('unknown Data Exchange event type', fields);
  const messageId = await publishNotification(notificationOf(event, facts), deps);
  return { messageId, eventType, known };
}
