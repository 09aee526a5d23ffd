import { createSnsClient } from '../../shared/clients/sns';
import { NotifyEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { ExchangeEvent } from '../../shared/schemas/exchange-event';
import { handleExchangeEvent } from './core';

const sns = createSnsClient();

export const handler = defineHandler({
  task: 'handle-exchange-event',
  input: ExchangeEvent,
  env: NotifyEnv,
  run: (event, { env, logger }) => handleExchangeEvent(event, { sns, topicArn: env.NOTIFY_TOPIC_ARN, logger }),
});
