import { Upload } from '@aws-sdk/lib-storage';
import { createS3Client } from '../shared/clients/s3';
import { sampleCsvStream } from '../shared/sample-data';
import { type RawUploadJob, runSide } from './big-asset-child';

/*
 * The raw side of the big-asset bench: the same generated stream through a plain lib-storage Upload, with the
 * part size and queue size the task's Upload has, so that the two differ only by what the task adds.
 */

runSide<RawUploadJob>((job) =>
  new Upload({
    client: createS3Client(),
    params: { Bucket: job.bucket, Key: job.key, Body: sampleCsvStream(job.seed, { bytes: job.bytes }), ContentType: 'text/csv' },
    partSize: job.partSize,
    queueSize: job.queueSize,
  }).done(),
);
