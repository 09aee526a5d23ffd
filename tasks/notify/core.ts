import { NotificationFailedError, TransientAwsError } from '../../shared/errors';
import { publishNotification, type PublishDeps } from '../../shared/notifications';
import type { NotifyInput, NotifyOutput } from '../../shared/schemas/payloads';
import { successNotification } from './message';

export interface NotifyDeps extends PublishDeps {
  readonly now: () => Date;
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Announces a published run. The revision is out by now and cannot be taken back, so a failure here must not
 * read as a failed publication: a transient SNS error is rethrown as it is, for NotifySuccess's retry; any
 * other becomes NotificationFailedError, whose message says that the revision IS published. The execution
 * then fails, and the status-change notifier (and the failed-executions alarm) tell someone.
 */
export async function notify(input: NotifyInput, deps: NotifyDeps): Promise<NotifyOutput> {
  const notification = successNotification(input, deps.now());
  try {
    return { messageId: await publishNotification(notification, deps) };
  } catch (error) {
    if (error instanceof TransientAwsError) throw error;
    throw new NotificationFailedError(
      `Revision ${input.revisionId} of data set ${input.datasetId} IS published (run ${input.runId}); ` +
        `only its success notification could not be sent: ${describeError(error)}`,
      { cause: error },
    );
  }
}
