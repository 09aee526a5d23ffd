import { createSnsClient } from '../../shared/clients/sns';
import { NotifyEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { SubscriberEvent } from '../../shared/schemas/export-event';
import { handleSubscriberEvent } from './core';

const sns = createSnsClient();

export const handler = defineHandler({
  task: 'handle-export-event',
  input: SubscriberEvent,
  env: NotifyEnv,
  run: (event, { env, logger }) => handleSubscriberEvent(event, { sns, topicArn: env.NOTIFY_TOPIC_ARN, logger }),
});
