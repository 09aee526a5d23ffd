import { createDataExchangeClient } from '../../shared/clients/dataexchange';
import { ImportPollEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { importPollConfig } from '../../shared/import-poll';
import { CheckImportInput } from '../../shared/schemas/payloads/import';
import { checkImport } from './core';

const dataExchange = createDataExchangeClient();

export const handler = defineHandler({
  task: 'check-import',
  input: CheckImportInput,
  env: ImportPollEnv,
  run: (input, { env }) => checkImport(input, { dataExchange, poll: importPollConfig(env) }),
});
