import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { awsCall, InputValidationError } from './errors';
import { MAX_ASSETS_PER_IMPORT_JOB, MAX_BYTES_PER_ASSET, MIN_BYTES_PER_ASSET } from './limits';
import { readJsonObject } from './s3-json';
import { BucketName, RunId, SafeS3Key } from './schemas/fields';
import { type BatchRef, SourceType } from './schemas/payloads';

/**
 * The full asset list of a run, kept in S3 because state payloads are capped at 256 KB. The state machine
 * carries only BatchRefs into it.
 */

export const ManifestAsset = z.strictObject({
  key: SafeS3Key,
  bytes: z.number().int().min(0),
  /** Generated assets: the content seed and its row count or exact size, so any retry regenerates the same bytes. */
  generated: z
    .union([
      z.strictObject({ seed: z.number().int().min(0), records: z.number().int().min(1) }),
      z.strictObject({ seed: z.number().int().min(0), bytes: z.number().int().min(MIN_BYTES_PER_ASSET).max(MAX_BYTES_PER_ASSET) }),
    ])
    .optional(),
  /** Existing objects: the ETag seen when planning. */
  etag: z.string().optional(),
});
export type ManifestAsset = z.infer<typeof ManifestAsset>;

export const Manifest = z.strictObject({
  version: z.literal(1),
  runId: RunId,
  bucket: BucketName,
  sourceType: SourceType,
  assets: z.array(ManifestAsset).min(1),
});
export type Manifest = z.infer<typeof Manifest>;

/**
 * Bytes one UploadBatch invocation may stream. At a conservative 50 MB/s from Lambda to S3 this is about
 * 3.5 minutes of work, far inside the 15-minute Lambda limit even at a quarter of that speed.
 */
export const MAX_BATCH_UPLOAD_BYTES = 10 * 1024 ** 3;

export function manifestKeyFor(runId: string): string {
  return `manifests/${runId}.json`;
}

/** Cuts the asset list into batches of at most 100 assets and, where bytes are uploaded, bounded bytes. */
export function planBatches(assets: readonly ManifestAsset[], maxBatchBytes = MAX_BATCH_UPLOAD_BYTES): BatchRef[] {
  const batches: BatchRef[] = [];
  let current: BatchRef | undefined;
  assets.forEach((asset, offset) => {
    const full =
      current !== undefined &&
      (current.count === MAX_ASSETS_PER_IMPORT_JOB || (current.count > 0 && current.bytes + asset.bytes > maxBatchBytes));
    if (current === undefined || full) {
      current = { index: batches.length, offset, count: 0, bytes: 0 };
      batches.push(current);
    }
    current.count += 1;
    current.bytes += asset.bytes;
  });
  return batches;
}

export function batchAssets(manifest: Manifest, batch: BatchRef): ManifestAsset[] {
  const assets = manifest.assets.slice(batch.offset, batch.offset + batch.count);
  if (assets.length !== batch.count) {
    throw new InputValidationError(
      `batch ${batch.index} asks for assets ${batch.offset}..${batch.offset + batch.count - 1}, but the manifest holds ${manifest.assets.length}`,
    );
  }
  return assets;
}

export async function writeManifest(s3: S3Client, manifest: Manifest): Promise<string> {
  const key = manifestKeyFor(manifest.runId);
  await awsCall({ action: 's3:PutObject', resource: `s3://${manifest.bucket}/${key}` }, () =>
    s3.send(
      new PutObjectCommand({
        Bucket: manifest.bucket,
        Key: key,
        Body: JSON.stringify(manifest),
        ContentType: 'application/json',
      }),
    ),
  );
  return key;
}

export async function readManifest(s3: S3Client, bucket: string, key: string): Promise<Manifest> {
  return readJsonObject(s3, { bucket, key }, Manifest, 'manifest');
}
