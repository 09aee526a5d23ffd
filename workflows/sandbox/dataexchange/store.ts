import {
  CONCURRENT_IMPORT_JOBS_LIMIT_NAME,
  MAX_ASSETS_PER_REVISION,
  MAX_CONCURRENT_IMPORT_JOBS,
} from '../../../shared/limits';
import { conflict, invalid, limitExceeded, notFound, type ResourceType } from './errors';
import {
  arns,
  type AssetRecord,
  type DataGrantRecord,
  type DataSetRecord,
  type ForcedOutcome,
  type ImportDetails,
  type JobError,
  type JobRecord,
  newId,
  now,
  type Origin,
  type RevisionRecord,
  type Tags,
} from './model';
import { firstAfter } from './pagination';

/*
 * One account's Data Exchange: its records, indexed so that every request costs O(its page), and AWS's rules
 * on them. Every mutation calls `changed`, which schedules a save.
 */

/** The ADX quota name a job error carries when an import would overflow its revision. */
const ASSETS_PER_REVISION_LIMIT_NAME = 'Assets per revision';

export interface AccountSnapshot {
  dataSets: DataSetRecord[];
  revisions: RevisionRecord[];
  assets: AssetRecord[];
  jobs: JobRecord[];
  dataGrants: DataGrantRecord[];
  tags: Record<string, Tags>;
}

export interface ImportedAsset {
  readonly id: string;
  readonly name: string;
  readonly size: number;
}

function append<K, V>(index: Map<K, V[]>, key: K, value: V): void {
  const list = index.get(key);
  if (list === undefined) index.set(key, [value]);
  else list.push(value);
}

function compareTuples(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

/** ADX lists a revision's assets sorted alphabetically in descending order; the id breaks ties between equal names. */
export const ASSET_ORDER = {
  keyOf: (asset: AssetRecord): string[] => [asset.Name, asset.Id],
  compare: (a: string[], b: string[]): number => compareTuples(b, a),
};

function found<T>(records: ReadonlyMap<string, T>, id: string, type: ResourceType): T {
  const record = records.get(id);
  if (record === undefined) throw notFound(type, id);
  return record;
}

const resourceTypeOfArn = (arn: string): ResourceType =>
  arn.includes('/revisions/') ? 'REVISION' : arn.includes(':data-grants/') ? 'DATA_GRANT' : 'DATA_SET';

export class AccountState {
  private readonly dataSets = new Map<string, DataSetRecord>();
  private readonly dataSetsByOrigin = new Map<Origin, DataSetRecord[]>();
  private readonly dataSetList: DataSetRecord[] = [];
  private readonly revisions = new Map<string, RevisionRecord>();
  private readonly revisionsByDataSet = new Map<string, RevisionRecord[]>();
  private readonly assets = new Map<string, AssetRecord>();
  private readonly assetsByRevision = new Map<string, AssetRecord[]>();
  private readonly jobs = new Map<string, JobRecord>();
  private readonly jobList: JobRecord[] = [];
  private readonly jobsByDataSet = new Map<string, JobRecord[]>();
  private readonly jobsByRevision = new Map<string, JobRecord[]>();
  private readonly dataGrants = new Map<string, DataGrantRecord>();
  private readonly dataGrantList: DataGrantRecord[] = [];
  private readonly tags = new Map<string, Tags>();
  private readonly importsInProgress = new Set<string>();
  private readonly arn: ReturnType<typeof arns>;

  constructor(
    readonly accountId: string,
    private readonly changed: () => void,
    snapshot?: AccountSnapshot,
  ) {
    this.arn = arns(accountId);
    if (snapshot === undefined) return;
    snapshot.dataSets.forEach((record) => this.indexDataSet(record));
    snapshot.revisions.forEach((record) => this.indexRevision(record));
    snapshot.assets.forEach((record) => this.indexAsset(record));
    snapshot.jobs.forEach((record) => this.indexJob(record));
    snapshot.dataGrants.forEach((record) => this.indexDataGrant(record));
    for (const [arn, tags] of Object.entries(snapshot.tags)) this.tags.set(arn, tags);
  }

  snapshot(): AccountSnapshot {
    return {
      dataSets: this.dataSetList,
      revisions: [...this.revisions.values()],
      assets: [...this.assets.values()],
      jobs: this.jobList,
      dataGrants: this.dataGrantList,
      tags: Object.fromEntries(this.tags),
    };
  }

  // Data sets

  createDataSet(input: { Name: string; Description: string; AssetType: string; Tags?: Tags }): DataSetRecord {
    const id = newId();
    const at = now();
    const record: DataSetRecord = {
      Arn: this.arn.dataSet(id),
      AssetType: input.AssetType,
      CreatedAt: at,
      Description: input.Description,
      Id: id,
      Name: input.Name,
      Origin: 'OWNED',
      UpdatedAt: at,
    };
    return this.addTaggable(record, input.Tags, (added) => this.indexDataSet(added));
  }

  dataSet(dataSetId: string): DataSetRecord {
    return found(this.dataSets, dataSetId, 'DATA_SET');
  }

  listDataSets(origin: Origin | undefined): readonly DataSetRecord[] {
    return origin === undefined ? this.dataSetList : (this.dataSetsByOrigin.get(origin) ?? []);
  }

  // Revisions

  createRevision(dataSetId: string, input: { Comment?: string; Tags?: Tags }): RevisionRecord {
    this.dataSet(dataSetId);
    const id = newId();
    const at = now();
    const record: RevisionRecord = {
      Arn: this.arn.revision(dataSetId, id),
      Comment: input.Comment,
      CreatedAt: at,
      DataSetId: dataSetId,
      Finalized: false,
      Id: id,
      Revoked: false,
      UpdatedAt: at,
    };
    return this.addTaggable(record, input.Tags, (added) => this.indexRevision(added));
  }

  revision(dataSetId: string, revisionId: string): RevisionRecord {
    this.dataSet(dataSetId);
    const record = this.revisions.get(revisionId);
    if (record === undefined || record.DataSetId !== dataSetId) throw notFound('REVISION', revisionId);
    return record;
  }

  listRevisions(dataSetId: string): readonly RevisionRecord[] {
    this.dataSet(dataSetId);
    return this.revisionsByDataSet.get(dataSetId) ?? [];
  }

  /**
   * A finalized revision takes no change but un-finalizing (AWS allows that for a revision in no product); an
   * empty one cannot be finalized.
   */
  updateRevision(dataSetId: string, revisionId: string, input: { Comment?: string; Finalized?: boolean }): RevisionRecord {
    const record = this.revision(dataSetId, revisionId);
    if (record.Finalized && (input.Comment !== undefined || input.Finalized !== false)) {
      throw conflict('REVISION', revisionId, `Revision ${revisionId} is finalized and cannot be changed.`);
    }
    if (input.Finalized === true && (this.assetsByRevision.get(revisionId)?.length ?? 0) === 0) {
      throw invalid(`Revision ${revisionId} has no assets; a revision must have at least one asset to be finalized.`);
    }
    if (input.Comment !== undefined) record.Comment = input.Comment;
    if (input.Finalized !== undefined) record.Finalized = input.Finalized;
    record.UpdatedAt = now();
    this.changed();
    return record;
  }

  // Assets

  listAssets(dataSetId: string, revisionId: string): readonly AssetRecord[] {
    this.revision(dataSetId, revisionId);
    return this.assetsByRevision.get(revisionId) ?? [];
  }

  asset(dataSetId: string, revisionId: string, assetId: string): AssetRecord {
    this.revision(dataSetId, revisionId);
    const record = this.assets.get(assetId);
    if (record === undefined || record.RevisionId !== revisionId) throw notFound('ASSET', assetId);
    return record;
  }

  // Jobs

  createImportJob(details: ImportDetails): JobRecord {
    const dataSet = this.dataSet(details.DataSetId);
    const revision = this.revision(details.DataSetId, details.RevisionId);
    if (dataSet.AssetType !== 'S3_SNAPSHOT') {
      throw invalid(`Data set ${dataSet.Id} holds ${dataSet.AssetType} assets; IMPORT_ASSETS_FROM_S3 needs an S3_SNAPSHOT data set.`);
    }
    this.refuseFinalized(revision);
    const id = newId();
    const at = now();
    const record: JobRecord = {
      Arn: this.arn.job(id),
      CreatedAt: at,
      Details: { ImportAssetsFromS3: details },
      Errors: [],
      Id: id,
      State: 'WAITING',
      Type: 'IMPORT_ASSETS_FROM_S3',
      UpdatedAt: at,
    };
    this.indexJob(record);
    this.changed();
    return record;
  }

  job(jobId: string): JobRecord {
    return found(this.jobs, jobId, 'JOB');
  }

  listJobs(filter: { dataSetId?: string; revisionId?: string }): readonly JobRecord[] {
    if (filter.revisionId === undefined) {
      return filter.dataSetId === undefined ? this.jobList : (this.jobsByDataSet.get(filter.dataSetId) ?? []);
    }
    const revision = this.revisions.get(filter.revisionId);
    if (filter.dataSetId !== undefined && revision?.DataSetId !== filter.dataSetId) return [];
    return this.jobsByRevision.get(filter.revisionId) ?? [];
  }

  /** WAITING -> IN_PROGRESS, within the account's quota of import jobs in progress. */
  startJob(jobId: string, forcedOutcome: () => ForcedOutcome | undefined): JobRecord {
    const record = this.job(jobId);
    if (record.State !== 'WAITING') throw conflict('JOB', jobId, `Job ${jobId} is ${record.State}; only a WAITING job can be started.`);
    const { DataSetId, RevisionId } = record.Details.ImportAssetsFromS3;
    this.refuseFinalized(this.revision(DataSetId, RevisionId));
    if (this.importsInProgress.size >= MAX_CONCURRENT_IMPORT_JOBS) {
      throw limitExceeded(
        CONCURRENT_IMPORT_JOBS_LIMIT_NAME,
        MAX_CONCURRENT_IMPORT_JOBS,
        `There are already ${MAX_CONCURRENT_IMPORT_JOBS} import jobs from Amazon S3 in progress in this account.`,
      );
    }
    record.State = 'IN_PROGRESS';
    record.forcedOutcome = forcedOutcome();
    record.UpdatedAt = now();
    this.importsInProgress.add(jobId);
    this.changed();
    return record;
  }

  cancelJob(jobId: string): void {
    const record = this.job(jobId);
    if (record.State !== 'WAITING') throw conflict('JOB', jobId, `Job ${jobId} is ${record.State}; only a WAITING job can be cancelled.`);
    record.State = 'CANCELLED';
    record.UpdatedAt = now();
    this.changed();
  }

  /** Import jobs left IN_PROGRESS, e.g. by a restart; the runner picks them up again. */
  jobsInProgress(): JobRecord[] {
    return [...this.importsInProgress].map((jobId) => this.job(jobId));
  }

  /** Why `adding` more assets may not go into the job's revision now, as the job error ADX reports. */
  importRefusal(job: JobRecord, adding: number): JobError | undefined {
    const { DataSetId, RevisionId } = job.Details.ImportAssetsFromS3;
    if (this.revision(DataSetId, RevisionId).Finalized) {
      return {
        Code: 'VALIDATION_EXCEPTION',
        Message: `Revision ${RevisionId} was finalized before the import completed.`,
        ResourceId: RevisionId,
        ResourceType: 'REVISION',
      };
    }
    const present = this.assetsByRevision.get(RevisionId)?.length ?? 0;
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

  /** Adds every asset of the job at once: a job lands whole or not at all. */
  completeImport(job: JobRecord, imported: readonly ImportedAsset[]): void {
    const { DataSetId, RevisionId } = job.Details.ImportAssetsFromS3;
    const at = now();
    for (const asset of imported) {
      this.indexAsset({
        Arn: this.arn.asset(DataSetId, RevisionId, asset.id),
        AssetDetails: { S3SnapshotAsset: { Size: asset.size } },
        AssetType: 'S3_SNAPSHOT',
        CreatedAt: at,
        DataSetId,
        Id: asset.id,
        Name: asset.name,
        RevisionId,
        UpdatedAt: at,
      });
    }
    this.endJob(job, 'COMPLETED', []);
  }

  failJob(job: JobRecord, errors: readonly JobError[]): void {
    this.endJob(job, 'ERROR', errors);
  }

  // Data grants

  createDataGrant(input: {
    Name: string;
    GrantDistributionScope: 'NONE' | 'AWS_ORGANIZATION';
    ReceiverPrincipal: string;
    SourceDataSetId: string;
    EndsAt?: string;
    Description?: string;
    Tags?: Tags;
  }): DataGrantRecord {
    const source = this.dataSet(input.SourceDataSetId);
    if (source.Origin !== 'OWNED') throw invalid(`Data set ${source.Id} is ${source.Origin}; only an owned data set can be granted.`);
    const id = newId();
    const at = now();
    const record: DataGrantRecord = {
      AcceptanceState: 'PENDING_RECEIVER_ACCEPTANCE',
      Arn: this.arn.dataGrant(id),
      CreatedAt: at,
      DataSetId: source.Id,
      Description: input.Description,
      EndsAt: input.EndsAt,
      GrantDistributionScope: input.GrantDistributionScope,
      Id: id,
      Name: input.Name,
      ReceiverPrincipal: input.ReceiverPrincipal,
      SenderPrincipal: this.accountId,
      SourceDataSetId: source.Id,
      UpdatedAt: at,
    };
    return this.addTaggable(record, input.Tags, (added) => this.indexDataGrant(added));
  }

  dataGrant(grantId: string): DataGrantRecord {
    return found(this.dataGrants, grantId, 'DATA_GRANT');
  }

  listDataGrants(): readonly DataGrantRecord[] {
    return this.dataGrantList;
  }

  // Tags, by ARN

  tagsOf(arn: string): Tags {
    const tags = this.tags.get(arn);
    if (tags === undefined) throw notFound(resourceTypeOfArn(arn), arn);
    return tags;
  }

  tag(arn: string, tags: Tags): void {
    Object.assign(this.tagsOf(arn), tags);
    this.changed();
  }

  untag(arn: string, keys: readonly string[]): void {
    const tags = this.tagsOf(arn);
    for (const key of keys) delete tags[key];
    this.changed();
  }

  /** Indexes a new resource that carries tags, and keeps them by its ARN. */
  private addTaggable<T extends { Arn: string }>(record: T, tags: Tags | undefined, index: (record: T) => void): T {
    index(record);
    this.tags.set(record.Arn, { ...tags });
    this.changed();
    return record;
  }

  private refuseFinalized(revision: RevisionRecord): void {
    if (revision.Finalized) {
      throw conflict('REVISION', revision.Id, `Revision ${revision.Id} is finalized; no assets can be imported into it.`);
    }
  }

  private endJob(job: JobRecord, state: 'COMPLETED' | 'ERROR', errors: readonly JobError[]): void {
    job.State = state;
    job.Errors = [...errors];
    job.UpdatedAt = now();
    this.importsInProgress.delete(job.Id);
    this.changed();
  }

  private indexDataSet(record: DataSetRecord): void {
    this.dataSets.set(record.Id, record);
    this.dataSetList.push(record);
    append(this.dataSetsByOrigin, record.Origin, record);
  }

  private indexRevision(record: RevisionRecord): void {
    this.revisions.set(record.Id, record);
    append(this.revisionsByDataSet, record.DataSetId, record);
  }

  private indexAsset(record: AssetRecord): void {
    this.assets.set(record.Id, record);
    const list = this.assetsByRevision.get(record.RevisionId);
    if (list === undefined) this.assetsByRevision.set(record.RevisionId, [record]);
    else list.splice(firstAfter(list, ASSET_ORDER.keyOf(record), ASSET_ORDER), 0, record);
  }

  private indexJob(record: JobRecord): void {
    this.jobs.set(record.Id, record);
    this.jobList.push(record);
    append(this.jobsByDataSet, record.Details.ImportAssetsFromS3.DataSetId, record);
    append(this.jobsByRevision, record.Details.ImportAssetsFromS3.RevisionId, record);
    if (record.State === 'IN_PROGRESS') this.importsInProgress.add(record.Id);
  }

  private indexDataGrant(record: DataGrantRecord): void {
    this.dataGrants.set(record.Id, record);
    this.dataGrantList.push(record);
  }
}

const SNAPSHOT_FORMAT = 'dx-flow-sandbox-dataexchange/1';

export interface StoreSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  accounts: Record<string, AccountSnapshot>;
}

/** Every account's state; an account springs into being the first time a key of it calls. */
export class DataExchangeStore {
  private readonly accounts = new Map<string, AccountState>();

  constructor(
    private readonly changed: () => void,
    snapshot?: StoreSnapshot,
  ) {
    if (snapshot === undefined) return;
    if (snapshot.format !== SNAPSHOT_FORMAT) {
      throw new Error(`Unknown Data Exchange state format ${String(snapshot.format)}; \`dx-flow sandbox reset\` clears it`);
    }
    for (const [accountId, account] of Object.entries(snapshot.accounts)) {
      this.accounts.set(accountId, new AccountState(accountId, changed, account));
    }
  }

  account(accountId: string): AccountState {
    let account = this.accounts.get(accountId);
    if (account === undefined) {
      account = new AccountState(accountId, this.changed);
      this.accounts.set(accountId, account);
    }
    return account;
  }

  allAccounts(): AccountState[] {
    return [...this.accounts.values()];
  }

  snapshot(): StoreSnapshot {
    return {
      format: SNAPSHOT_FORMAT,
      accounts: Object.fromEntries([...this.accounts].map(([accountId, account]) => [accountId, account.snapshot()])),
    };
  }
}
