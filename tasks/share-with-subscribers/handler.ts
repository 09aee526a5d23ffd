import { createDataExchangeClient } from '../../shared/clients/dataexchange';
import { ENV_KEYS, ShareWithSubscribersEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { ShareWithSubscribersInput } from '../../shared/schemas/payloads/sharing';
import { shareWithSubscribers } from './core';

const dataExchange = createDataExchangeClient();

export const handler = defineHandler({
  task: 'share-with-subscribers',
  input: ShareWithSubscribersInput,
  env: ShareWithSubscribersEnv,
  run: (input, { env }) => {
    // The grant end configured for the run's data set; a data set the list does not name has none.
    const grantEndsAt = env[ENV_KEYS.dataSets].find((dataSet) => dataSet.dataSetId === input.datasetId)?.grantEndsAt;
    return shareWithSubscribers(input, { dataExchange, grantEndsAt: grantEndsAt === undefined ? undefined : new Date(grantEndsAt) });
  },
});
