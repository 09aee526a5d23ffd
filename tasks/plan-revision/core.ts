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
import { isTemplatedPrefix, resolvePrefix } from '../../shared/scheduled-prefix';
import type { ConfiguredDataSet } from '../../shared/schemas/data-sets';
import { readJsonObject } from '../../shared/s3-json';
import { SafeS3Key } from '../../shared/schemas/fields';
import { ContinuationInput, type Plan, type PlanRevisionInput } from '../../shared/schemas/payloads/plan';
import { ProviderManifest } from '../../shared/schemas/provider-manifest';
import { runIdFromExecutionName, scheduledRunId, type Source, WorkflowInput } from '../../shared/schemas/workflow-input';
import { parseOrThrow } from '../../shared/validation';
import { chooseDataSet } from './data-set';
import { generatedAssets } from './generated';

export interface PlanRevisionDeps {
  readonly s3: S3Client;
  /** The stack's data sets (DATA_SETS), the default first; empty when none is configured. */
  readonly dataSets: readonly ConfiguredDataSet[];
}

/** HeadObject calls in flight while sizing the keys a source manifest lists. */
const HEAD_CONCURRENCY = 16;

type S3PrefixSource = Extract<Source, { type: 's3Prefix' }>;
type ManifestSource = Extract<Source, { type: 'manifest' }>;

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
async function listPrefix(s3: S3Client, bucket: string, prefix: string, field: string, noneFound?: string): Promise<ManifestAsset[]> {
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
    throw new InputValidationError(`${field}: ${noneFound ?? `"${prefix}" matches no non-empty objects in bucket ${bucket}`}`);
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
function defaultRunId(source: Source, scheduledAt: string | undefined, executionName: string, dataSetName: string): string {
  if (source.type === 'manifest' && source.etag !== undefined) return runIdForManifest(source.key, source.etag);
  return scheduledAt === undefined ? runIdFromExecutionName(executionName) : scheduledRunId(scheduledAt, dataSetName);
}

interface PlannedAssets {
  readonly assets: ManifestAsset[];
  /** The revision comment the source itself gives, used when the input has none. */
  readonly comment?: string;
}

const manifestNameOf = (bucket: string, source: ManifestSource) => `source manifest s3://${bucket}/${source.key}`;

/** The provider's manifest document, at the version the run was started for when its ETag is known. */
function readProviderManifest(s3: S3Client, bucket: string, source: ManifestSource): Promise<ProviderManifest> {
  const ifMatch = source.etag === undefined ? undefined : `"${unquotedEtag(source.etag)}"`;
  return readJsonObject(s3, { bucket, key: source.key, ifMatch }, ProviderManifest, 'source manifest');
}

/** A provider's manifest: its keys (each must exist) and the objects under its prefixes, each key once. */
async function manifestAssets(s3: S3Client, bucket: string, source: ManifestSource, manifest: ProviderManifest): Promise<PlannedAssets> {
  const manifestName = manifestNameOf(bucket, source);
  const assets = await mapLimited([...new Set(manifest.keys)], HEAD_CONCURRENCY, (key) => headListedKey(s3, bucket, key, manifestName));
  for (const [index, prefix] of (manifest.prefixes ?? []).entries()) {
    assets.push(...(await listPrefix(s3, bucket, prefix, `prefixes[${index}] of ${manifestName}`)));
  }
  const unique = [...new Map(assets.map((asset) => [asset.key, asset])).values()];
  ensureFitsOneRun(unique.length, manifestName);
  return { assets: unique, comment: manifest.comment };
}

/**
 * The objects under the source's prefix; a prefix that names the schedule tick (shared/scheduled-prefix.ts) is
 * resolved from the run's `scheduledAt`, never from the clock, so a late start or a redrive publishes its own tick's.
 */
function prefixAssets(s3: S3Client, bucket: string, source: S3PrefixSource, scheduledAt: string | undefined): Promise<ManifestAsset[]> {
  if (!isTemplatedPrefix(source.prefix)) {
    if (source.offset !== undefined) {
      throw new InputValidationError(`source.offset: "${source.offset}" moves a prefix's {yyyy}, {mm}, {dd} or {hh}, and "${source.prefix}" holds none`);
    }
    return listPrefix(s3, bucket, source.prefix, 'source.prefix');
  }
  if (scheduledAt === undefined) {
    throw new InputValidationError(
      `source.prefix: "${source.prefix}" is filled in from the schedule tick, so the run needs "scheduledAt" (the schedule gives it); start a run of your own with a plain prefix`,
    );
  }
  const prefix = resolvePrefix(source.prefix, scheduledAt, source.offset);
  const from = source.offset === undefined ? '' : `, ${source.offset} before it`;
  return listPrefix(s3, bucket, prefix, 'source.prefix', `no objects under ${prefix} in bucket ${bucket} for the run scheduled at ${scheduledAt} (from "${source.prefix}"${from})`);
}

/** A run's source as planning sees it: a source manifest is read once, since it may also name the data set. */
type ReadSource = { readonly source: Exclude<Source, ManifestSource> } | { readonly source: ManifestSource; readonly manifest: ProviderManifest };

async function readSource(s3: S3Client, bucket: string, source: Source): Promise<ReadSource> {
  return source.type === 'manifest' ? { source, manifest: await readProviderManifest(s3, bucket, source) } : { source };
}

async function planAssets(s3: S3Client, input: WorkflowInput, run: { runId: string; dataSetName: string }, read: ReadSource): Promise<PlannedAssets> {
  if ('manifest' in read) return manifestAssets(s3, input.bucket, read.source, read.manifest);
  const { source } = read;
  switch (source.type) {
    case 'generate':
    case 'generator':
      return { assets: generatedAssets({ ...run, scheduledAt: input.scheduledAt }, source) };
    case 's3Prefix':
      return { assets: await prefixAssets(s3, input.bucket, source, input.scheduledAt) };
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
    manifestKey: planKeyFor(plan.runId, plan.dataSetName),
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
  const plan = await readPlan(s3, bucket, continueRun.runId, continueRun.manifestKey);
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
  // A source manifest may name the data set, so it is read first: a name that is not configured creates nothing.
  const read = await readSource(deps.s3, input.bucket, input.source);
  const dataSet = chooseDataSet(deps.dataSets, {
    datasetId: input.datasetId,
    dataSet: input.dataSet,
    manifest: 'manifest' in read ? { dataSet: read.manifest.dataSet, name: manifestNameOf(input.bucket, read.source) } : undefined,
  });
  const runId = input.runId ?? defaultRunId(input.source, input.scheduledAt, request.executionName, dataSet.name);
  const { assets, comment } = await planAssets(deps.s3, input, { runId, dataSetName: dataSet.name }, read);
  // Only generated assets are streamed by UploadBatch; existing ones are just checked, so their size is no cost.
  const generated = input.source.type === 'generate' || input.source.type === 'generator';
  const maxBatchBytes = generated ? MAX_BATCH_UPLOAD_BYTES : Number.POSITIVE_INFINITY;
  const parts = planParts(assets, maxBatchBytes);
  const plan: StoredPlan = {
    version: 2,
    runId,
    bucket: input.bucket,
    datasetId: dataSet.dataSetId,
    dataSetName: dataSet.name,
    comment: input.comment ?? comment ?? '',
    sourceType: input.source.type,
    subscriberAccountIds: input.subscriberAccountIds ?? [...dataSet.subscriberAccountIds],
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
