import {
  CONCURRENT_IMPORT_JOBS_LIMIT_NAME,
  MAX_ASSETS_PER_REVISION,
  MAX_CONCURRENT_IMPORT_JOBS,
} from '../../shared/limits';
import { conflict, invalid, limitExceeded, notFound, type ResourceType } from './errors';
import { checkKeyPattern, DEFAULT_KEY_PATTERN, renderKeyPattern } from './key-pattern';
import {
  arns,
  type AssetRecord,
  type DataGrantRecord,
  type DataSetRecord,
  type EntitlementRecord,
  type EventActionRecord,
  type ExportDetails,
  type ExportJobRecord,
  type ForcedOutcome,
  type ImportDetails,
  type ImportJobRecord,
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
  /** Absent in state saved before the subscriber's side existed. */
  entitlements?: EntitlementRecord[];
  eventActions?: EventActionRecord[];
  tags: Record<string, Tags>;
}

/** The other accounts of the sandbox, which grants and entitled data sets reach across to. */
export interface AccountDirectory {
  account(accountId: string): AccountState;
  allAccounts(): AccountState[];
}

/** One object an export job writes: where it goes, and whose stored asset it copies. */
export interface ExportedObject {
  readonly Bucket: string;
  readonly Key: string;
  readonly ownerAccountId: string;
  readonly revisionId: string;
  readonly assetId: string;
  readonly size: number;
}

/** A received grant as the receiver sees it: no source data set id, and the entitled data set's id once accepted. */
export type ReceivedDataGrant = Omit<DataGrantRecord, 'SourceDataSetId'>;

/** An export job started in some account. */
export interface StartedExport {
  readonly account: AccountState;
  readonly job: ExportJobRecord;
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
  arn.includes('/revisions/')
    ? 'REVISION'
    : arn.includes(':data-grants/')
      ? 'DATA_GRANT'
      : arn.includes(':event-actions/')
        ? 'EVENT_ACTION'
        : 'DATA_SET';

const DATA_GRANT_ARN = /^arn:aws:dataexchange:[a-z0-9-]+:(\d{12}):data-grants\/([a-zA-Z0-9]{30,40})$/;
const SHARED_REVISION_ARN = /:data-sets\/([a-zA-Z0-9]+)\/revisions\//;

/** The data set and revisions a job works on. */
function jobTarget(job: JobRecord): { dataSetId: string; revisionIds: string[] } {
  if (job.Type === 'IMPORT_ASSETS_FROM_S3') {
    return { dataSetId: job.Details.ImportAssetsFromS3.DataSetId, revisionIds: [job.Details.ImportAssetsFromS3.RevisionId] };
  }
  const details = job.Details.ExportRevisionsToS3;
  return { dataSetId: details.DataSetId, revisionIds: details.RevisionDestinations.map((destination) => destination.RevisionId) };
}

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
  private readonly entitlements = new Map<string, EntitlementRecord>();
  private readonly entitlementsByGrant = new Map<string, EntitlementRecord>();
  private readonly eventActions = new Map<string, EventActionRecord>();
  private readonly eventActionList: EventActionRecord[] = [];
  private readonly tags = new Map<string, Tags>();
  private readonly importsInProgress = new Set<string>();
  private readonly exportsInProgress = new Set<string>();
  private readonly arn: ReturnType<typeof arns>;

  constructor(
    readonly accountId: string,
    private readonly changed: () => void,
    private readonly peers: AccountDirectory,
    snapshot?: AccountSnapshot,
  ) {
    this.arn = arns(accountId);
    if (snapshot === undefined) return;
    snapshot.dataSets.forEach((record) => this.indexDataSet(record));
    snapshot.revisions.forEach((record) => this.indexRevision(record));
    snapshot.assets.forEach((record) => this.indexAsset(record));
    snapshot.jobs.forEach((record) => this.indexJob(record));
    snapshot.dataGrants.forEach((record) => this.indexDataGrant(record));
    snapshot.entitlements?.forEach((record) => this.indexEntitlement(record));
    snapshot.eventActions?.forEach((record) => this.indexEventAction(record));
    for (const [arn, tags] of Object.entries(snapshot.tags)) this.tags.set(arn, tags);
  }

  snapshot(): AccountSnapshot {
    return {
      dataSets: this.dataSetList,
      revisions: [...this.revisions.values()],
      assets: [...this.assets.values()],
      jobs: this.jobList,
      dataGrants: this.dataGrantList,
      entitlements: [...this.entitlements.values()],
      eventActions: this.eventActionList,
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
    this.ownedDataSet(dataSetId, 'create revisions in it');
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
    const entitlement = this.entitlements.get(dataSetId);
    if (entitlement !== undefined) {
      const shared = this.provider(entitlement).revision(entitlement.SourceDataSetId, revisionId);
      // A receiver sees only what the provider published.
      if (!shared.Finalized) throw notFound('REVISION', revisionId);
      return this.asShared(entitlement, shared);
    }
    const record = this.revisions.get(revisionId);
    if (record === undefined || record.DataSetId !== dataSetId) throw notFound('REVISION', revisionId);
    return record;
  }

  listRevisions(dataSetId: string): readonly RevisionRecord[] {
    this.dataSet(dataSetId);
    const entitlement = this.entitlements.get(dataSetId);
    if (entitlement !== undefined) {
      return this.provider(entitlement)
        .listRevisions(entitlement.SourceDataSetId)
        .filter((revision) => revision.Finalized)
        .map((revision) => this.asShared(entitlement, revision));
    }
    return this.revisionsByDataSet.get(dataSetId) ?? [];
  }

  /**
   * A finalized revision takes no change but un-finalizing (AWS allows that for a revision in no product); an
   * empty one cannot be finalized.
   */
  updateRevision(dataSetId: string, revisionId: string, input: { Comment?: string; Finalized?: boolean }): RevisionRecord {
    this.ownedDataSet(dataSetId, 'change its revisions');
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
    const entitlement = this.entitlements.get(dataSetId);
    if (entitlement !== undefined) {
      return this.provider(entitlement)
        .listAssets(entitlement.SourceDataSetId, revisionId)
        .map((asset) => this.asShared(entitlement, asset));
    }
    return this.assetsByRevision.get(revisionId) ?? [];
  }

  asset(dataSetId: string, revisionId: string, assetId: string): AssetRecord {
    this.revision(dataSetId, revisionId);
    const entitlement = this.entitlements.get(dataSetId);
    if (entitlement !== undefined) {
      return this.asShared(entitlement, this.provider(entitlement).asset(entitlement.SourceDataSetId, revisionId, assetId));
    }
    const record = this.assets.get(assetId);
    if (record === undefined || record.RevisionId !== revisionId) throw notFound('ASSET', assetId);
    return record;
  }

  // Jobs

  createImportJob(details: ImportDetails): ImportJobRecord {
    const dataSet = this.ownedDataSet(details.DataSetId, 'import assets into it');
    const revision = this.revision(details.DataSetId, details.RevisionId);
    if (dataSet.AssetType !== 'S3_SNAPSHOT') {
      throw invalid(`Data set ${dataSet.Id} holds ${dataSet.AssetType} assets; IMPORT_ASSETS_FROM_S3 needs an S3_SNAPSHOT data set.`);
    }
    this.refuseFinalized(revision);
    return this.addJob<ImportJobRecord>({ Details: { ImportAssetsFromS3: details }, Type: 'IMPORT_ASSETS_FROM_S3' });
  }

  /** An EXPORT_REVISIONS_TO_S3 job: every destination's revision must be one this account can read. */
  createExportJob(details: ExportDetails): ExportJobRecord {
    for (const destination of details.RevisionDestinations) {
      this.revision(details.DataSetId, destination.RevisionId);
      checkKeyPattern(destination.KeyPattern ?? DEFAULT_KEY_PATTERN);
    }
    return this.addJob<ExportJobRecord>({ Details: { ExportRevisionsToS3: details }, Type: 'EXPORT_REVISIONS_TO_S3' });
  }

  job(jobId: string): JobRecord {
    return found(this.jobs, jobId, 'JOB');
  }

  listJobs(filter: { dataSetId?: string; revisionId?: string }): readonly JobRecord[] {
    if (filter.revisionId === undefined) {
      return filter.dataSetId === undefined ? this.jobList : (this.jobsByDataSet.get(filter.dataSetId) ?? []);
    }
    const jobs = this.jobsByRevision.get(filter.revisionId) ?? [];
    return filter.dataSetId === undefined ? jobs : jobs.filter((job) => jobTarget(job).dataSetId === filter.dataSetId);
  }

  /** WAITING -> IN_PROGRESS; an import within the account's quota of import jobs in progress. */
  startJob(jobId: string, forcedOutcome: () => ForcedOutcome | undefined): JobRecord {
    const record = this.job(jobId);
    if (record.State !== 'WAITING') throw conflict('JOB', jobId, `Job ${jobId} is ${record.State}; only a WAITING job can be started.`);
    if (record.Type === 'EXPORT_REVISIONS_TO_S3') {
      record.State = 'IN_PROGRESS';
      record.UpdatedAt = now();
      this.exportsInProgress.add(jobId);
      this.changed();
      return record;
    }
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
  jobsInProgress(): ImportJobRecord[] {
    return [...this.importsInProgress].map((jobId) => this.job(jobId) as ImportJobRecord);
  }

  /** Export jobs left IN_PROGRESS by a restart; writing their objects again overwrites them with the same bytes. */
  exportJobsInProgress(): ExportJobRecord[] {
    return [...this.exportsInProgress].map((jobId) => this.job(jobId) as ExportJobRecord);
  }

  /** Why `adding` more assets may not go into the job's revision now, as the job error ADX reports. */
  importRefusal(job: ImportJobRecord, adding: number): JobError | undefined {
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
  completeImport(job: ImportJobRecord, imported: readonly ImportedAsset[]): void {
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

  /** Every object the export job writes, in the order of its destinations and of each revision's assets. */
  exportObjects(job: ExportJobRecord): ExportedObject[] {
    const { DataSetId, RevisionDestinations } = job.Details.ExportRevisionsToS3;
    const ownerAccountId = this.entitlements.get(DataSetId)?.ProviderAccountId ?? this.accountId;
    return RevisionDestinations.flatMap((destination) => {
      const revision = this.revision(DataSetId, destination.RevisionId);
      return this.listAssets(DataSetId, destination.RevisionId).map((asset) => ({
        Bucket: destination.Bucket,
        Key: renderKeyPattern(destination.KeyPattern ?? DEFAULT_KEY_PATTERN, revision, asset),
        ownerAccountId,
        revisionId: revision.Id,
        assetId: asset.Id,
        size: asset.AssetDetails.S3SnapshotAsset.Size,
      }));
    });
  }

  completeExport(job: ExportJobRecord): void {
    this.endJob(job, 'COMPLETED', []);
  }

  /**
   * What publishing a revision of an owned data set sets off: each receiver that accepted a grant of it runs an
   * export job for every event action on its entitled copy.
   */
  revisionPublished(dataSetId: string, revisionId: string): StartedExport[] {
    const started: StartedExport[] = [];
    for (const grant of this.dataGrantList) {
      if (grant.SourceDataSetId !== dataSetId || grant.AcceptanceState !== 'ACCEPTED') continue;
      const receiver = this.peers.account(grant.ReceiverPrincipal);
      const entitled = receiver.entitlementsByGrant.get(grant.Id);
      if (entitled === undefined) continue;
      for (const action of receiver.eventActionList) {
        if (action.Event.RevisionPublished.DataSetId !== entitled.DataSetId) continue;
        const { Encryption, RevisionDestination } = action.Action.ExportRevisionToS3;
        const job = receiver.createExportJob({
          DataSetId: entitled.DataSetId,
          Encryption,
          EventActionArn: action.Arn,
          RevisionDestinations: [{ ...RevisionDestination, RevisionId: revisionId }],
        });
        started.push({ account: receiver, job: receiver.startJob(job.Id, () => undefined) as ExportJobRecord });
      }
    }
    return started;
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

  /** Grants other accounts made to this one, oldest first, in the receiver's view. */
  listReceivedDataGrants(acceptanceStates: readonly string[]): ReceivedDataGrant[] {
    return this.peers
      .allAccounts()
      .flatMap((sender) => sender.dataGrantList.filter((grant) => grant.ReceiverPrincipal === this.accountId))
      .filter((grant) => acceptanceStates.length === 0 || acceptanceStates.includes(grant.AcceptanceState))
      .sort((a, b) => (a.CreatedAt < b.CreatedAt ? -1 : a.CreatedAt > b.CreatedAt ? 1 : 0))
      .map((grant) => this.asReceived(grant));
  }

  receivedDataGrant(dataGrantArn: string): ReceivedDataGrant {
    return this.asReceived(this.grantTo(dataGrantArn));
  }

  /** Accepts a grant made to this account: the receiver gets an ENTITLED data set, with its own id. */
  acceptDataGrant(dataGrantArn: string): ReceivedDataGrant {
    const grant = this.grantTo(dataGrantArn);
    if (grant.AcceptanceState === 'ACCEPTED') throw conflict('DATA_GRANT', grant.Id, `Data grant ${grant.Id} is already accepted.`);
    if (grant.EndsAt !== undefined && Date.parse(grant.EndsAt) <= Date.now()) {
      throw invalid(`Data grant ${grant.Id} ended at ${grant.EndsAt} and can no longer be accepted.`);
    }
    const source = this.peers.account(grant.SenderPrincipal).dataSet(grant.SourceDataSetId);
    const id = newId();
    const at = now();
    this.addTaggable(
      {
        Arn: this.arn.dataSet(id),
        AssetType: source.AssetType,
        CreatedAt: at,
        Description: source.Description,
        Id: id,
        Name: source.Name,
        Origin: 'ENTITLED' as const,
        OriginDetails: { DataGrantId: grant.Id },
        UpdatedAt: at,
      },
      undefined,
      (record) => this.indexDataSet(record),
    );
    this.indexEntitlement({ DataGrantId: grant.Id, DataSetId: id, ProviderAccountId: grant.SenderPrincipal, SourceDataSetId: source.Id });
    grant.AcceptanceState = 'ACCEPTED';
    grant.AcceptedAt = at;
    grant.UpdatedAt = at;
    this.changed();
    return this.asReceived(grant);
  }

  // Event actions

  /** An event action auto-exports each revision published to an ENTITLED data set; on an owned one ADX refuses it. */
  createEventAction(input: Pick<EventActionRecord, 'Action' | 'Event'> & { Tags?: Tags }): EventActionRecord {
    const dataSet = this.dataSet(input.Event.RevisionPublished.DataSetId);
    if (dataSet.Origin !== 'ENTITLED') {
      throw invalid(`Data set ${dataSet.Id} is ${dataSet.Origin}; event actions can only be created on entitled data sets.`);
    }
    checkKeyPattern(input.Action.ExportRevisionToS3.RevisionDestination.KeyPattern ?? DEFAULT_KEY_PATTERN);
    const id = newId();
    const at = now();
    const record: EventActionRecord = { Action: input.Action, Arn: this.arn.eventAction(id), CreatedAt: at, Event: input.Event, Id: id, UpdatedAt: at };
    return this.addTaggable(record, input.Tags, (added) => this.indexEventAction(added));
  }

  eventAction(eventActionId: string): EventActionRecord {
    return found(this.eventActions, eventActionId, 'EVENT_ACTION');
  }

  listEventActions(eventSourceId: string | undefined): readonly EventActionRecord[] {
    if (eventSourceId === undefined) return this.eventActionList;
    return this.eventActionList.filter((action) => action.Event.RevisionPublished.DataSetId === eventSourceId);
  }

  deleteEventAction(eventActionId: string): void {
    const record = this.eventAction(eventActionId);
    this.eventActions.delete(eventActionId);
    this.eventActionList.splice(this.eventActionList.indexOf(record), 1);
    this.tags.delete(record.Arn);
    this.changed();
  }

  // Tags, by ARN

  /** A shared revision carries no tags of the receiver's. */
  tagsOf(arn: string): Tags {
    const shared = SHARED_REVISION_ARN.exec(arn)?.[1];
    if (shared !== undefined && this.entitlements.has(shared)) return {};
    return this.ownTags(arn);
  }

  tag(arn: string, tags: Tags): void {
    Object.assign(this.ownTags(arn), tags);
    this.changed();
  }

  untag(arn: string, keys: readonly string[]): void {
    const tags = this.ownTags(arn);
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

  /** A new WAITING job. */
  private addJob<T extends JobRecord>(kind: Pick<T, 'Details' | 'Type'>): T {
    const id = newId();
    const at = now();
    const fields: Omit<ImportJobRecord, 'Details' | 'Type'> = { Arn: this.arn.job(id), CreatedAt: at, Errors: [], Id: id, State: 'WAITING', UpdatedAt: at };
    const record = { ...fields, ...kind } as T;
    this.indexJob(record);
    this.changed();
    return record;
  }

  private ownTags(arn: string): Tags {
    const tags = this.tags.get(arn);
    if (tags === undefined) throw notFound(resourceTypeOfArn(arn), arn);
    return tags;
  }

  private ownedDataSet(dataSetId: string, what: string): DataSetRecord {
    const dataSet = this.dataSet(dataSetId);
    if (dataSet.Origin !== 'OWNED') throw invalid(`Data set ${dataSetId} is ${dataSet.Origin}; only its owner can ${what}.`);
    return dataSet;
  }

  private provider(entitlement: EntitlementRecord): AccountState {
    return this.peers.account(entitlement.ProviderAccountId);
  }

  /** A provider's revision or asset as the receiver sees it: under the entitled data set's id and ARN. */
  private asShared<T extends { Arn: string; DataSetId: string }>(entitlement: EntitlementRecord, record: T): T {
    const sourceArn = arns(entitlement.ProviderAccountId).dataSet(entitlement.SourceDataSetId);
    return { ...record, DataSetId: entitlement.DataSetId, Arn: record.Arn.replace(sourceArn, this.arn.dataSet(entitlement.DataSetId)) };
  }

  /** A grant made to this account, by ARN; any other is not found, as AWS hides others' grants. */
  private grantTo(dataGrantArn: string): DataGrantRecord {
    const match = DATA_GRANT_ARN.exec(dataGrantArn);
    if (match === null) throw invalid(`DataGrantArn "${dataGrantArn}" is not a data grant ARN.`);
    const grant = this.peers.account(match[1]).dataGrants.get(match[2]);
    if (grant === undefined || grant.ReceiverPrincipal !== this.accountId || grant.Arn !== dataGrantArn) {
      throw notFound('DATA_GRANT', dataGrantArn);
    }
    return grant;
  }

  private asReceived(grant: DataGrantRecord): ReceivedDataGrant {
    const { SourceDataSetId: _source, ...view } = grant;
    return { ...view, DataSetId: this.entitlementsByGrant.get(grant.Id)?.DataSetId ?? grant.DataSetId };
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
    this.exportsInProgress.delete(job.Id);
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
    const { dataSetId, revisionIds } = jobTarget(record);
    append(this.jobsByDataSet, dataSetId, record);
    for (const revisionId of new Set(revisionIds)) append(this.jobsByRevision, revisionId, record);
    if (record.State !== 'IN_PROGRESS') return;
    if (record.Type === 'IMPORT_ASSETS_FROM_S3') this.importsInProgress.add(record.Id);
    else this.exportsInProgress.add(record.Id);
  }

  private indexEntitlement(record: EntitlementRecord): void {
    this.entitlements.set(record.DataSetId, record);
    this.entitlementsByGrant.set(record.DataGrantId, record);
  }

  private indexEventAction(record: EventActionRecord): void {
    this.eventActions.set(record.Id, record);
    this.eventActionList.push(record);
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
export class DataExchangeStore implements AccountDirectory {
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
      this.accounts.set(accountId, new AccountState(accountId, changed, this, account));
    }
  }

  account(accountId: string): AccountState {
    let account = this.accounts.get(accountId);
    if (account === undefined) {
      account = new AccountState(accountId, this.changed, this);
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
