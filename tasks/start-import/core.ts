import {
  CancelJobCommand,
  ConflictException,
  CreateJobCommand,
  type DataExchangeClient,
  GetJobCommand,
  type JobEntry,
  ListJobsCommand,
  paginateListJobs,
  paginateListRevisionAssets,
  StartJobCommand,
} from '@aws-sdk/client-dataexchange';
import type { S3Client } from '@aws-sdk/client-s3';
import { awsCall } from '../../shared/errors';
import { type ImportPollConfig, learnedFirstWaitSeconds } from '../../shared/import-poll';
import { readBatchAssets } from '../../shared/manifest';
import type { ImportStatus, StartImportInput } from '../../shared/schemas/payloads';
import { oldest } from '../oldest';

export interface StartImportDeps {
  readonly dataExchange: DataExchangeClient;
  readonly s3: S3Client;
  readonly poll: ImportPollConfig;
}

const IMPORT_JOB_TYPE = 'IMPORT_ASSETS_FROM_S3';
const REUSABLE_JOB_STATES = new Set(['WAITING', 'IN_PROGRESS', 'COMPLETED']);

function revisionName(input: StartImportInput): string {
  return `revision ${input.revisionId} of data set ${input.datasetId}`;
}

/**
 * The names of the revision's assets; ADX names an asset imported from S3 after its key. This lists the whole
 * revision (up to 10,000 assets, 100 a page) once per invocation.
 */
async function revisionAssetNames(input: StartImportInput, dataExchange: DataExchangeClient): Promise<Set<string>> {
  return awsCall({ action: 'dataexchange:ListRevisionAssets', resource: revisionName(input) }, async () => {
    const names = new Set<string>();
    const pages = paginateListRevisionAssets(
      { client: dataExchange, pageSize: 100 },
      { DataSetId: input.datasetId, RevisionId: input.revisionId },
    );
    // Stryker disable next-line ArrayDeclaration: a page entry without a Name adds nothing, as an empty page does
    for await (const page of pages) for (const asset of page.Assets ?? []) if (asset.Name !== undefined) names.add(asset.Name);
    return names;
  });
}

/** The import jobs of this revision over this batch's keys, in any state: earlier attempts', or another execution's. */
async function batchJobs(input: StartImportInput, batchKeys: ReadonlySet<string>, dataExchange: DataExchangeClient): Promise<JobEntry[]> {
  const ofBatch = (job: JobEntry): boolean => {
    // Stryker disable next-line ArrayDeclaration: a placeholder source has no Bucket, so it fails the every() below just as no source does
    const sources = job.Details?.ImportAssetsFromS3?.AssetSources ?? [];
    // Stryker disable next-line StringLiteral: a source without a Key matches no batch key, whatever it stands for
    return job.Type === IMPORT_JOB_TYPE && sources.length > 0 && sources.every((source) => source.Bucket === input.bucket && batchKeys.has(source.Key ?? ''));
  };
  return awsCall({ action: 'dataexchange:ListJobs', resource: revisionName(input) }, async () => {
    const jobs: JobEntry[] = [];
    for await (const page of paginateListJobs({ client: dataExchange }, { DataSetId: input.datasetId, RevisionId: input.revisionId })) {
      // Stryker disable next-line ArrayDeclaration: a placeholder entry has no Type or sources, so ofBatch drops it as it drops an empty page
      jobs.push(...(page.Jobs ?? []).filter(ofBatch));
    }
    return jobs;
  });
}

/**
 * A page of the data set's jobs: ListJobs lists them newest first, by CreatedAt
 * (https://docs.aws.amazon.com/data-exchange/latest/apireference/API_ListJobs.html), and up to 10 of them are the
 * imports in progress, so 50 hold the latest completed ones.
 */
const RECENT_JOBS_PAGE = 50;

/** How long the data set's latest completed imports took, newest first, in seconds from CreatedAt to UpdatedAt. */
async function recentImportSeconds(input: StartImportInput, dataExchange: DataExchangeClient): Promise<number[]> {
  const page = await awsCall({ action: 'dataexchange:ListJobs', resource: `data set ${input.datasetId}` }, () =>
    dataExchange.send(new ListJobsCommand({ DataSetId: input.datasetId, MaxResults: RECENT_JOBS_PAGE })),
  );
  return (page.Jobs ?? []).flatMap((job) =>
    job.Type === IMPORT_JOB_TYPE && job.State === 'COMPLETED' && job.CreatedAt !== undefined && job.UpdatedAt !== undefined
      ? [(job.UpdatedAt.getTime() - job.CreatedAt.getTime()) / 1000]
      : [],
  );
}

/** The first wait of the job just started or found running: learned from the data set's recent imports, if asked to. */
async function firstWaitSeconds(input: StartImportInput, poll: ImportPollConfig, dataExchange: DataExchangeClient): Promise<number> {
  return learnedFirstWaitSeconds(poll, poll.learnFromJobs === 0 ? [] : await recentImportSeconds(input, dataExchange));
}

/**
 * Whether a job of the batch can serve it: a running or finished job may hold keys that are already in (its own
 * output); a WAITING one is started, so it must hold exactly the missing keys.
 */
function covers(job: JobEntry, missingKeys: readonly string[]): boolean {
  // Stryker disable next-line OptionalChaining,ArrayDeclaration,StringLiteral: only jobs ofBatch kept reach here, each with S3 sources whose keys are the batch's
  const keys = new Set((job.Details?.ImportAssetsFromS3?.AssetSources ?? []).map((source) => source.Key ?? ''));
  return (
    // Stryker disable next-line StringLiteral: no job state is '' nor the placeholder that replaces it
    REUSABLE_JOB_STATES.has(job.State ?? '') &&
    missingKeys.every((key) => keys.has(key)) &&
    (job.State !== 'WAITING' || keys.size === missingKeys.length)
  );
}

/** Cancels a job this invocation created but does not need; false when another execution started it meanwhile. */
async function cancelSpareJob(jobId: string, dataExchange: DataExchangeClient): Promise<boolean> {
  return awsCall({ action: 'dataexchange:CancelJob', resource: `import job ${jobId}` }, async () => {
    try {
      await dataExchange.send(new CancelJobCommand({ JobId: jobId }));
      return true;
    } catch (error) {
      if (error instanceof ConflictException) return false;
      throw error;
    }
  });
}

/**
 * Starts a WAITING job. A ConflictException means someone started it since it was listed: a StartJob whose
 * answer was lost and retried, or another execution of the same runId reusing it. The job runs either way.
 */
async function startJob(jobId: string, dataExchange: DataExchangeClient): Promise<void> {
  const resource = `import job ${jobId}`;
  await awsCall({ action: 'dataexchange:StartJob', resource }, async () => {
    try {
      await dataExchange.send(new StartJobCommand({ JobId: jobId }));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      // Mapped on its own so that a failure names GetJob; the StartJob mapping passes a mapped error through.
      const job = await awsCall({ action: 'dataexchange:GetJob', resource }, () => dataExchange.send(new GetJobCommand({ JobId: jobId })));
      if (job.State === 'WAITING') throw error;
    }
  });
}

async function createImportJob(input: StartImportInput, keys: readonly string[], dataExchange: DataExchangeClient): Promise<string> {
  const job = await awsCall({ action: 'dataexchange:CreateJob', resource: `${IMPORT_JOB_TYPE} into ${revisionName(input)}` }, () =>
    dataExchange.send(
      new CreateJobCommand({
        Type: IMPORT_JOB_TYPE,
        Details: {
          ImportAssetsFromS3: {
            DataSetId: input.datasetId,
            RevisionId: input.revisionId,
            AssetSources: keys.map((key) => ({ Bucket: input.bucket, Key: key })),
          },
        },
      }),
    ),
  );
  // Stryker disable next-line OptionalChaining: the SDK resolves every CreateJob with an object, never undefined
  if (job?.Id === undefined) throw new Error(`dataexchange:CreateJob into ${revisionName(input)} returned no job id`);
  return job.Id;
}

/**
 * Starts the import of one batch. Keys the revision already holds are skipped, and an earlier attempt's job
 * for the same keys is reused, so a retried or redriven batch never imports an asset twice. A first attempt,
 * with no job of the batch yet, lists no assets: only a job of the batch can have put its keys in.
 */
export async function startImport(input: StartImportInput, deps: StartImportDeps): Promise<ImportStatus> {
  const batchKeys = (await readBatchAssets(deps.s3, input.bucket, input.runId, input.batch, input.manifestKey)).map((asset) => asset.key);
  const keySet = new Set(batchKeys);
  const earlierJobs = await batchJobs(input, keySet, deps.dataExchange);
  const present = earlierJobs.length === 0 ? new Set<string>() : await revisionAssetNames(input, deps.dataExchange);
  const missingKeys = batchKeys.filter((key) => !present.has(key));
  const status = {
    batchIndex: input.batch.index,
    submitted: missingKeys.length,
    skipped: batchKeys.length - missingKeys.length,
    pollCount: 0,
    waitSeconds: 0,
    firstWaitSeconds: null,
  };
  if (missingKeys.length === 0) return { ...status, jobId: null, state: 'COMPLETED' };

  const covering = (jobs: readonly JobEntry[]) => oldest(jobs.filter((job) => covers(job, missingKeys)));
  let job: Pick<JobEntry, 'Id' | 'State'> | undefined = covering(earlierJobs);
  if (job === undefined) {
    const created = await createImportJob(input, missingKeys, deps.dataExchange);
    // Two executions of one runId may each have created a job for this batch at once: both keep the oldest,
    // and each cancels its own spare, so no key is imported twice.
    job = covering(await batchJobs(input, keySet, deps.dataExchange)) ?? { Id: created, State: 'WAITING' };
    // Stryker disable next-line StringLiteral: any state but COMPLETED and WAITING is followed as IN_PROGRESS below
    if (job.Id !== created && !(await cancelSpareJob(created, deps.dataExchange))) job = { Id: created, State: 'IN_PROGRESS' };
  }
  // Stryker disable next-line OptionalChaining: job is set on every path above, a listed job or the one just created
  if (job?.Id === undefined) throw new Error(`dataexchange:ListJobs listed a job without an id in ${revisionName(input)}`);
  if (job.State === 'COMPLETED') return { ...status, jobId: job.Id, state: 'COMPLETED' };
  if (job.State === 'WAITING') await startJob(job.Id, deps.dataExchange);
  const firstWait = await firstWaitSeconds(input, deps.poll, deps.dataExchange);
  return { ...status, jobId: job.Id, state: 'IN_PROGRESS', waitSeconds: firstWait, firstWaitSeconds: firstWait };
}
