import { createHash } from 'node:crypto';
import { type DataExchangeClient, type NotificationDetails, SendDataSetNotificationCommand } from '@aws-sdk/client-dataexchange';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { awsCall } from './errors';
import { NOTIFICATION_RECORD_PREFIX } from './notifications';
import { readJsonObject } from './s3-json';
import type { NoticeType } from './schemas/exchange-event';

/*
 * Records of what was announced, so that each announcement goes out once across retries, re-runs and redrives:
 * the claim the status-change notifier makes per attempt, and the notices to a data set's subscribers.
 */

/**
 * Where the notices sent to the data set's subscribers (SendDataSetNotification) are recorded: one object per data
 * set, run and notice type, inside NOTIFICATION_RECORD_PREFIX, whose lifecycle rule in the bucket expires
 * them too (30 days by default): a re-run of a runId after that announces it again.
 */
export const SUBSCRIBER_NOTICE_RECORD_PREFIX = `${NOTIFICATION_RECORD_PREFIX}subscriber-notices/`;

/** The bucket where notification records live. */
export interface RecordStore {
  readonly s3: S3Client;
  readonly bucket: string;
}

interface S3Error {
  readonly name?: string;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

function isPreconditionFailed(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as S3Error;
  return e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412;
}

/**
 * Claims a record key with a conditional write: `If-None-Match: *` makes S3 create the object only if no object has
 * that key, and answer 412 PreconditionFailed otherwise; of several concurrent writers exactly one wins
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html). Returns whether this caller won.
 */
export async function claimRecord(store: RecordStore, key: string, body: Record<string, unknown>): Promise<boolean> {
  return awsCall({ action: 's3:PutObject', resource: `s3://${store.bucket}/${key}` }, async () => {
    try {
      await store.s3.send(
        new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: JSON.stringify(body), ContentType: 'application/json', IfNoneMatch: '*' }),
      );
      return true;
    } catch (error) {
      if (isPreconditionFailed(error)) return false;
      throw error;
    }
  });
}

/**
 * One notice to a data set's subscribers, sent once per data set, run and type. Data Exchange delivers it as an
 * EventBridge event; its user guide says a product's subscribers receive these
 * (https://docs.aws.amazon.com/data-exchange/latest/userguide/cloudwatch-events.html) and is silent on data-grant
 * receivers, which is how dx-flow shares. The sandbox assumes each receiver that accepted its grant gets it.
 */
export interface SubscriberNotice {
  readonly datasetId: string;
  readonly runId: string;
  readonly type: NoticeType;
  readonly comment: string;
  readonly details?: NotificationDetails;
}

export interface SubscriberNoticeDeps extends RecordStore {
  readonly dataExchange: DataExchangeClient;
  readonly now: () => Date;
}

export interface SubscriberNoticeOutcome {
  readonly outcome: 'sent' | 'already-sent';
  readonly recordKey: string;
}

/** SendDataSetNotification's Comment: at most 4,096 characters. */
const NOTICE_COMMENT_MAX_LENGTH = 4096;

export function subscriberNoticeKey(notice: Pick<SubscriberNotice, 'datasetId' | 'runId' | 'type'>): string {
  return `${SUBSCRIBER_NOTICE_RECORD_PREFIX}${notice.datasetId}/${notice.runId}/${notice.type}.json`;
}

/**
 * The notice's ClientToken, from its record key: the same notice always carries the same token, so that a retry in
 * quick succession is deduplicated by Data Exchange too. 64 hex characters, SendDataSetNotification's longest token
 * (https://docs.aws.amazon.com/data-exchange/latest/apireference/API_SendDataSetNotification.html).
 */
export function clientTokenOf(recordKey: string): string {
  return createHash('sha256').update(recordKey).digest('hex');
}

const NoticeRecord = z.object({ state: z.enum(['sending', 'sent']) }).loose();

/** The record's state; a record gone missing (released by hand) reads as unsent. */
async function noticeStateOf(store: RecordStore, key: string): Promise<'sending' | 'sent' | undefined> {
  try {
    return (await readJsonObject(store.s3, { bucket: store.bucket, key }, NoticeRecord, 'subscriber notice record')).state;
  } catch (error) {
    if (error instanceof Error && error.name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/**
 * Sends a notice to the data set's subscribers once, however often its run is re-run, redriven or its event
 * redelivered. Data Exchange deduplicates a ClientToken only for repeats "in quick succession", so a record in S3
 * says what was sent: claimed as `sending` (If-None-Match) before the send, rewritten as `sent` after it.
 *
 * A retry that finds `sent` does nothing. One that finds `sending` knows that an earlier attempt claimed the notice
 * and then failed or crashed between its claim and its `sent` record, without knowing whether Data Exchange took
 * the notice; it sends again under the same ClientToken. So this errs toward a possible double, never a silent
 * miss: a double needs the earlier send to have gone through AND the retry to come after Data Exchange's dedup
 * window; a quick retry (a task retry, a concurrent duplicate delivery) is deduplicated by the token.
 */
export async function sendSubscriberNoticeOnce(notice: SubscriberNotice, deps: SubscriberNoticeDeps): Promise<SubscriberNoticeOutcome> {
  const recordKey = subscriberNoticeKey(notice);
  const clientToken = clientTokenOf(recordKey);
  const record = { datasetId: notice.datasetId, runId: notice.runId, type: notice.type, clientToken };
  const claimed = await claimRecord(deps, recordKey, { ...record, state: 'sending', claimedAt: deps.now().toISOString() });
  if (!claimed && (await noticeStateOf(deps, recordKey)) === 'sent') return { outcome: 'already-sent', recordKey };

  await awsCall({ action: 'dataexchange:SendDataSetNotification', resource: `data set ${notice.datasetId}` }, () =>
    deps.dataExchange.send(
      new SendDataSetNotificationCommand({
        DataSetId: notice.datasetId,
        Type: notice.type,
        ClientToken: clientToken,
        Comment: notice.comment.slice(0, NOTICE_COMMENT_MAX_LENGTH),
        Details: notice.details,
      }),
    ),
  );
  await awsCall({ action: 's3:PutObject', resource: `s3://${deps.bucket}/${recordKey}` }, () =>
    deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: recordKey,
        Body: JSON.stringify({ ...record, state: 'sent', sentAt: deps.now().toISOString() }),
        ContentType: 'application/json',
      }),
    ),
  );
  return { outcome: 'sent', recordKey };
}
