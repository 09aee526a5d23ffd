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
  type Origin,
  type RevisionRecord,
  type Tags,
} from '../model';
import { invalid } from '../errors';
import { markAccepted, refuseAcceptance, DataGrants, type NewDataGrant } from './data-grants';
import { DataSets } from './data-sets';
import { EntitledView, type ReceivedDataGrant } from './entitled-view';
import { EventActions, exportOnPublish } from './event-actions';
import { type ExportedObject, type JobClock, Jobs } from './jobs';
import { type ImportedAsset, Revisions } from './revisions';
import { ResourceTags } from './tags';

/*
 * One account's Data Exchange, as the routes and job runners see it: each method delegates to the module of its
 * resource, which keeps that resource's records indexed (so a request costs O(its page)) and applies AWS's rules.
 * This facade strings the modules together where a request touches several, and calls `changed`, which schedules a
 * save, after every mutation.
 */

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

/** An export job started in some account. */
export interface StartedExport {
  readonly account: AccountState;
  readonly job: ExportJobRecord;
}

export class AccountState {
  /** The grants this account made; receivers read them across accounts. */
  readonly grants: DataGrants;
  /** What other accounts granted this one; a provider reads it to start receivers' event actions. */
  readonly entitled: EntitledView;
  private readonly dataSets: DataSets;
  private readonly revisions: Revisions;
  private readonly jobs: Jobs;
  private readonly eventActions: EventActions;
  private readonly tags = new ResourceTags();

  constructor(
    readonly accountId: string,
    private readonly changed: () => void,
    private readonly peers: AccountDirectory,
    snapshot?: AccountSnapshot,
    jobClock?: JobClock,
  ) {
    const arn = arns(accountId);
    this.dataSets = new DataSets(arn);
    this.revisions = new Revisions(arn);
    this.jobs = new Jobs(arn, this, jobClock);
    this.grants = new DataGrants(accountId, arn);
    this.entitled = new EntitledView(accountId, arn, peers);
    this.eventActions = new EventActions(arn);
    if (snapshot === undefined) return;
    snapshot.dataSets.forEach((record) => this.dataSets.add(record));
    snapshot.revisions.forEach((record) => this.revisions.addRevision(record));
    snapshot.assets.forEach((record) => this.revisions.addAsset(record));
    snapshot.jobs.forEach((record) => this.jobs.add(record));
    snapshot.dataGrants.forEach((record) => this.grants.add(record));
    snapshot.entitlements?.forEach((record) => this.entitled.add(record));
    snapshot.eventActions?.forEach((record) => this.eventActions.add(record));
    for (const [resourceArn, tags] of Object.entries(snapshot.tags)) this.tags.set(resourceArn, tags);
  }

  snapshot(): AccountSnapshot {
    return {
      dataSets: [...this.dataSets.list(undefined)],
      revisions: [...this.revisions.revisionRecords()],
      assets: [...this.revisions.assetRecords()],
      jobs: [...this.jobs.list({})],
      dataGrants: [...this.grants.list()],
      entitlements: this.entitled.records(),
      eventActions: [...this.eventActions.list(undefined)],
      tags: this.tags.records(),
    };
  }

  /** Every asset this account imported, across its revisions: the files the asset folder must keep. */
  assetRecords(): readonly AssetRecord[] {
    return this.revisions.assetRecords();
  }

  // Data sets

  createDataSet(input: { Name: string; Description: string; AssetType: string; Tags?: Tags }): DataSetRecord {
    return this.addTaggable(this.dataSets.createOwned(input), input.Tags);
  }

  dataSet(dataSetId: string): DataSetRecord {
    return this.dataSets.get(dataSetId);
  }

  listDataSets(origin: Origin | undefined): readonly DataSetRecord[] {
    return this.dataSets.list(origin);
  }

  // Revisions and their assets: an entitled data set's are read through to the provider.

  createRevision(dataSetId: string, input: { Comment?: string; Tags?: Tags }): RevisionRecord {
    this.dataSets.owned(dataSetId, 'create revisions in it');
    return this.addTaggable(this.revisions.create(dataSetId, input.Comment), input.Tags);
  }

  revision(dataSetId: string, revisionId: string): RevisionRecord {
    this.dataSet(dataSetId);
    return this.entitled.revision(dataSetId, revisionId) ?? this.revisions.revision(dataSetId, revisionId);
  }

  listRevisions(dataSetId: string): readonly RevisionRecord[] {
    this.dataSet(dataSetId);
    return this.entitled.revisions(dataSetId) ?? this.revisions.list(dataSetId);
  }

  updateRevision(dataSetId: string, revisionId: string, input: { Comment?: string; Finalized?: boolean }): RevisionRecord {
    this.dataSets.owned(dataSetId, 'change its revisions');
    return this.saved(this.revisions.update(this.revision(dataSetId, revisionId), input));
  }

  listAssets(dataSetId: string, revisionId: string): readonly AssetRecord[] {
    this.revision(dataSetId, revisionId);
    return this.entitled.assets(dataSetId, revisionId) ?? this.revisions.assetsOf(revisionId);
  }

  asset(dataSetId: string, revisionId: string, assetId: string): AssetRecord {
    this.revision(dataSetId, revisionId);
    return this.entitled.asset(dataSetId, revisionId, assetId) ?? this.revisions.asset(revisionId, assetId);
  }

  // Jobs

  createImportJob(details: ImportDetails): ImportJobRecord {
    return this.saved(this.jobs.createImport(this.dataSets.owned(details.DataSetId, 'import assets into it'), details));
  }

  createExportJob(details: ExportDetails): ExportJobRecord {
    return this.saved(this.jobs.createExport(details));
  }

  job(jobId: string): JobRecord {
    return this.jobs.get(jobId);
  }

  listJobs(filter: { dataSetId?: string; revisionId?: string }): readonly JobRecord[] {
    return this.jobs.list(filter);
  }

  startJob(jobId: string, forcedOutcome: () => ForcedOutcome | undefined): JobRecord {
    return this.saved(this.jobs.start(jobId, forcedOutcome));
  }

  cancelJob(jobId: string): void {
    this.jobs.cancel(jobId);
    this.changed();
  }

  /** Import jobs left IN_PROGRESS, e.g. by a restart; the runner picks them up again. */
  jobsInProgress(): ImportJobRecord[] {
    return this.jobs.importJobsInProgress();
  }

  /** Export jobs left IN_PROGRESS by a restart; writing their objects again overwrites them with the same bytes. */
  exportJobsInProgress(): ExportJobRecord[] {
    return this.jobs.exportJobsInProgress();
  }

  importRefusal(job: ImportJobRecord, adding: number): JobError | undefined {
    return this.jobs.importRefusal(job, adding);
  }

  /** Adds every asset of the job at once: a job lands whole or not at all. */
  completeImport(job: ImportJobRecord, imported: readonly ImportedAsset[]): void {
    const { DataSetId, RevisionId } = job.Details.ImportAssetsFromS3;
    this.revisions.addImported(DataSetId, RevisionId, imported);
    this.endJob(job, 'COMPLETED', []);
  }

  failJob(job: JobRecord, errors: readonly JobError[]): void {
    this.endJob(job, 'ERROR', errors);
  }

  exportObjects(job: ExportJobRecord): ExportedObject[] {
    return this.jobs.exportObjects(job, this.entitled.ownerOf(job.Details.ExportRevisionsToS3.DataSetId));
  }

  completeExport(job: ExportJobRecord): void {
    this.endJob(job, 'COMPLETED', []);
  }

  /**
   * What publishing a revision of an owned data set sets off: each receiver that accepted a grant of it runs an
   * export job for every event action on its entitled data set.
   */
  revisionPublished(dataSetId: string, revisionId: string): StartedExport[] {
    return this.grants.acceptedOf(dataSetId).flatMap((grant) => {
      const receiver = this.peers.account(grant.ReceiverPrincipal);
      const entitled = receiver.entitled.dataSetOfGrant(grant.Id);
      if (entitled === undefined) return [];
      return receiver.listEventActions(entitled).map((action) => {
        const job = receiver.createExportJob(exportOnPublish(action, revisionId));
        return { account: receiver, job: receiver.startJob(job.Id, () => undefined) as ExportJobRecord };
      });
    });
  }

  // Data grants, as their sender and as their receiver sees them

  createDataGrant(input: NewDataGrant): DataGrantRecord {
    return this.addTaggable(this.grants.create(this.dataSet(input.SourceDataSetId), input), input.Tags);
  }

  dataGrant(grantId: string): DataGrantRecord {
    return this.grants.get(grantId);
  }

  listDataGrants(): readonly DataGrantRecord[] {
    return this.grants.list();
  }

  /** Grants other accounts made to this one, oldest first, in the receiver's view. */
  listReceivedDataGrants(acceptanceStates: readonly string[]): ReceivedDataGrant[] {
    return this.entitled.grants(acceptanceStates);
  }

  receivedDataGrant(dataGrantArn: string): ReceivedDataGrant {
    return this.entitled.asReceived(this.entitled.grant(dataGrantArn));
  }

  /** Accepts a grant made to this account: the receiver gets an ENTITLED data set, with its own id. */
  acceptDataGrant(dataGrantArn: string): ReceivedDataGrant {
    const grant = this.entitled.grant(dataGrantArn);
    refuseAcceptance(grant);
    const source = this.entitled.source(grant);
    const dataSet = this.addTaggable(this.dataSets.createEntitled(source, grant.Id), undefined);
    this.entitled.add({ DataGrantId: grant.Id, DataSetId: dataSet.Id, ProviderAccountId: grant.SenderPrincipal, SourceDataSetId: source.Id });
    markAccepted(grant, dataSet.CreatedAt);
    this.changed();
    return this.entitled.asReceived(grant);
  }

  // Event actions

  /**
   * CreateEventAction's model lists no ResourceNotFoundException
   * (https://docs.aws.amazon.com/data-exchange/latest/apireference/API_CreateEventAction.html), and AWS documents
   * no answer for a data set that does not exist: the emulator refuses it with ValidationException, an error the
   * model lists, naming the data set. An assumption; a recorded AWS answer would settle it.
   */
  createEventAction(input: Pick<EventActionRecord, 'Action' | 'Event'> & { Tags?: Tags }): EventActionRecord {
    const dataSetId = input.Event.RevisionPublished.DataSetId;
    const dataSet = this.dataSets.find(dataSetId);
    if (dataSet === undefined) throw invalid(`Event.RevisionPublished.DataSetId: data set ${dataSetId} does not exist in this account`);
    return this.addTaggable(this.eventActions.create(dataSet, input), input.Tags);
  }

  eventAction(eventActionId: string): EventActionRecord {
    return this.eventActions.get(eventActionId);
  }

  listEventActions(eventSourceId: string | undefined): readonly EventActionRecord[] {
    return this.eventActions.list(eventSourceId);
  }

  deleteEventAction(eventActionId: string): void {
    this.tags.delete(this.eventActions.delete(eventActionId).Arn);
    this.changed();
  }

  // Tags, by ARN

  tagsOf(arn: string): Tags {
    return this.entitled.isShared(arn) ? {} : this.tags.of(arn);
  }

  tag(arn: string, tags: Tags): void {
    this.tags.tag(arn, tags);
    this.changed();
  }

  untag(arn: string, keys: readonly string[]): void {
    this.tags.untag(arn, keys);
    this.changed();
  }

  /** A new resource that carries tags: they are kept by its ARN. */
  private addTaggable<T extends { Arn: string }>(record: T, tags: Tags | undefined): T {
    this.tags.set(record.Arn, { ...tags });
    return this.saved(record);
  }

  private endJob(job: JobRecord, state: 'COMPLETED' | 'ERROR', errors: readonly JobError[]): void {
    this.jobs.end(job, state, errors);
    this.changed();
  }

  /** Schedules a save after a mutation, and passes its result on. */
  private saved<T>(result: T): T {
    this.changed();
    return result;
  }
}
