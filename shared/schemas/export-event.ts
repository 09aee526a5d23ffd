import * as z from 'zod';
import { DATA_GRANT_EVENT_TYPES, ExchangeEvent, ExchangeEventEnvelope, NOTICE_EVENT_TYPES, REVISION_REVOKED } from './exchange-event';

/*
 * The two EventBridge events ADX sends a subscriber about an event action's auto-export of a revision to S3.
 * Their detail names the data set and the revisions; fields dx-flow does not read are kept as they come.
 */

export const AUTO_EXPORT_COMPLETED = 'Auto-export Job Completed';
export const AUTO_EXPORT_FAILED = 'Auto-export Job Failed';
export const AUTO_EXPORT_EVENT_TYPES = [AUTO_EXPORT_COMPLETED, AUTO_EXPORT_FAILED] as const;

const NamedRef = z.object({ Id: z.string().min(1), Name: z.string().optional() });

export const AutoExportDetail = z.looseObject({
  RevisionIds: z.array(z.string().min(1)).default([]),
  DataSetIds: z.array(z.string().min(1)).optional(),
  DataSets: z.array(NamedRef).optional(),
});

export const AutoExportEvent = ExchangeEventEnvelope.extend({
  'detail-type': z.enum(AUTO_EXPORT_EVENT_TYPES),
  detail: AutoExportDetail,
});
export type AutoExportEvent = z.infer<typeof AutoExportEvent>;

/**
 * What a provider's actions send a receiving account: a revision revoked, a notice (data updated or delayed, a
 * schema change or a deprecation planned) and its grant's changes
 * (https://docs.aws.amazon.com/data-exchange/latest/userguide/cloudwatch-events.html).
 */
export const PROVIDER_EVENT_TYPES = [REVISION_REVOKED, ...Object.values(NOTICE_EVENT_TYPES), ...DATA_GRANT_EVENT_TYPES] as const;

/**
 * Every event the subscriber's handler takes: its auto-exports, and what the provider sent. The detail-type is
 * checked first, so that another event is refused naming it; each kind's detail is then checked by its own schema.
 */
export const SubscriberEvent = ExchangeEventEnvelope.extend({ 'detail-type': z.enum([...AUTO_EXPORT_EVENT_TYPES, ...PROVIDER_EVENT_TYPES]) }).transform(
  (event, ctx): AutoExportEvent | ExchangeEvent => {
    const schema = (AUTO_EXPORT_EVENT_TYPES as readonly string[]).includes(event['detail-type']) ? AutoExportEvent : ExchangeEvent;
    const parsed = schema.safeParse(event);
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue });
    return z.NEVER;
  },
);
export type SubscriberEvent = z.infer<typeof SubscriberEvent>;

export const HandleExportEventOutput = z.strictObject({
  messageId: z.string(),
  eventType: z.enum(AUTO_EXPORT_EVENT_TYPES),
  succeeded: z.boolean(),
});
export type HandleExportEventOutput = z.infer<typeof HandleExportEventOutput>;
