import { createHash } from 'node:crypto';
import { HeadObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { mapLimited } from '../../shared/concurrency';
import { awsCall, InputValidationError } from '../../shared/errors';
import { EXECUTION_NAME_MAX_LENGTH, MAX_ASSETS_PER_RUN } from '../../shared/limits';
import {
  MAX_BATCH_UPLOAD_BYTES,
  type ManifestAsset,
  partPlanOf,
  planKeyFor,
  planParts,
  readPlan,
  type StoredPlan,
  writePlan,
} from '../../shared/manifest';
import { fingerprintRunId } from '../../shared/run-id';
import { readJsonObject } from '../../shared/s3-json';
import { sampleCsvByteLength, seedFor } from '../../shared/sample-data';
import { SafeS3Key } from '../../shared/schemas/fields';
import { ContinuationInput, type Plan, type PlanRevisionInput } from '../../shared/schemas/payloads/plan';
import { ProviderManifest } from '../../shared/schemas/provider-manifest';
import { runIdFromExecutionName, scheduledRunId, type Source, WorkflowInput } from '../../shared/schemas/workflow-input';
import { parseOrThrow } from '../../shared/validation';

export interface PlanRevisionDeps {
  readonly s3: S3Client;
  /** The accounts to share with when the input names none (the stack's `subscriberAccountId`). */
  readonly defaultSubscriberAccountIds: readonly string[];
}

/** HeadObject calls in flight while sizing the keys a source manifest lists. */
const HEAD_CONCURRENCY = 16;

type GenerateSource = Extract<Source, { type: 'generate' }>;
type ManifestSource = Extract<Source, { type: 'manifest' }>;

/**
 * Keys, seeds and sizes follow from the runId alone, so a rerun plans, and later writes, the same bytes. An
 * asset sized in bytes is not generated here at all: its size is the one asked for.
 */
function generatedAssets(runId: string, source: GenerateSource): ManifestAsset[] {
  return Array.from({ length: source.assets }, (_, i) => {
    const seed = seedFor(runId, i + 1);
    const key = `generated/${runId}/analytics-${String(i + 1).padStart(5, '0')}.csv`;
    return 'bytesPerAsset' in source
      ? { key, bytes: source.bytesPerAsset, generated: { seed, bytes: source.bytesPerAsset } }
      : { key, bytes: sampleCsvByteLength(seed, source.recordsPerAsset), generated: { seed, records: source.recordsPerAsset } };
  });
}

function ensureFitsOneRun(count: number, where: string): void {
  if (count > MAX_ASSETS_PER_RUN) {
    throw new InputValidationError(`${where} holds more than ${MAX_ASSETS_PER_RUN} objects, the most one run publishes`);
  }
}

/** The manifest schema would reject such a key later, in every UploadBatch; say which object it is now. */
function safeKey(key: string, where: string): string {
  const problem = SafeS3Key.safeParse(key).error?.issues[0]?.message;
  if (problem !== undefined) throw new InputValidationError(`${where} holds the object "${key}", whose key ${problem}`);
  return key;
}

/**
 * The importable objects under a prefix. Folder markers and empty objects are skipped: they are not data,
 * and an import of a zero-byte object publishes nothing. `field` names where the prefix came from.
 */
async function listPrefix(s3: S3Client, bucket: string, prefix: string, field: string): Promise<ManifestAsset[]> {
  const where = `s3://${bucket}/${prefix}`;
  const assets = await awsCall({ action: 's3:ListBucket', resource: where }, async () => {
    const found: ManifestAsset[] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize: 1000 }, { Bucket: bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || object.Key.endsWith('/') || !object.Size) continue;
        found.push({ key: safeKey(object.Key, where), bytes: object.Size, etag: object.ETag });
      }
      // Stop listing early: a prefix with a million objects need not be listed to the end to be refused.
      ensureFitsOneRun(found.length, where);
    }
    return found;
  });
  if (assets.length === 0) {
    throw new InputValidationError(`${field}: "${prefix}" matches no non-empty objects in bucket ${bucket}`);
  }
  return assets;
}

async function headListedKey(s3: S3Client, bucket: string, key: string, manifestName: string): Promise<ManifestAsset> {
  try {
    const head = await awsCall({ action: 's3:GetObject', resource: `s3://${bucket}/${key}` }, () =>
      s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })),
    );
    return { key, bytes: head.ContentLength ?? 0, etag: head.ETag };
  } catch (error) {
    if (error instanceof Error && (error.name === 'NotFound' || error.name === 'NoSuchKey')) {
      throw new InputValidationError(`${manifestName} lists the key "${key}", which is not in bucket ${bucket}`, { cause: error });
    }
    throw error;
  }
}

/** S3 event notifications carry a bare ETag, while HTTP preconditions need the quoted entity-tag. */
function unquotedEtag(etag: string): string {
  return etag.replace(/^"(.*)"$/, '$1');
}

/**
 * The runId of a manifest version: its file name, then a hash of its key and ETag. The same upload, delivered
 * twice, gets the same runId and so publishes once; a new upload of it gets a new one.
 */
export function runIdForManifest(key: string, etag: string): string {
  return fingerprintRunId(key.slice(key.lastIndexOf('/') + 1).replace(/\.json$/i, ''), `${key}\n${unquotedEtag(etag)}`);
}

/**
 * The runId a run without one uses: a manifest version's own when its ETag is known, the schedule tick's for a
 * scheduled run, else the execution name's.
 */
function defaultRunId(source: Source, scheduledAt: string | undefined, executionName: string): string {
  if (source.type === 'manifest' && source.etag !== undefined) return runIdForManifest(source.key, source.etag);
  return scheduledAt === undefined ? runIdFromExecutionName(executionName) : scheduledRunId(scheduledAt);
}

interface PlannedAssets {
  readonly assets: ManifestAsset[];
  /** The revision comment the source itself gives, used when the input has none. */
  readonly comment?: string;
}

/** A provider's manifest: its keys (each must exist) and the objects under its prefixes, each key once. */
async function manifestAssets(s3: S3Client, bucket: string, source: ManifestSource): Promise<PlannedAssets> {
  const manifestName = `source manifest s3://${bucket}/${source.key}`;
  const ifMatch = source.etag === undefined ? undefined : `"${unquotedEtag(source.etag)}"`;
  const manifest = await readJsonObject(s3, { bucket, key: source.key, ifMatch }, ProviderManifest, 'source manifest');
  const assets = await mapLimited([...new Set(manifest.keys)], HEAD_CONCURRENCY, (key) => headListedKey(s3, bucket, key, manifestName));
  for (const [index, prefix] of (manifest.prefixes ?? []).entries()) {
    assets.push(...(await listPrefix(s3, bucket, prefix, `prefixes[${index}] of ${manifestName}`)));
  }
  const unique = [...new Map(assets.map((asset) => [asset.key, asset])).values()];
  ensureFitsOneRun(unique.length, manifestName);
  return { assets: unique, comment: manifest.comment };
}

async function planAssets(s3: S3Client, bucket: string, runId: string, source: Source): Promise<PlannedAssets> {
  switch (source.type) {
    case 'generate':
      return { assets: generatedAssets(runId, source) };
    case 's3Prefix':
      return { assets: await listPrefix(s3, bucket, source.prefix, 'source.prefix') };
    case 'manifest':
      return manifestAssets(s3, bucket, source);
  }
}

/** The execution that publishes part `part` (from 0): the first execution's name, cut to fit, with `-part-<n>`. */
export function partExecutionName(firstExecutionName: string, part: number): string {
  const suffix = `-part-${part + 1}`;
  return `${firstExecutionName.slice(0, EXECUTION_NAME_MAX_LENGTH - suffix.length)}${suffix}`;
}

/**
 * The start of this execution's batch execution names, `<runId, cut>-<hash of the execution name>-p<part>`: each
 * batch's name adds `-b<batch>-r<redrive count>`. Execution names are unique per state machine, so the hash makes
 * the batch names of two executions of one runId differ; the runId keeps them readable. At most 40 + 1 + 12 + 3
 * characters, so a whole name stays within AWS's 80.
 */
export function batchExecutionPrefix(runId: string, executionName: string, part: number): string {
  const hash = createHash('sha256').update(executionName).digest('hex').slice(0, 12);
  return `${runId.slice(0, 40)}-${hash}-p${part}`;
}

interface PartContext {
  /** The execution this plan is for. */
  readonly executionName: string;
  readonly part: number;
  readonly firstExecutionName: string;
  readonly runStartTime: string;
  readonly earlierRevisionIds: string[];
}

/** The state payload for one part of a stored plan: that part's batch references, and the run's totals. */
function planForPart(plan: StoredPlan, context: PartContext): Plan {
  const part = plan.parts[context.part];
  if (part === undefined) {
    throw new InputValidationError(`continueRun.part: run ${plan.runId} has ${plan.parts.length} part(s), so there is no part ${context.part + 1}`);
  }
  return {
    runId: plan.runId,
    bucket: plan.bucket,
    datasetId: plan.datasetId,
    comment: plan.comment,
    sourceType: plan.sourceType,
    manifestKey: planKeyFor(plan.runId),
    assetCount: plan.assetCount,
    totalBytes: plan.totalBytes,
    part,
    partCount: plan.parts.length,
    earlierRevisionIds: context.earlierRevisionIds,
    hasMoreParts: context.part + 1 < plan.parts.length,
    nextPart: context.part + 1,
    nextExecutionName: partExecutionName(context.firstExecutionName, context.part + 1),
    batchExecutionPrefix: batchExecutionPrefix(plan.runId, context.executionName, context.part),
    firstExecutionName: context.firstExecutionName,
    runStartTime: context.runStartTime,
    subscriberAccountIds: plan.subscriberAccountIds,
    hasSubscribers: plan.subscriberAccountIds.length > 0,
  };
}

/** A later execution of a run of several parts: it publishes the next part of the plan the first one stored. */
async function continuePlan(raw: unknown, executionName: string, s3: S3Client): Promise<Plan> {
  const { bucket, datasetId, continueRun } = parseOrThrow(ContinuationInput, raw, 'continuation input');
  const plan = await readPlan(s3, bucket, continueRun.runId);
  if (plan.datasetId !== datasetId) {
    throw new InputValidationError(`datasetId: run ${plan.runId} publishes to data set ${plan.datasetId}, not to ${datasetId}`);
  }
  return planForPart(plan, {
    executionName,
    part: continueRun.part,
    firstExecutionName: continueRun.firstExecutionName,
    runStartTime: continueRun.runStartTime,
    earlierRevisionIds: [...continueRun.earlierRevisionIds, continueRun.lastRevisionId],
  });
}

function isContinuation(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && 'continueRun' in raw;
}

/**
 * Validates the run input, works out every asset of the run and writes the plan to S3: the parts (one revision
 * each), their batches, and each batch's assets in a file of its own. It returns the first part's batch
 * references only, so the state payload stays small whatever the run's size.
 */
export async function planRevision(request: PlanRevisionInput, deps: PlanRevisionDeps): Promise<Plan> {
  if (isContinuation(request.input)) return continuePlan(request.input, request.executionName, deps.s3);
  const input = parseOrThrow(WorkflowInput, request.input, 'workflow input');
  const runId = input.runId ?? defaultRunId(input.source, input.scheduledAt, request.executionName);
  const { assets, comment } = await planAssets(deps.s3, input.bucket, runId, input.source);
  // Only generated assets are streamed by UploadBatch; existing ones are just checked, so their size is no cost.
  const maxBatchBytes = input.source.type === 'generate' ? MAX_BATCH_UPLOAD_BYTES : Number.POSITIVE_INFINITY;
  const parts = planParts(assets, maxBatchBytes);
  const plan: StoredPlan = {
    version: 2,
    runId,
    bucket: input.bucket,
    datasetId: input.datasetId,
    comment: input.comment ?? comment ?? '',
    sourceType: input.source.type,
    subscriberAccountIds: input.subscriberAccountIds ?? [...deps.defaultSubscriberAccountIds],
    assetCount: assets.length,
    totalBytes: assets.reduce((sum, asset) => sum + asset.bytes, 0),
    parts: parts.map(partPlanOf),
  };
  await writePlan(deps.s3, plan, parts);
  return planForPart(plan, {
    executionName: request.executionName,
    part: 0,
    firstExecutionName: request.executionName,
    runStartTime: request.executionStartTime,
    earlierRevisionIds: [],
  });
}
