import { createS3Client } from '../../shared/clients/s3';
import { createSfnClient } from '../../shared/clients/sfn';
import { createSnsClient } from '../../shared/clients/sns';
import { StatusChangeEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { StatusChangeEvent } from '../../shared/schemas/status-change-event';
import { handleStatusChange } from './core';

const sfn = createSfnClient();
const s3 = createS3Client();
const sns = createSnsClient();

export const handler = defineHandler({
  task: 'handle-status-change',
  input: StatusChangeEvent,
  env: StatusChangeEnv,
  run: (event, { env, logger }) =>
    handleStatusChange(event, {
      sfn,
      s3,
      sns,
      topicArn: env.NOTIFY_TOPIC_ARN,
      bucket: env.NOTIFICATION_RECORD_BUCKET,
      now: () => new Date(),
      logger,
    }),
});
