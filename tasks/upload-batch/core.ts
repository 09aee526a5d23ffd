import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { mapLimited } from '../../shared/concurrency';
import { awsCall, InputValidationError } from '../../shared/errors';
import { type ManifestAsset, readBatchAssets } from '../../shared/manifest';
import { sampleCsvStream } from '../../shared/sample-data';
import type { UploadBatchInput, UploadBatchOutput } from '../../shared/schemas/payloads';

export interface UploadBatchDeps {
  readonly s3: S3Client;
}

/*
 * Memory bound: ASSET_CONCURRENCY uploads, each buffering up to UPLOAD_QUEUE_SIZE parts of UPLOAD_PART_BYTES,
 * is 128 MiB at most, well inside the task's 1,024 MB.
 */
const ASSET_CONCURRENCY = 4;
/** Exported for the bench, whose raw lib-storage side must upload the same way (bench/big-asset.ts). */
export const UPLOAD_PART_BYTES = 8 * 1024 ** 2;
export const UPLOAD_QUEUE_SIZE = 4;

type Generated = NonNullable<ManifestAsset['generated']>;

/** The content is a pure function of the seed, so a retried batch overwrites each object with the same bytes. */
async function uploadGenerated(s3: S3Client, bucket: string, key: string, generated: Generated): Promise<void> {
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: sampleCsvStream(generated.seed, generated), ContentType: 'text/csv' },
    partSize: UPLOAD_PART_BYTES,
    queueSize: UPLOAD_QUEUE_SIZE,
  });
  await awsCall({ action: 's3:PutObject', resource: `s3://${bucket}/${key}` }, () => upload.done());
}

/**
 * An existing object is only checked, never written or deleted: it is the provider's data. A vanished object
 * fails under S3's own NotFound, naming the key.
 */
async function checkExisting(s3: S3Client, bucket: string, asset: ManifestAsset): Promise<void> {
  const head = await awsCall({ action: 's3:GetObject', resource: `s3://${bucket}/${asset.key}` }, () =>
    s3.send(new HeadObjectCommand({ Bucket: bucket, Key: asset.key })),
  );
  if (asset.etag !== undefined && head.ETag !== asset.etag) {
    throw new InputValidationError(
      `s3://${bucket}/${asset.key} changed since planning: its ETag is ${head.ETag ?? 'missing'}, the plan saw ${asset.etag}`,
    );
  }
}

/** Puts one batch of the run's plan in place in S3, so StartImport can import it. */
export async function uploadBatch(input: UploadBatchInput, deps: UploadBatchDeps): Promise<UploadBatchOutput> {
  const assets = await readBatchAssets(deps.s3, input.bucket, input.runId, input.batch);
  await mapLimited(assets, ASSET_CONCURRENCY, ({ generated, ...asset }) =>
    generated === undefined ? checkExisting(deps.s3, input.bucket, asset) : uploadGenerated(deps.s3, input.bucket, asset.key, generated),
  );
  return {
    batchIndex: input.batch.index,
    assetCount: assets.length,
    bytes: assets.reduce((sum, asset) => sum + asset.bytes, 0),
  };
}
