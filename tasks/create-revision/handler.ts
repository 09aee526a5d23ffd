import { createDataExchangeClient } from '../../shared/clients/dataexchange';
import { NoEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { CreateRevisionInput } from '../../shared/schemas/payloads/revision';
import { createRevision } from './core';

const dataExchange = createDataExchangeClient();

export const handler = defineHandler({
  task: 'create-revision',
  input: CreateRevisionInput,
  env: NoEnv,
  run: (input) => createRevision(input, { dataExchange }),
});
