import type { Logger } from '@aws-lambda-powertools/logger';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import { awsCall } from '../../shared/errors';
import { claimRecord, type SubscriberNoticeDeps } from '../../shared/notification-records';
import { NOTIFICATION_RECORD_PREFIX, publishNotification, type PublishDeps } from '../../shared/notifications';
import {
  type HandleStatusChangeOutput,
  isNotifiedStatus,
  type NotifiedStatus,
  type StatusChangeEvent,
} from '../../shared/schemas/status-change-event';
import { findFailedState, findRun, hasWhatItNeeds } from './history';
import { isNotificationLost, statusChangeNotification } from './message';
import { delayedRunOf, sendDataDelayNotice } from './subscriber-notice';

export interface HandleStatusChangeDeps extends PublishDeps {
  readonly sfn: SFNClient;
  readonly s3: S3Client;
  /** The bucket of the notification records. */
  readonly bucket: string;
  readonly now: () => Date;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  /**
   * With subscriber notices on (NOTIFY_SUBSCRIBERS): Data Exchange and the record bucket, for a scheduled run's
   * DATA_DELAY notice.
   * @default undefined: no notice to subscribers
   */
  readonly subscriberNotices?: SubscriberNoticeDeps;
}

/** GetExecutionHistory's largest page. */
export const HISTORY_PAGE_SIZE = 1000;

/**
 * A standard execution's history holds at most 25,000 events (a longer one fails), so 25 pages read any history
 * whole; the loop stops sooner once it has what it needs. The publish history stays far smaller, since each
 * batch runs as a child execution with a history of its own.
 */
export const MAX_HISTORY_PAGES = 25;

/** The state machine's name, out of its ARN (`arn:aws:states:<region>:<account>:stateMachine:<name>`). */
function stateMachineNameOf(stateMachineArn: string): string {
  return stateMachineArn.split(':')[6] ?? stateMachineArn;
}

/** One record per execution, attempt and status: a redrive that fails again is a new attempt, and is announced. */
export function recordKeyOf(detail: { readonly stateMachineArn: string; readonly name: string }, redriveCount: number, status: NotifiedStatus): string {
  return `${NOTIFICATION_RECORD_PREFIX}${stateMachineNameOf(detail.stateMachineArn)}/${detail.name}/${redriveCount}/${status}.json`;
}

/** The history newest first, page by page, until it answers every question or ends; bounded by MAX_HISTORY_PAGES. */
export async function readHistory(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_HISTORY_PAGES; page += 1) {
    const response = await awsCall({ action: 'states:GetExecutionHistory', resource: `execution ${executionArn}` }, () =>
      sfn.send(
        new GetExecutionHistoryCommand({
          executionArn,
          reverseOrder: true,
          includeExecutionData: true,
          maxResults: HISTORY_PAGE_SIZE,
          nextToken,
        }),
      ),
    );
    events.push(...(response.events ?? []));
    nextToken = response.nextToken;
    if (nextToken === undefined || hasWhatItNeeds(events)) break;
  }
  return events;
}

/** Gives the claim back after a failed publish, so that the retry of this event can send the notification. */
async function releaseClaim(deps: HandleStatusChangeDeps, key: string): Promise<void> {
  try {
    await deps.s3.send(new DeleteObjectCommand({ Bucket: deps.bucket, Key: key }));
  } catch (error) {
    // The publish error is the one to report; a claim left behind only means that its retries find a duplicate.
    deps.logger.warn('could not release the notification claim; retries of this event will not notify', { recordKey: key, error: String(error) });
  }
}

/**
 * Announces a publish execution that failed, timed out or was stopped, once per attempt: read where and why it
 * stopped from DescribeExecution and the history, claim the attempt's record in S3, publish, then record SNS's
 * message id. Other statuses are ignored without an AWS call. With subscriber notices on, a run the schedule started
 * also tells the data set's subscribers that its update is late (DATA_DELAY), once per run.
 *
 * A crash between the claim and the publish loses that one message, since every retry then finds the claim: the
 * ExecutionsFailed alarm, not this notification, stays the durable signal of a failed run.
 */
export async function handleStatusChange(event: StatusChangeEvent, deps: HandleStatusChangeDeps): Promise<HandleStatusChangeOutput> {
  const { detail } = event;
  if (!isNotifiedStatus(detail.status)) return { outcome: 'ignored' };
  const status = detail.status;
  const executionArn = detail.executionArn;

  const execution = await awsCall({ action: 'states:DescribeExecution', resource: `execution ${executionArn}` }, () =>
    deps.sfn.send(new DescribeExecutionCommand({ executionArn })),
  );
  // The event's own count names the attempt that ended; DescribeExecution's may already count a later redrive.
  const redriveCount = detail.redriveCount ?? execution.redriveCount ?? 0;
  const events = await readHistory(deps.sfn, executionArn);
  const failedState = findFailedState(events);
  const run = findRun(events, execution.input ?? detail.input ?? undefined, failedState);
  const stopDate = detail.stopDate ?? execution.stopDate?.getTime();
  const notification = statusChangeNotification({
    status,
    executionArn,
    redriveCount,
    error: execution.error,
    cause: execution.cause,
    failedState,
    run,
    startDate: execution.startDate ?? new Date(detail.startDate),
    stopDate: stopDate === undefined ? deps.now() : new Date(stopDate),
  });

  const recordKey = recordKeyOf(detail, redriveCount, status);
  const facts = { executionArn, status, redriveCount, failedState: failedState?.name, ...run, recordKey };

  // The subscribers' notice goes first, under a record of its own: a retry after a failed Publish below finds it
  // recorded. A run whose revision went out, and only its success message was lost, is not late.
  const delayed = delayedRunOf(status, execution.input ?? detail.input ?? undefined, run);
  if (deps.subscriberNotices !== undefined && delayed !== undefined && !isNotificationLost({ error: execution.error, failedState })) {
    const notice = await sendDataDelayNotice(delayed, deps.subscriberNotices);
    deps.logger.info(notice.outcome === 'sent' ? 'DATA_DELAY notice sent to subscribers' : 'DATA_DELAY notice already sent', { ...facts, noticeRecordKey: notice.recordKey });
  }

  // EventBridge delivers at least once and retries its targets, so a second delivery of this status finds the key taken.
  if (!(await claimRecord(deps, recordKey, { executionArn, status, redriveCount, claimedAt: deps.now().toISOString() }))) {
    deps.logger.info('status already notified', facts);
    return { outcome: 'duplicate', recordKey };
  }

  let messageId: string;
  try {
    messageId = await publishNotification(notification, deps);
  } catch (error) {
    await releaseClaim(deps, recordKey);
    throw error;
  }

  // The claim already stops a resend, so a failure to add the message id is only logged.
  try {
    await deps.s3.send(
      new PutObjectCommand({
        Bucket: deps.bucket,
        Key: recordKey,
        Body: JSON.stringify({ messageId, sentAt: deps.now().toISOString() }),
        ContentType: 'application/json',
      }),
    );
  } catch (error) {
    deps.logger.warn('notified, but could not record the message id', { ...facts, messageId, error: String(error) });
  }
  deps.logger.info('status notified', { ...facts, messageId });
  return { outcome: 'sent', messageId, recordKey };
}
