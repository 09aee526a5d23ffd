import {
  CONCURRENT_IMPORT_JOBS_LIMIT_NAME,
  MAX_ASSETS_PER_REVISION,
  MAX_CONCURRENT_IMPORT_JOBS,
} from '../../../shared/limits';
import { conflict, invalid, limitExceeded } from '../errors';
import { checkKeyPattern, DEFAULT_KEY_PATTERN, renderKeyPattern } from '../key-pattern';
import {
  type Arns,
  type AssetRecord,
  type DataSetRecord,
  type ExportDetails,
  type ExportJobRecord,
  type ForcedOutcome,
  type ImportDetails,
  type ImportJobRecord,
  type JobError,
  type JobRecord,
  newId,
  now,
  type RevisionRecord,
} from '../model';
import { append, Records } from './indexes';
import { ReleasedSources, type SavedJobReader, sourcesInMemory } from './released-sources';

/*
 * One account's import and export jobs: their states, the rules of what a job may import into or export, and
 * the quota of imports in progress.
 */

/** The ADX quota name a job error carries when an import would overflow its revision. */
const ASSETS_PER_REVISION_LIMIT_NAME = 'Assets per revision';

/** One object an export job writes: where it goes, and whose stored asset it copies. */
export interface ExportedObject {
  readonly Bucket: string;
  readonly Key: string;
  readonly ownerAccountId: string;
  readonly revisionId: string;
  readonly assetId: string;
  readonly size: number;
}

/**
 * A job's UpdatedAt now, from its CreatedAt. AWS's clock by default; the sandbox counts a job's time on the clock
 * its Wait states run on (scaledJobClock), so that the import durations StartImport learns its first wait from
 * (UpdatedAt minus CreatedAt of completed jobs) are in the seconds its Wait states sleep.
 */
export type JobClock = (createdAt: string) => string;

export const AWS_JOB_CLOCK: JobClock = () => now();

/** A job's time since CreatedAt in scaled seconds, each `msPerSecond` real milliseconds long. */
export function scaledJobClock(msPerSecond: number): JobClock {
  return (createdAt) => {
    const created = Date.parse(createdAt);
    return new Date(created + ((Date.now() - created) * 1000) / msPerSecond).toISOString();
  };
}

/** A job and its position among the account's jobs, oldest first. */
export interface OrderedJob {
  readonly ordinal: number;
  readonly record: JobRecord;
}

/** Revisions and assets as the account sees them: its own, or a provider's through an entitled data set. */
export interface RevisionReader {
  revision(dataSetId: string, revisionId: string): RevisionRecord;
  listAssets(dataSetId: string, revisionId: string): readonly AssetRecord[];
}

/** The data set and revisions a job works on. */
function jobTarget(job: JobRecord): { dataSetId: string; revisionIds: string[] } {
  if (job.Type === 'IMPORT_ASSETS_FROM_S3') {
    return { dataSetId: job.Details.ImportAssetsFromS3.DataSetId, revisionIds: [job.Details.ImportAssetsFromS3.RevisionId] };
  }
  const details = job.Details.ExportRevisionsToS3;
  return { dataSetId: details.DataSetId, revisionIds: details.RevisionDestinations.map((destination) => destination.RevisionId) };
}

/** The revision whose saved part holds the job: the first it targets. */
export function firstRevisionOf(job: JobRecord): string {
  return jobTarget(job).revisionIds[0];
}

function refuseFinalized(revision: RevisionRecord): void {
  if (revision.Finalized) {
    throw conflict('REVISION', revision.Id, `Revision ${revision.Id} is finalized; no assets can be imported into it.`);
  }
}

export class Jobs {
  private readonly jobs = new Records<JobRecord>('JOB');
  /** Each job's position in `jobs`, which never changes (no job is deleted): the saved parts keep it, to restore the order. */
  private readonly ordinals = new Map<string, number>();
  private readonly byDataSet = new Map<string, JobRecord[]>();
  private readonly byRevision = new Map<string, JobRecord[]>();
  /** Kept apart from the records: the quota counts imports in progress, and a restart resumes both kinds. */
  private readonly importsInProgress = new Set<string>();
  private readonly exportsInProgress = new Set<string>();
  /** Without a reader of saved parts (a state kept in no parts), every job's sources stay in memory. */
  private readonly released: ReleasedSources | undefined;

  constructor(
    private readonly arn: Arns,
    private readonly revisions: RevisionReader,
    private readonly clock: JobClock = AWS_JOB_CLOCK,
    readSaved?: SavedJobReader,
  ) {
    this.released = readSaved && new ReleasedSources(readSaved);
  }

  add(record: JobRecord): void {
    this.ordinals.set(record.Id, this.ordinals.size);
    this.jobs.add(record);
    const { dataSetId, revisionIds } = jobTarget(record);
    append(this.byDataSet, dataSetId, record);
    for (const revisionId of new Set(revisionIds)) append(this.byRevision, revisionId, record);
    if (record.State === 'IN_PROGRESS') this.inProgress(record).add(record.Id);
  }

  /** An IMPORT_ASSETS_FROM_S3 job fills an S3_SNAPSHOT data set's revision that is not finalized yet. */
  createImport(dataSet: DataSetRecord, details: ImportDetails): ImportJobRecord {
    const revision = this.revisions.revision(details.DataSetId, details.RevisionId);
    if (dataSet.AssetType !== 'S3_SNAPSHOT') {
      throw invalid(`Data set ${dataSet.Id} holds ${dataSet.AssetType} assets; IMPORT_ASSETS_FROM_S3 needs an S3_SNAPSHOT data set.`);
    }
    refuseFinalized(revision);
    return this.create<ImportJobRecord>({ Details: { ImportAssetsFromS3: details }, Type: 'IMPORT_ASSETS_FROM_S3' });
  }

  /** An EXPORT_REVISIONS_TO_S3 job: every destination's revision must be one this account can read. */
  createExport(details: ExportDetails): ExportJobRecord {
    for (const destination of details.RevisionDestinations) {
      this.revisions.revision(details.DataSetId, destination.RevisionId);
      checkKeyPattern(destination.KeyPattern ?? DEFAULT_KEY_PATTERN);
    }
    return this.create<ExportJobRecord>({ Details: { ExportRevisionsToS3: details }, Type: 'EXPORT_REVISIONS_TO_S3' });
  }

  get(jobId: string): JobRecord {
    return this.jobs.get(jobId);
  }

  list(filter: { dataSetId?: string; revisionId?: string }): readonly JobRecord[] {
    if (filter.revisionId === undefined) {
      return filter.dataSetId === undefined ? this.jobs.all() : (this.byDataSet.get(filter.dataSetId) ?? []);
    }
    const jobs = this.byRevision.get(filter.revisionId) ?? [];
    return filter.dataSetId === undefined ? jobs : jobs.filter((job) => jobTarget(job).dataSetId === filter.dataSetId);
  }

  /** WAITING -> IN_PROGRESS; an import within the account's quota of import jobs in progress. */
  start(jobId: string, forcedOutcome: () => ForcedOutcome | undefined): JobRecord {
    const record = this.waiting(jobId, 'started');
    if (record.Type === 'IMPORT_ASSETS_FROM_S3') {
      const { DataSetId, RevisionId } = record.Details.ImportAssetsFromS3;
      refuseFinalized(this.revisions.revision(DataSetId, RevisionId));
      // AWS documents the quota, not its answer (StartJob's model lists no ServiceLimitExceededException): the
      // emulator assumes ServiceLimitExceededException with the quota's LimitName, and start-import retries any
      // refusal that names the quota (shared/errors.ts), whatever AWS calls it.
      if (this.importsInProgress.size >= MAX_CONCURRENT_IMPORT_JOBS) {
        throw limitExceeded(
          CONCURRENT_IMPORT_JOBS_LIMIT_NAME,
          MAX_CONCURRENT_IMPORT_JOBS,
          `There are already ${MAX_CONCURRENT_IMPORT_JOBS} import jobs from Amazon S3 in progress in this account.`,
        );
      }
      // Drawn only once the import is sure to start: the fault plan counts import jobs started.
      record.forcedOutcome = forcedOutcome();
    }
    record.State = 'IN_PROGRESS';
    record.UpdatedAt = this.clock(record.CreatedAt);
    this.inProgress(record).add(jobId);
    return record;
  }

  cancel(jobId: string): JobRecord {
    const record = this.waiting(jobId, 'cancelled');
    record.State = 'CANCELLED';
    record.UpdatedAt = this.clock(record.CreatedAt);
    return record;
  }

  end(job: JobRecord, state: 'COMPLETED' | 'ERROR', errors: readonly JobError[]): void {
    job.State = state;
    job.Errors = [...errors];
    job.UpdatedAt = this.clock(job.CreatedAt);
    this.inProgress(job).delete(job.Id);
  }

  /** The jobs whose first target is the revision, each with its ordinal: what the revision's saved part holds. */
  firstTargeting(revisionId: string): OrderedJob[] {
    return (this.byRevision.get(revisionId) ?? [])
      .filter((job) => firstRevisionOf(job) === revisionId)
      .map((job) => ({ ordinal: this.ordinals.get(job.Id) ?? 0, record: job }));
  }

  /**
   * Drops the sources of the revision's imports from memory, to be read back from its part: the caller knows a save
   * has committed the part as it is now.
   */
  releaseSources(revisionId: string): void {
    for (const { record } of this.firstTargeting(revisionId)) {
      if (record.Type === 'IMPORT_ASSETS_FROM_S3') this.released?.release(record);
    }
  }

  /** How many import sources the jobs hold in memory. */
  sourcesInMemory(): number {
    return this.jobs.all().reduce((count, job) => count + sourcesInMemory(job), 0);
  }

  importJobsInProgress(): ImportJobRecord[] {
    return [...this.importsInProgress].map((jobId) => this.get(jobId) as ImportJobRecord);
  }

  exportJobsInProgress(): ExportJobRecord[] {
    return [...this.exportsInProgress].map((jobId) => this.get(jobId) as ExportJobRecord);
  }

  /** Why `adding` more assets may not go into the job's revision now, as the job error ADX reports. */
  importRefusal(job: ImportJobRecord, adding: number): JobError | undefined {
    const { DataSetId, RevisionId } = job.Details.ImportAssetsFromS3;
    if (this.revisions.revision(DataSetId, RevisionId).Finalized) {
      return {
        Code: 'VALIDATION_EXCEPTION',
        Message: `Revision ${RevisionId} was finalized before the import completed.`,
        ResourceId: RevisionId,
        ResourceType: 'REVISION',
      };
    }
    const present = this.revisions.listAssets(DataSetId, RevisionId).length;
    if (present + adding <= MAX_ASSETS_PER_REVISION) return undefined;
    return {
      Code: 'SERVICE_QUOTA_EXCEEDED_EXCEPTION',
      Message: `Revision ${RevisionId} holds ${present} assets; importing ${adding} more would exceed ${MAX_ASSETS_PER_REVISION}.`,
      LimitName: ASSETS_PER_REVISION_LIMIT_NAME,
      LimitValue: MAX_ASSETS_PER_REVISION,
      ResourceId: RevisionId,
      ResourceType: 'REVISION',
    };
  }

  /**
   * Every object the export job writes, in the order of its destinations and of each revision's assets; the bytes
   * are in the asset directory of `ownerAccountId`.
   */
  exportObjects(job: ExportJobRecord, ownerAccountId: string): ExportedObject[] {
    const { DataSetId, RevisionDestinations } = job.Details.ExportRevisionsToS3;
    return RevisionDestinations.flatMap((destination) => {
      const revision = this.revisions.revision(DataSetId, destination.RevisionId);
      return this.revisions.listAssets(DataSetId, destination.RevisionId).map((asset) => ({
        Bucket: destination.Bucket,
        Key: renderKeyPattern(destination.KeyPattern ?? DEFAULT_KEY_PATTERN, revision, asset),
        ownerAccountId,
        revisionId: revision.Id,
        assetId: asset.Id,
        size: asset.AssetDetails.S3SnapshotAsset.Size,
      }));
    });
  }

  /** A new WAITING job. */
  private create<T extends JobRecord>(kind: Pick<T, 'Details' | 'Type'>): T {
    const id = newId();
    const at = now();
    const fields: Omit<ImportJobRecord, 'Details' | 'Type'> = { Arn: this.arn.job(id), CreatedAt: at, Errors: [], Id: id, State: 'WAITING', UpdatedAt: at };
    const record = { ...fields, ...kind } as T;
    this.add(record);
    return record;
  }

  private waiting(jobId: string, verb: 'started' | 'cancelled'): JobRecord {
    const record = this.get(jobId);
    if (record.State !== 'WAITING') throw conflict('JOB', jobId, `Job ${jobId} is ${record.State}; only a WAITING job can be ${verb}.`);
    return record;
  }

  private inProgress(job: JobRecord): Set<string> {
    return job.Type === 'IMPORT_ASSETS_FROM_S3' ? this.importsInProgress : this.exportsInProgress;
  }
}
