import { createDataExchangeClient } from '../../shared/clients/dataexchange';
import { ShareWithSubscribersEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { ShareWithSubscribersInput } from '../../shared/schemas/payloads/sharing';
import { shareWithSubscribers } from './core';

const dataExchange = createDataExchangeClient();

export const handler = defineHandler({
  task: 'share-with-subscribers',
  input: ShareWithSubscribersInput,
  env: ShareWithSubscribersEnv,
  run: (input, { env }) =>
    shareWithSubscribers(input, {
      dataExchange,
      grantEndsAt: env.GRANT_ENDS_AT === undefined ? undefined : new Date(env.GRANT_ENDS_AT),
    }),
});
