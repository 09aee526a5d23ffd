import { Readable } from 'node:stream';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { type AssetBody, GeneratorFailedError } from '../../generators/generator';
import { generatorForRun } from '../../generators';
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

/** What the upload streams: a whole body, or a stream of unknown length, which lib-storage cuts into parts. */
type Body = string | Uint8Array | Readable;

type Generated = NonNullable<ManifestAsset['generated']>;
type GeneratorAsset = Extract<Generated, { generator: string }>;

async function uploadBody(s3: S3Client, bucket: string, key: string, body: Body, contentType: string | undefined): Promise<void> {
  const upload = new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
    partSize: UPLOAD_PART_BYTES,
    queueSize: UPLOAD_QUEUE_SIZE,
  });
  await awsCall({ action: 's3:PutObject', resource: `s3://${bucket}/${key}` }, () => upload.done());
}

/** Chunks pass through as they are (lib-storage takes strings and bytes); a failure while making them is the generator's. */
async function* guarded(chunks: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>, failed: (error: unknown) => Error) {
  try {
    yield* chunks;
  } catch (error) {
    throw failed(error);
  }
}

/**
 * A generator's asset, from its place in the run's list: generators are deterministic (generators/generator.ts), so
 * a retried batch overwrites each object with the same bytes. Whatever the generator throws, on open or while
 * streaming, fails as GeneratorFailedError naming the generator and the asset.
 */
function generatorBody(runId: string, asset: GeneratorAsset): Body {
  const { name, generator, run } = generatorForRun({ name: asset.generator, options: asset.options }, { runId, scheduledAt: asset.scheduledAt });
  const failed = (error: unknown) =>
    new GeneratorFailedError(`generator "${name}" failed to make asset ${asset.index} ("${asset.name}") of run ${runId}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  let body: AssetBody;
  try {
    body = generator.open(run, { index: asset.index, name: asset.name });
  } catch (error) {
    throw failed(error);
  }
  return typeof body === 'string' || body instanceof Uint8Array ? body : Readable.from(guarded(body, failed));
}

/** Batch files planned before generators were pluggable hold the sample data's seed and size. */
function bodyOf(runId: string, generated: Generated): { body: Body; contentType?: string } {
  return 'generator' in generated
    ? { body: generatorBody(runId, generated), contentType: generated.contentType }
    : { body: sampleCsvStream(generated.seed, generated), contentType: 'text/csv' };
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
  const assets = await readBatchAssets(deps.s3, input.bucket, input.runId, input.batch, input.manifestKey);
  await mapLimited(assets, ASSET_CONCURRENCY, async ({ generated, ...asset }) => {
    if (generated === undefined) return checkExisting(deps.s3, input.bucket, asset);
    const { body, contentType } = bodyOf(input.runId, generated);
    return uploadBody(deps.s3, input.bucket, asset.key, body, contentType);
  });
  return {
    batchIndex: input.batch.index,
    assetCount: assets.length,
    bytes: assets.reduce((sum, asset) => sum + asset.bytes, 0),
  };
}
