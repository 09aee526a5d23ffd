import type { UploadBatchInput } from '../shared/schemas/payloads';
import { handler } from '../tasks/upload-batch/handler';
import { runSide } from './big-asset-child';

/* The task side of the big-asset bench: the UploadBatch handler on a one-asset batch of a plan already in S3. */

runSide<UploadBatchInput>((input) => handler(input));
