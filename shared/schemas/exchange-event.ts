import * as z from 'zod';
import { AccountId } from './fields';

/*
 * The EventBridge events AWS Data Exchange sends (source `aws.dataexchange`). The detail-types the project
 * knows are validated field by field; any other detail-type is accepted as it is, since AWS adds new ones.
 */

export const EXCHANGE_EVENT_SOURCE = 'aws.dataexchange';

export const REVISION_PUBLISHED = 'Revision Published To Data Set';
export const REVISION_REVOKED = 'Revision Revoked';
export const DATA_GRANT_EVENT_TYPES = ['Data Grant Accepted', 'Data Grant Extended', 'Data Grant Revoked'] as const;

/** SendDataSetNotification's Type (https://docs.aws.amazon.com/data-exchange/latest/apireference/API_SendDataSetNotification.html). */
export const NoticeType = z.enum(['DATA_UPDATE', 'DATA_DELAY', 'SCHEMA_CHANGE', 'DEPRECATION']);
export type NoticeType = z.infer<typeof NoticeType>;

/** The detail-type each kind of notice reaches subscribers as (user guide, "EventBridge events"). */
export const NOTICE_EVENT_TYPES = {
  DATA_UPDATE: 'Data Updated in Data Set',
  DATA_DELAY: 'Data Set Update Delayed',
  SCHEMA_CHANGE: 'Schema Change Planned for Data Set',
  DEPRECATION: 'Deprecation Planned for Data Set',
} as const satisfies Record<NoticeType, string>;

/** SchemaChangeDetails: https://docs.aws.amazon.com/data-exchange/latest/apireference/API_SchemaChangeDetails.html */
export const SchemaChangeType = z.enum(['ADD', 'REMOVE', 'MODIFY']);

const NamedRef = z.object({ Id: z.string().min(1), Name: z.string().optional() });

export const RevisionPublishedDetail = z.object({
  RevisionIds: z.array(z.string().min(1)),
  Revisions: z.array(z.object({ Id: z.string().min(1), Comment: z.string().optional() })).optional(),
  DataSets: z.array(NamedRef).optional(),
  Product: NamedRef.optional(),
});
export type RevisionPublishedDetail = z.infer<typeof RevisionPublishedDetail>;

/** Shaped as the user guide's example, which names the data set and the product, as the publish event does. */
export const RevisionRevokedDetail = RevisionPublishedDetail.extend({
  /** The provider's reason; RevokeRevision requires one, yet the handler must not drop an event that lacks it. */
  RevocationComment: z.string().optional(),
});
export type RevisionRevokedDetail = z.infer<typeof RevisionRevokedDetail>;

/**
 * A provider's notice, as the user guide's examples show it: one data set (`DataSet`, not `DataSets`), and
 * the Notification as SendDataSetNotification took it. Its Scope is passed over: dx-flow sends none.
 */
export const NoticeDetail = z.object({
  DataSet: NamedRef.extend({ AssetType: z.string().optional() }),
  Product: NamedRef.extend({ ProviderContact: z.string().optional() }).optional(),
  Notification: z.object({
    Type: NoticeType,
    Comment: z.string().optional(),
    Details: z
      .object({
        DataUpdate: z.object({ DataUpdatedAt: z.string().optional() }).optional(),
        Deprecation: z.object({ DeprecationAt: z.string().optional() }).optional(),
        SchemaChange: z
          .object({
            Changes: z.array(z.object({ Name: z.string().min(1), Type: SchemaChangeType, Description: z.string().optional() })).optional(),
            SchemaChangeAt: z.string().optional(),
          })
          .optional(),
      })
      .optional(),
  }),
});
export type NoticeDetail = z.infer<typeof NoticeDetail>;

export const DataGrantDetail = z.object({
  DataSets: z.array(NamedRef).default([]),
  DataGrant: z.object({
    Arn: z.string().regex(/^arn:aws[a-z-]*:dataexchange:[a-z0-9-]*:\d{12}:data-grants\/[A-Za-z0-9]+$/, 'must be a data grant ARN'),
    Name: z.string().optional(),
  }),
});
export type DataGrantDetail = z.infer<typeof DataGrantDetail>;

export const ExchangeEventEnvelope = z.object({
  version: z.string(),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.literal(EXCHANGE_EVENT_SOURCE),
  account: AccountId,
  time: z.iso.datetime({ offset: true }),
  region: z.string().min(1),
  resources: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()),
});
export type ExchangeEventEnvelope = z.infer<typeof ExchangeEventEnvelope>;

function isDataGrantType(type: string): type is (typeof DATA_GRANT_EVENT_TYPES)[number] {
  return (DATA_GRANT_EVENT_TYPES as readonly string[]).includes(type);
}

/** The notice type an event's detail-type stands for, if it is a notice's. */
function noticeTypeOf(detailType: string): NoticeType | undefined {
  return NoticeType.options.find((type) => NOTICE_EVENT_TYPES[type] === detailType);
}

/** Parses a known detail, reporting its problems under `detail.` so the error names the field. */
function knownDetail<S extends z.ZodType>(schema: S, detail: unknown, ctx: z.RefinementCtx): z.output<S> {
  const parsed = schema.safeParse(detail);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    ctx.addIssue({ ...issue, path: ['detail', ...issue.path] });
  }
  return z.NEVER;
}

/** An event tagged with `kind`, so the handler's branches get typed details. */
export const ExchangeEvent = ExchangeEventEnvelope.transform((event, ctx) => {
  const type = event['detail-type'];
  if (type === REVISION_PUBLISHED) {
    return { ...event, kind: 'revision-published' as const, detail: knownDetail(RevisionPublishedDetail, event.detail, ctx) };
  }
  if (type === REVISION_REVOKED) {
    return { ...event, kind: 'revision-revoked' as const, detail: knownDetail(RevisionRevokedDetail, event.detail, ctx) };
  }
  if (isDataGrantType(type)) {
    return { ...event, kind: 'data-grant' as const, detail: knownDetail(DataGrantDetail, event.detail, ctx) };
  }
  const noticeType = noticeTypeOf(type);
  if (noticeType !== undefined) {
    // A notice whose type says otherwise than its detail-type is malformed: which of the two to believe is unknowable.
    const matching = NoticeDetail.refine((detail) => detail.Notification.Type === noticeType, {
      path: ['Notification', 'Type'],
      message: `must be ${noticeType} for a "${type}" event`,
    });
    return { ...event, kind: 'notice' as const, detail: knownDetail(matching, event.detail, ctx) };
  }
  return { ...event, kind: 'unknown' as const };
});
export type ExchangeEvent = z.infer<typeof ExchangeEvent>;

export const HandleExchangeEventOutput = z.strictObject({
  messageId: z.string(),
  eventType: z.string(),
  /** false for a detail-type dx-flow has no schema for; it is still logged and announced. */
  known: z.boolean(),
});
export type HandleExchangeEventOutput = z.infer<typeof HandleExchangeEventOutput>;
