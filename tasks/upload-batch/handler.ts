import { createS3Client } from '../../shared/clients/s3';
import { NoEnv } from '../../shared/env';
import { defineHandler } from '../../shared/handler';
import { UploadBatchInput } from '../../shared/schemas/payloads/import';
import { uploadBatch } from './core';

const s3 = createS3Client();

export const handler = defineHandler({
  task: 'upload-batch',
  input: UploadBatchInput,
  env: NoEnv,
  run: (input) => uploadBatch(input, { s3 }),
});
