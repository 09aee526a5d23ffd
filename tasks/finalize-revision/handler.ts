import { createDataExchangeClient } from '../../shared/clients/dataexchange';
import { NoEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { FinalizeRevisionInput } from '../../shared/schemas/payloads/revision';
import { finalizeRevision } from './core';

const dataExchange = createDataExchangeClient();

export const handler = defineHandler({
  task: 'finalize-revision',
  input: FinalizeRevisionInput,
  env: NoEnv,
  run: (input) => finalizeRevision(input, { dataExchange }),
});
