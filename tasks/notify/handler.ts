import { createDataExchangeClient } from '../../shared/clients/dataexchange';
import { createS3Client } from '../../shared/clients/s3';
import { createSnsClient } from '../../shared/clients/sns';
import { ENV_KEYS, NotifySuccessEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { NotifyInput } from '../../shared/schemas/payloads/notify';
import { notify } from './core';

const sns = createSnsClient();
const s3 = createS3Client();
const dataExchange = createDataExchangeClient();
const now = () => new Date();

export const handler = defineHandler({
  task: 'notify',
  input: NotifyInput,
  env: NotifySuccessEnv,
  run: (input, { env }) => {
    const bucket = env[ENV_KEYS.notificationRecordBucket];
    // The env schema requires the bucket whenever the flag is on (test/shared/env.test.ts): the check only narrows its
    // type. Mutated to `true` it is equivalent and survives; not disabled, since a disable would take the line's other
    // ConditionalExpression mutants too, which the tests kill.
    const subscriberNotices = env[ENV_KEYS.notifySubscribers] && bucket !== undefined ? { s3, bucket, dataExchange, now } : undefined;
    return notify(input, { sns, topicArn: env[ENV_KEYS.notifyTopicArn], now, subscriberNotices });
  },
});
