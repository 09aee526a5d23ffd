import * as z from 'zod';
import { ExchangeEventEnvelope } from './exchange-event';

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

export const HandleExportEventOutput = z.strictObject({
  messageId: z.string(),
  eventType: z.enum(AUTO_EXPORT_EVENT_TYPES),
  succeeded: z.boolean(),
});
export type HandleExportEventOutput = z.infer<typeof HandleExportEventOutput>;
