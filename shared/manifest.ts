import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { mapLimited } from './concurrency';
import { awsCall, InputValidationError } from './errors';
import {
  MAX_ASSETS_PER_IMPORT_JOB,
  MAX_ASSETS_PER_REVISION,
  MAX_BATCHES_PER_PART,
  MAX_BYTES_PER_ASSET,
  MIN_BYTES_PER_ASSET,
} from './limits';
import { readJsonObject } from './s3-json';
import { DataSetName, DEFAULT_DATA_SET_NAME } from './schemas/data-sets';
import { AccountId, BucketName, DataSetId, RunId, SafeS3Key } from './schemas/fields';
import { type BatchRef, PartPlan, SourceType } from './schemas/payloads/batch';
import { GeneratorName, GeneratorSource } from './schemas/workflow-input';

/*
 * A run's plan, kept in S3 because state payloads are capped at 256 KB: `manifests/runs/<run folder>/plan.json` holds
 * the parts and their batch references, and each batch's assets have a file of their own beside it, so an UploadBatch
 * or StartImport reads its hundred assets, never the whole run's list.
 */

export const ManifestAsset = z.strictObject({
  key: SafeS3Key,
  bytes: z.number().int().min(0),
  /**
   * Generated assets: what regenerates the same bytes on any retry. A generator's asset is its place in the run's
   * list, with the run's options and tick (generators/generator.ts); the first two are the sample data's seed and
   * its row count or exact size, as batch files planned before generators were pluggable hold them.
   */
  generated: z
    .union([
      z.strictObject({
        generator: GeneratorName,
        index: z.number().int().min(0),
        name: SafeS3Key,
        options: GeneratorSource.shape.options,
        scheduledAt: z.iso.datetime().optional(),
        contentType: z.string().min(1).optional(),
      }),
      z.strictObject({ seed: z.number().int().min(0), records: z.number().int().min(1) }),
      z.strictObject({ seed: z.number().int().min(0), bytes: z.number().int().min(MIN_BYTES_PER_ASSET).max(MAX_BYTES_PER_ASSET) }),
    ])
    .optional(),
  /** Existing objects: the ETag seen when planning. */
  etag: z.string().optional(),
});
export type ManifestAsset = z.infer<typeof ManifestAsset>;

export const StoredPlan = z.strictObject({
  version: z.literal(2),
  runId: RunId,
  bucket: BucketName,
  datasetId: DataSetId,
  /** The configured name of the data set; plans written before a deployment had several have none. */
  dataSetName: DataSetName.optional(),
  comment: z.string(),
  sourceType: SourceType,
  subscriberAccountIds: z.array(AccountId),
  assetCount: z.number().int().min(1),
  totalBytes: z.number().int().min(0),
  parts: z.array(PartPlan).min(1),
});
export type StoredPlan = z.infer<typeof StoredPlan>;

export const BatchManifest = z.strictObject({
  version: z.literal(2),
  runId: RunId,
  bucket: BucketName,
  part: z.number().int().min(0),
  index: z.number().int().min(0),
  assets: z.array(ManifestAsset).min(1).max(MAX_ASSETS_PER_IMPORT_JOB),
});
export type BatchManifest = z.infer<typeof BatchManifest>;

/**
 * Bytes one UploadBatch invocation may stream. At a conservative 50 MB/s from Lambda to S3 this is about
 * 3.5 minutes of work, far inside the 15-minute Lambda limit even at a quarter of that speed.
 */
export const MAX_BATCH_UPLOAD_BYTES = 10 * 1024 ** 3;

/** PutObject calls in flight while PlanRevision writes the batch files. */
const WRITE_CONCURRENCY = 16;

/**
 * Where a run's files go, under `manifests/runs/` and `generated/`: the runId for the data set named "default" (as
 * before a deployment had several), else `data-set=<name>/<runId>`. Runs of two data sets never share a file, even
 * with one runId: no runId holds "=", so neither can a default run's folder be another data set's.
 */
export function runFolder(runId: string, dataSetName: string = DEFAULT_DATA_SET_NAME): string {
  return dataSetName === DEFAULT_DATA_SET_NAME ? runId : `data-set=${dataSetName}/${runId}`;
}

export function planKeyFor(runId: string, dataSetName: string = DEFAULT_DATA_SET_NAME): string {
  return `manifests/runs/${runFolder(runId, dataSetName)}/plan.json`;
}

/** A batch's file sits beside its run's plan, so the plan's key (the state payload's `manifestKey`) finds it. */
function batchKeyBeside(planKey: string, batch: Pick<BatchRef, 'part' | 'index'>): string {
  return `${planKey.slice(0, planKey.lastIndexOf('/') + 1)}batches/${batch.part}-${batch.index}.json`;
}

export function batchKeyFor(runId: string, batch: Pick<BatchRef, 'part' | 'index'>, dataSetName: string = DEFAULT_DATA_SET_NAME): string {
  return batchKeyBeside(planKeyFor(runId, dataSetName), batch);
}

/** A batch and the assets it holds, before the assets go to their own file. */
export interface PlannedBatch {
  readonly ref: BatchRef;
  readonly assets: ManifestAsset[];
}

export interface PlannedPart {
  readonly index: number;
  readonly batches: PlannedBatch[];
}

/**
 * Cuts the asset list into batches of at most 100 assets and, where bytes are uploaded, bounded bytes; and the
 * batches into parts of at most 10,000 assets (one revision each) and MAX_BATCHES_PER_PART batches.
 */
export function planParts(assets: readonly ManifestAsset[], maxBatchBytes = MAX_BATCH_UPLOAD_BYTES): PlannedPart[] {
  const parts: PlannedPart[] = [];
  let part: PlannedPart | undefined;
  let partAssets = 0;
  let batch: PlannedBatch | undefined;
  for (const asset of assets) {
    const batchFull =
      batch === undefined ||
      batch.ref.count === MAX_ASSETS_PER_IMPORT_JOB ||
      (batch.ref.count > 0 && batch.ref.bytes + asset.bytes > maxBatchBytes);
    if (part === undefined || partAssets === MAX_ASSETS_PER_REVISION || (batchFull && part.batches.length === MAX_BATCHES_PER_PART)) {
      part = { index: parts.length, batches: [] };
      parts.push(part);
      partAssets = 0;
      batch = undefined;
    }
    if (batch === undefined || batchFull) {
      batch = { ref: { part: part.index, index: part.batches.length, count: 0, bytes: 0 }, assets: [] };
      part.batches.push(batch);
    }
    batch.assets.push(asset);
    batch.ref.count += 1;
    batch.ref.bytes += asset.bytes;
    partAssets += 1;
  }
  return parts;
}

export function partPlanOf(part: PlannedPart): PartPlan {
  const batches = part.batches.map((batch) => batch.ref);
  return {
    index: part.index,
    assetCount: batches.reduce((sum, batch) => sum + batch.count, 0),
    totalBytes: batches.reduce((sum, batch) => sum + batch.bytes, 0),
    batches,
  };
}

async function putJson(s3: S3Client, bucket: string, key: string, document: unknown): Promise<void> {
  await awsCall({ action: 's3:PutObject', resource: `s3://${bucket}/${key}` }, () =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(document), ContentType: 'application/json' })),
  );
}

/**
 * Writes every batch file, then the plan: a plan in S3 means its batch files are all there. A rerun of the
 * runId writes the same documents again.
 */
export async function writePlan(s3: S3Client, plan: StoredPlan, parts: readonly PlannedPart[]): Promise<string> {
  const batches = parts.flatMap((part) => part.batches);
  await mapLimited(batches, WRITE_CONCURRENCY, ({ ref, assets }) => {
    const document: BatchManifest = { version: 2, runId: plan.runId, bucket: plan.bucket, part: ref.part, index: ref.index, assets };
    return putJson(s3, plan.bucket, batchKeyFor(plan.runId, ref, plan.dataSetName), document);
  });
  const key = planKeyFor(plan.runId, plan.dataSetName);
  await putJson(s3, plan.bucket, key, plan);
  return key;
}

/** The run's plan, at `planKey` (the payload's `manifestKey`): a default data set's run's when not given. */
export async function readPlan(s3: S3Client, bucket: string, runId: string, planKey = planKeyFor(runId)): Promise<StoredPlan> {
  return readJsonObject(s3, { bucket, key: planKey }, StoredPlan, 'run plan');
}

/**
 * The assets of one batch, checked against the reference the state machine carries. `planKey` is the run's plan
 * (the payload's `manifestKey`); an execution of a definition from before it was passed has a default data set's run.
 */
export async function readBatchAssets(s3: S3Client, bucket: string, runId: string, batch: BatchRef, planKey = planKeyFor(runId)): Promise<ManifestAsset[]> {
  const key = batchKeyBeside(planKey, batch);
  const manifest = await readJsonObject(s3, { bucket, key }, BatchManifest, 'batch manifest');
  if (manifest.runId !== runId || manifest.part !== batch.part || manifest.index !== batch.index || manifest.assets.length !== batch.count) {
    throw new InputValidationError(
      `batch manifest s3://${bucket}/${key} holds batch ${manifest.index} of part ${manifest.part} of run ${manifest.runId} with ` +
        `${manifest.assets.length} assets, not batch ${batch.index} of part ${batch.part} of run ${runId} with ${batch.count}`,
    );
  }
  return manifest.assets;
}
