import { NotificationFailedError, TransientAwsError } from '../../shared/errors';
import type { SubscriberNoticeDeps } from '../../shared/notification-records';
import { publishNotification, type PublishDeps } from '../../shared/notifications';
import type { NotifyInput, NotifyOutput } from '../../shared/schemas/payloads';
import { successNotification } from './message';
import { sendDataUpdateNotice } from './subscriber-notice';

export interface NotifyDeps extends PublishDeps {
  readonly now: () => Date;
  /**
   * With subscriber notices on (NOTIFY_SUBSCRIBERS): Data Exchange, and the bucket of the notice records.
   * @default undefined: no notice to subscribers
   */
  readonly subscriberNotices?: SubscriberNoticeDeps;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Announces a published run: to the data set's subscribers first, when they are to be told (a DATA_UPDATE notice,
 * sent once per run), then on the topic. In that order, a retry after a failed Publish finds the notice recorded
 * and sends only the message; the other way round, a failed notice would repeat the message. The revision is out by now and cannot be taken back, so a failure here must not
 * read as a failed publication: a transient SNS error is rethrown as it is, for NotifySuccess's retry; any
 * other becomes NotificationFailedError, whose message says that the revision IS published. The execution
 * then fails, and the status-change notifier (and the failed-executions alarm) tell someone.
 */
export async function notify(input: NotifyInput, deps: NotifyDeps): Promise<NotifyOutput> {
  const notification = successNotification(input, deps.now());
  try {
    if (deps.subscriberNotices !== undefined) await sendDataUpdateNotice(input, deps.subscriberNotices);
    return { messageId: await publishNotification(notification, deps) };
  } catch (error) {
    if (error instanceof TransientAwsError) throw error;
    throw new NotificationFailedError(
      `Revision ${input.revisionId} of data set ${input.datasetId} IS published (run ${input.runId}); ` +
        `only its success notification or its notice to subscribers could not be sent: ${describeError(error)}`,
      { cause: error },
    );
  }
}
