import { type DataExchangeClient, type NotificationDetails, SendDataSetNotificationCommand } from '@aws-sdk/client-dataexchange';
import { createHash } from 'node:crypto';
import * as z from 'zod';
import { NOTICE_EVENT_TYPES, NoticeType, SchemaChangeType } from '../../shared/schemas/exchange-event';
import { parseFlags } from './flags';

/*
 * `dx-flow notice`: SendDataSetNotification, which reaches the data set's subscribers as an EventBridge event
 * (`Data Updated in Data Set`, `Data Set Update Delayed`, `Schema Change Planned for Data Set`, `Deprecation
 * Planned for Data Set`). Each rule below is one of AWS's, from:
 * SendDataSetNotification: https://docs.aws.amazon.com/data-exchange/latest/apireference/API_SendDataSetNotification.html
 * DataUpdateRequestDetails: https://docs.aws.amazon.com/data-exchange/latest/apireference/API_DataUpdateRequestDetails.html
 * DeprecationRequestDetails: https://docs.aws.amazon.com/data-exchange/latest/apireference/API_DeprecationRequestDetails.html
 * SchemaChangeRequestDetails: https://docs.aws.amazon.com/data-exchange/latest/apireference/API_SchemaChangeRequestDetails.html
 * SchemaChangeDetails: https://docs.aws.amazon.com/data-exchange/latest/apireference/API_SchemaChangeDetails.html
 */

const NOTICE_COMMENT_MAX_LENGTH = 4096;
const SCHEMA_CHANGES_MAX = 100;
const SCHEMA_CHANGE_NAME_MAX_LENGTH = 255;
const SCHEMA_CHANGE_DESCRIPTION_MAX_LENGTH = 512;

const Timestamp = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], {
    error: 'must be an ISO 8601 date or time, such as 2026-12-01 or 2026-12-01T06:00:00Z',
  })
  .transform((text) => new Date(text));

const SchemaChange = z.object({
  Name: z.string().min(1, 'needs a NAME before the first ":"').max(SCHEMA_CHANGE_NAME_MAX_LENGTH, `has a NAME over ${SCHEMA_CHANGE_NAME_MAX_LENGTH} characters`),
  Type: z.enum(SchemaChangeType.options, { error: 'needs ADD, REMOVE or MODIFY after the NAME' }),
  Description: z
    .string()
    .max(SCHEMA_CHANGE_DESCRIPTION_MAX_LENGTH, `has a description over ${SCHEMA_CHANGE_DESCRIPTION_MAX_LENGTH} characters`)
    .optional(),
});

/** `NAME:ADD|REMOVE|MODIFY[:description]`; the description may hold colons, the name may not. */
const SchemaChangeSpec = z.string().transform((spec, ctx) => {
  const [name, type, ...rest] = spec.split(':');
  const change = SchemaChange.safeParse({ Name: name, Type: type, Description: rest.length === 0 ? undefined : rest.join(':') });
  if (change.success) return change.data;
  for (const issue of change.error.issues) ctx.addIssue({ code: 'custom', message: `"${spec}" ${issue.message}` });
  return z.NEVER;
});

/** A detail flag belongs to one notice type; given with another, it would be dropped, so it is refused. */
const DETAIL_FLAG_TYPES = {
  '--data-updated-at': 'DATA_UPDATE',
  '--schema-change': 'SCHEMA_CHANGE',
  '--schema-change-at': 'SCHEMA_CHANGE',
  '--deprecation-at': 'DEPRECATION',
} as const satisfies Record<string, NoticeType>;

/** The flags, keyed as typed so that each problem names its flag; `now` decides what "past" and "future" mean. */
function noticeFlags(now: Date) {
  return z
    .object({
      '<type>': NoticeType,
      '--comment': z.string().max(NOTICE_COMMENT_MAX_LENGTH, `must be at most ${NOTICE_COMMENT_MAX_LENGTH} characters`).optional(),
      '--data-updated-at': Timestamp.refine((at) => at <= now, 'must not be in the future: it says when the data was updated').optional(),
      '--deprecation-at': Timestamp.refine((at) => at > now, 'must be in the future: it says when the data set will be deprecated').optional(),
      '--schema-change-at': Timestamp.refine((at) => at > now, 'must be in the future: it says when the schema change takes effect').optional(),
      '--schema-change': z.array(SchemaChangeSpec).max(SCHEMA_CHANGES_MAX, `may be given at most ${SCHEMA_CHANGES_MAX} times`).default([]),
    })
    .superRefine((flags, ctx) => {
      for (const [flag, type] of Object.entries(DETAIL_FLAG_TYPES)) {
        const value = flags[flag as keyof typeof DETAIL_FLAG_TYPES];
        const given = Array.isArray(value) ? value.length > 0 : value !== undefined;
        if (given && flags['<type>'] !== type) ctx.addIssue({ code: 'custom', path: [flag], message: `goes only with ${type}, not ${flags['<type>']}` });
      }
      if (flags['<type>'] === 'DEPRECATION' && flags['--deprecation-at'] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['--deprecation-at'], message: 'is required for DEPRECATION' });
      }
      if (flags['<type>'] === 'SCHEMA_CHANGE' && flags['--schema-change-at'] === undefined) {
        ctx.addIssue({ code: 'custom', path: ['--schema-change-at'], message: 'is required for SCHEMA_CHANGE' });
      }
    });
}

export interface NoticeFlagValues {
  readonly comment?: string;
  readonly dataUpdatedAt?: string;
  readonly deprecationAt?: string;
  readonly schemaChangeAt?: string;
  readonly schemaChange?: readonly string[];
}

export interface NoticeRequest {
  readonly datasetId: string;
  readonly type: NoticeType;
  readonly comment?: string;
  readonly details?: NotificationDetails;
}

/** The request the flags make, for whichever data set the target names. */
export function parseNoticeFlags(type: string, flags: NoticeFlagValues, now: Date): Omit<NoticeRequest, 'datasetId'> {
  const parsed = parseFlags(noticeFlags(now), {
    '<type>': type,
    '--comment': flags.comment,
    '--data-updated-at': flags.dataUpdatedAt,
    '--deprecation-at': flags.deprecationAt,
    '--schema-change-at': flags.schemaChangeAt,
    '--schema-change': flags.schemaChange,
  });
  const details: NotificationDetails = {
    DataUpdate: parsed['--data-updated-at'] && { DataUpdatedAt: parsed['--data-updated-at'] },
    Deprecation: parsed['--deprecation-at'] && { DeprecationAt: parsed['--deprecation-at'] },
    SchemaChange: parsed['--schema-change-at'] && {
      SchemaChangeAt: parsed['--schema-change-at'],
      Changes: parsed['--schema-change'].length === 0 ? undefined : parsed['--schema-change'],
    },
  };
  const given = Object.values(details).some((detail) => detail !== undefined);
  return { type: parsed['<type>'], comment: parsed['--comment'], details: given ? details : undefined };
}

/**
 * The ClientToken: derived from what the notice says, not random. AWS dedups a token only against repeats
 * "in quick succession", so the same command run twice by mistake (a double Enter, a script's retry after a
 * timeout whose call got through) notifies subscribers once, while the same notice sent again later, after
 * that window, goes out again. A random token would dedup nothing. Within the 64 printable characters AWS
 * allows.
 */
export function clientTokenOf(request: NoticeRequest): string {
  const said = JSON.stringify([request.datasetId, request.type, request.comment ?? '', request.details ?? {}]);
  return `dx-flow-${createHash('sha256').update(said).digest('hex').slice(0, 56)}`;
}

/** The `--json` output of `dx-flow notice`. */
export interface NoticeReport {
  readonly datasetId: string;
  readonly type: NoticeType;
  /** The detail-type subscribers receive it as. */
  readonly eventType: string;
  readonly clientToken: string;
  readonly comment: string | null;
  readonly details: NotificationDetails | null;
}

export async function sendNotice(request: NoticeRequest, dataExchange: DataExchangeClient): Promise<NoticeReport> {
  const clientToken = clientTokenOf(request);
  await dataExchange.send(
    new SendDataSetNotificationCommand({ DataSetId: request.datasetId, Type: request.type, Comment: request.comment, Details: request.details, ClientToken: clientToken }),
  );
  return {
    datasetId: request.datasetId,
    type: request.type,
    eventType: NOTICE_EVENT_TYPES[request.type],
    clientToken,
    comment: request.comment ?? null,
    details: request.details ?? null,
  };
}

export function describeNotice(report: NoticeReport): string {
  return `Sent a ${report.type} notice on data set ${report.datasetId}: subscribers receive it as a "${report.eventType}" event (client token ${report.clientToken}).`;
}
