import { createSnsClient } from '../../shared/clients/sns';
import { NotifyEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { AutoExportEvent } from '../../shared/schemas/export-event';
import { handleExportEvent } from './core';

const sns = createSnsClient();

export const handler = defineHandler({
  task: 'handle-export-event',
  input: AutoExportEvent,
  env: NotifyEnv,
  run: (event, { env, logger }) => handleExportEvent(event, { sns, topicArn: env.NOTIFY_TOPIC_ARN, logger }),
});
