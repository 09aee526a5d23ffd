import * as z from 'zod';
import { AccountId } from './fields';

/*
 * The EventBridge events AWS Data Exchange sends (source `aws.dataexchange`). The detail-types the project
 * knows are validated field by field; any other detail-type is accepted as it is, since AWS adds new ones.
 */

export const EXCHANGE_EVENT_SOURCE = 'aws.dataexchange';

export const REVISION_PUBLISHED = 'Revision Published To Data Set';
export const DATA_GRANT_EVENT_TYPES = ['Data Grant Accepted', 'Data Grant Extended', 'Data Grant Revoked'] as const;

const NamedRef = z.object({ Id: z.string().min(1), Name: z.string().optional() });

export const RevisionPublishedDetail = z.object({
  RevisionIds: z.array(z.string().min(1)),
  Revisions: z.array(z.object({ Id: z.string().min(1), Comment: z.string().optional() })).optional(),
  DataSets: z.array(NamedRef).optional(),
  Product: NamedRef.optional(),
});
export type RevisionPublishedDetail = z.infer<typeof RevisionPublishedDetail>;

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
  if (isDataGrantType(type)) {
    return { ...event, kind: 'data-grant' as const, detail: knownDetail(DataGrantDetail, event.detail, ctx) };
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
