import {
  CreateJobCommand,
  CreateRevisionCommand,
  type DataExchangeClient,
  GetJobCommand,
  StartJobCommand,
  UpdateRevisionCommand,
} from '@aws-sdk/client-dataexchange';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mapLimited } from '../shared/concurrency';
import { MAX_ASSETS_PER_IMPORT_JOB, MAX_ASSETS_PER_REVISION, MAX_CONCURRENT_IMPORT_JOBS } from '../shared/limits';
import { sampleCsvChunks, seedFor } from '../shared/sample-data';
import { sleep } from '../shared/sleep';

/*
 * The orchestration section's two floors: the work a run does, done by hand against the same sandbox with no
 * Step Functions. The first only PUTs the bytes; the second also imports them into a revision as the tasks
 * would (jobs of 100 assets, 10 in progress at once), so the workflow's ratio over it is what the state
 * machine itself adds: its states, Lambda invocations, history and scaled Wait.
 */

/** Rows per generated asset: the `generate` source's recordsPerAsset in the workflow input too. */
export const RECORDS_PER_ASSET = 100;
/** The assets one UploadBatch streams at once. */
const ASSETS_PER_UPLOAD = 4;
/** GetJob every this many ms: as often as the bench follows an execution, so neither side waits longer to see an end. */
const POLL_MS = 50;
/** Ten minutes of polls: a sandbox job takes well under a second, so one still running then is stuck. */
const MAX_POLLS = 12_000;

export interface FloorTarget {
  readonly s3: S3Client;
  readonly dataExchange: DataExchangeClient;
  readonly bucket: string;
  readonly dataSetId: string;
}

const indices = (count: number) => Array.from({ length: count }, (_, i) => i);

function chunks<T>(items: readonly T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/** The asset a run generates at index i, under `prefix`: the same seeds and sizes as the workflow's. */
async function putAsset(target: FloorTarget, runId: string, prefix: string, i: number): Promise<string> {
  const key = `${prefix}/${runId}/${i}.csv`;
  const body = [...sampleCsvChunks(seedFor(runId, i + 1), RECORDS_PER_ASSET)].join('');
  await target.s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body }));
  return key;
}

/** Floor 1: the bytes PUT straight to S3, at the workflow's upload concurrency (10 batches times 4 assets). */
export async function putFloor(target: FloorTarget, runId: string, assets: number): Promise<void> {
  await mapLimited(indices(assets), MAX_CONCURRENT_IMPORT_JOBS * ASSETS_PER_UPLOAD, (i) => putAsset(target, runId, 'floor-put', i));
}

async function untilCompleted(dataExchange: DataExchangeClient, jobId: string): Promise<void> {
  for (let poll = 1; poll <= MAX_POLLS; poll += 1) {
    const { State } = await dataExchange.send(new GetJobCommand({ JobId: jobId }));
    if (State === 'COMPLETED') return;
    if (State !== 'WAITING' && State !== 'IN_PROGRESS') throw new Error(`import job ${jobId} ended ${State ?? 'in no known state'}`);
    await sleep(POLL_MS);
  }
  throw new Error(`import job ${jobId} was still running after ${MAX_POLLS} polls`);
}

/** One batch, as UploadBatch then StartImport and CheckImport do it: its assets PUT, then one import job over them. */
async function importBatch(target: FloorTarget, runId: string, revisionId: string, batch: readonly number[]): Promise<void> {
  const keys = await mapLimited(batch, ASSETS_PER_UPLOAD, (i) => putAsset(target, runId, 'floor-import', i));
  const job = await target.dataExchange.send(
    new CreateJobCommand({
      Type: 'IMPORT_ASSETS_FROM_S3',
      Details: {
        ImportAssetsFromS3: { DataSetId: target.dataSetId, RevisionId: revisionId, AssetSources: keys.map((Key) => ({ Bucket: target.bucket, Key })) },
      },
    }),
  );
  if (job.Id === undefined) throw new Error('CreateJob returned no job id');
  await target.dataExchange.send(new StartJobCommand({ JobId: job.Id }));
  await untilCompleted(target.dataExchange, job.Id);
}

/**
 * Floor 2: the same bytes published by direct Data Exchange calls. Revisions of at most 10,000 assets follow
 * one another, as a run's chain of executions does; each is created, filled 10 jobs at a time and finalized.
 */
export async function importFloor(target: FloorTarget, runId: string, assets: number): Promise<void> {
  for (const revisionAssets of chunks(indices(assets), MAX_ASSETS_PER_REVISION)) {
    const revision = await target.dataExchange.send(new CreateRevisionCommand({ DataSetId: target.dataSetId, Comment: `bench floor ${runId}` }));
    if (revision.Id === undefined) throw new Error('CreateRevision returned no revision id');
    const revisionId = revision.Id;
    await mapLimited(chunks(revisionAssets, MAX_ASSETS_PER_IMPORT_JOB), MAX_CONCURRENT_IMPORT_JOBS, (batch) => importBatch(target, runId, revisionId, batch));
    await target.dataExchange.send(new UpdateRevisionCommand({ DataSetId: target.dataSetId, RevisionId: revisionId, Finalized: true }));
  }
}
