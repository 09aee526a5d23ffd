import { createDataExchangeClient } from '../../shared/clients/dataexchange';
import { createS3Client } from '../../shared/clients/s3';
import { createSfnClient } from '../../shared/clients/sfn';
import { createSnsClient } from '../../shared/clients/sns';
import { ENV_KEYS, StatusChangeEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { StatusChangeEvent } from '../../shared/schemas/status-change-event';
import { handleStatusChange } from './core';

const sfn = createSfnClient();
const s3 = createS3Client();
const sns = createSnsClient();
const dataExchange = createDataExchangeClient();
const now = () => new Date();

export const handler = defineHandler({
  task: 'handle-status-change',
  input: StatusChangeEvent,
  env: StatusChangeEnv,
  run: (event, { env, logger }) => {
    const bucket = env[ENV_KEYS.notificationRecordBucket];
    return handleStatusChange(event, {
      sfn,
      s3,
      sns,
      topicArn: env[ENV_KEYS.notifyTopicArn],
      bucket,
      now,
      logger,
      subscriberNotices: env[ENV_KEYS.notifySubscribers] ? { s3, bucket, dataExchange, now } : undefined,
    });
  },
});
