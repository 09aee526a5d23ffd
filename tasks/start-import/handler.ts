import { createDataExchangeClient } from '../../shared/clients/dataexchange';
import { createS3Client } from '../../shared/clients/s3';
import { ImportPollEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { importPollConfig } from '../../shared/import-poll';
import { StartImportInput } from '../../shared/schemas/payloads/import';
import { startImport } from './core';

const dataExchange = createDataExchangeClient();
const s3 = createS3Client();

export const handler = defineHandler({
  task: 'start-import',
  input: StartImportInput,
  env: ImportPollEnv,
  run: (input, { env }) => startImport(input, { dataExchange, s3, poll: importPollConfig(env) }),
});
