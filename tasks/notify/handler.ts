import { createSnsClient } from '../../shared/clients/sns';
import { NotifyEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { NotifyInput } from '../../shared/schemas/payloads/notify';
import { notify } from './core';

const sns = createSnsClient();

export const handler = defineHandler({
  task: 'notify',
  input: NotifyInput,
  env: NotifyEnv,
  run: (input, { env }) => notify(input, { sns, topicArn: env.NOTIFY_TOPIC_ARN, now: () => new Date() }),
});
