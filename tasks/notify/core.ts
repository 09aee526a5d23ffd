import { publishNotification, type PublishDeps } from '../../shared/notifications';
import type { NotifyInput, NotifyOutput } from '../../shared/schemas/payloads';
import { failureNotification, successNotification } from './message';

export interface NotifyDeps extends PublishDeps {
  readonly now: () => Date;
}

/** Sends the run's one notification: what was published, or what failed and where. */
export async function notify(input: NotifyInput, deps: NotifyDeps): Promise<NotifyOutput> {
  const notification =
    input.outcome === 'SUCCEEDED' ? successNotification(input, deps.now()) : failureNotification(input, deps.now());
  return { messageId: await publishNotification(notification, deps) };
}
