import { createS3Client } from '../../shared/clients/s3';
import { ENV_KEYS, PlanRevisionEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { PlanRevisionInput } from '../../shared/schemas/payloads/plan';
import { planRevision } from './core';

const s3 = createS3Client();

export const handler = defineHandler({
  task: 'plan-revision',
  input: PlanRevisionInput,
  env: PlanRevisionEnv,
  run: (input, { env }) => planRevision(input, { s3, dataSets: env[ENV_KEYS.dataSets] }),
});
