import { Upload } from '@aws-sdk/lib-storage';
import { createS3Client } from '../shared/clients/s3';
import { sampleCsvStream } from '../shared/sample-data';
import type { UploadBatchInput } from '../shared/schemas/payloads';
import { handler } from '../tasks/upload-batch/handler';

/*
 * One side of the big-asset bench, alone in its process so that the peak RSS it reports is its own and not a
 * process's that loaded aws-cdk-lib or the sandbox. Prints one JSON line: { ms, maxRssBytes }.
 */

export type BigAssetJob =
  /** The UploadBatch handler, on a one-asset batch of a manifest already in S3. */
  | { readonly side: 'task'; readonly input: UploadBatchInput }
  /** The same generated stream, through a lib-storage Upload with its default part size and queue. */
  | { readonly side: 'raw'; readonly bucket: string; readonly key: string; readonly seed: number; readonly bytes: number };

async function run(job: BigAssetJob): Promise<void> {
  if (job.side === 'task') {
    await handler(job.input);
    return;
  }
  const upload = new Upload({
    client: createS3Client(),
    params: { Bucket: job.bucket, Key: job.key, Body: sampleCsvStream(job.seed, { bytes: job.bytes }), ContentType: 'text/csv' },
  });
  await upload.done();
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as BigAssetJob;
  const started = performance.now();
  await run(job);
  const ms = performance.now() - started;
  // maxRSS is in kilobytes.
  process.stdout.write(`${JSON.stringify({ ms, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
