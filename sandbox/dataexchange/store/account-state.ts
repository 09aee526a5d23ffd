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
import { randomUUID } from 'node:crypto';
import { conflict, invalid } from '../errors';
import type { SendDataSetNotificationBody } from '../schemas';
import { markAccepted, refuseAcceptance, DataGrants, type NewDataGrant } from './data-grants';
import { DataSets } from './data-sets';
import { EntitledView, type ReceivedDataGrant } from './entitled-view';
import { EventActions, exportOnPublish } from './event-actions';
import { NOTICE_EVENT_TYPES, REVISION_REVOKED } from '../../../shared/schemas/exchange-event';
import { DATA_GRANT_REVOKED, dataSetResource, type ExchangeEventRecord, exchangeEvent } from './exchange-events';
import { AppendLog } from './indexes';
import { type ExportedObject, firstRevisionOf, type JobClock, Jobs } from './jobs';
import { SentNotifications, type SentNotificationRecord } from './notifications';
import { type ImportedAsset, Revisions } from './revisions';
import type { AccountIndex, RevisionPart, SavedRevisionReader } from './saved-state';
import { ResourceTags } from './tags';

/*
 * One account's Data Exchange, as the routes and job runners see it: each method delegates to the module of its
 * resource, which keeps that resource's records indexed (so a request costs O(its page)) and applies AWS's rules.
 * This facade strings the modules together where a request touches several, and calls `changed`, which schedules a
 * save, after every mutation: naming the revision whose part changed (its record, assets, or jobs), so that a save
 * writes that part and not every revision's (saved-state.ts).
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
  /** Absent in state saved before notifications and revocations existed. */
  notificationsSent?: SentNotificationRecord[];
  eventsDelivered?: ExchangeEventRecord[];
  tags: Record<string, Tags>;
}

/** The other accounts of the sandbox, which grants and entitled data sets reach across to. */
export interface AccountDirectory {
  account(accountId: string): AccountState;
  allAccounts(): AccountState[];
}

/** A receiver of one of this account's data sets: its account, and the entitled data set it sees the data set as. */
interface Receiver {
  readonly account: AccountState;
  readonly dataSetId: string;
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
  private readonly notifications = new SentNotifications();
  /** The Data Exchange events delivered to this account. */
  private readonly inbox = new AppendLog<ExchangeEventRecord>();

  constructor(
    readonly accountId: string,
    /** Schedules a save; `revisionId` names the revision part that changed, if one did. */
    private readonly changed: (revisionId?: string) => void,
    private readonly peers: AccountDirectory,
    snapshot?: AccountSnapshot,
    jobClock?: JobClock,
    /** Reads a revision's committed part; without it, no revision's assets or jobs' sources leave memory. */
    readSavedPart?: SavedRevisionReader,
  ) {
    const arn = arns(accountId);
    this.dataSets = new DataSets(arn);
    this.revisions = new Revisions(arn, readSavedPart && ((revisionId) => readSavedPart(revisionId).assets));
    this.jobs = new Jobs(arn, this, jobClock, readSavedPart && ((revisionId) => readSavedPart(revisionId).jobs));
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
    snapshot.notificationsSent?.forEach((record) => this.notifications.add(record));
    snapshot.eventsDelivered?.forEach((event) => this.inbox.add(event));
    for (const [resourceArn, tags] of Object.entries(snapshot.tags)) this.tags.set(resourceArn, tags);
  }

  snapshot(): AccountSnapshot {
    const { revisionIds: _revisionIds, ...index } = this.savedIndex();
    const revisions = this.revisions.revisionRecords();
    return {
      ...index,
      revisions: [...revisions],
      // By revision, each in ASSET_ORDER: the order the revision parts keep them in, whatever order they came in.
      assets: this.assetRecords(),
      jobs: [...this.jobs.list({})],
    };
  }

  /** The index's part of the account: all but its revisions, assets and jobs, which are kept by revision. */
  savedIndex(): AccountIndex {
    return {
      dataSets: [...this.dataSets.list(undefined)],
      revisionIds: this.revisions.revisionRecords().map((revision) => revision.Id),
      dataGrants: [...this.grants.list()],
      entitlements: this.entitled.records(),
      eventActions: [...this.eventActions.list(undefined)],
      notificationsSent: [...this.notifications.records()],
      eventsDelivered: [...this.inbox.records()],
      tags: this.tags.records(),
    };
  }

  /** A revision's part: its record (none once deleted), its assets, and the jobs it is the first target of. */
  revisionPart(revisionId: string): RevisionPart | undefined {
    const revision = this.revisions.find(revisionId);
    const assets = [...this.revisions.assetsOf(revisionId)];
    const jobs = this.jobs.firstTargeting(revisionId);
    return revision === undefined && jobs.length === 0 ? undefined : { revision, assets, jobs };
  }

  /** The revisions that have a part: the account's own, and any a job targets first (another's, or a deleted one). */
  revisionIdsWithParts(): Set<string> {
    const ids = new Set(this.revisions.revisionRecords().map((revision) => revision.Id));
    for (const job of this.jobs.list({})) ids.add(firstRevisionOf(job));
    return ids;
  }

  /**
   * Every asset this account imported, across its revisions: the files the asset folder must keep. A released
   * revision's are read back from its part.
   */
  assetRecords(): AssetRecord[] {
    return this.revisions.assetRecords();
  }

  /**
   * A save committed the revision's part as it is now: a published revision's assets, and its imports' sources, are
   * read back from it from now on. An open revision's jobs stay: StartImport's retries list them.
   */
  partCommitted(revisionId: string): void {
    if (this.revisions.find(revisionId)?.Finalized !== true) return;
    this.revisions.release(revisionId);
    this.jobs.releaseSources(revisionId);
  }

  /** How many assets this account holds in memory: its open revisions', and the few published ones' read back. */
  assetsInMemory(): number {
    return this.revisions.assetsInMemory();
  }

  /** How many import sources this account's jobs hold in memory: those of jobs whose sources were not released. */
  jobSourcesInMemory(): number {
    return this.jobs.sourcesInMemory();
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

  updateDataSet(dataSetId: string, input: Partial<Pick<DataSetRecord, 'Description' | 'Name'>>): DataSetRecord {
    return this.saved(this.dataSets.update(this.dataSets.owned(dataSetId, 'change it'), input));
  }

  /**
   * Deletes an owned data set with its revisions and assets. While a data grant of it stands, receivers see it
   * through their entitled data sets: the sandbox assumes AWS refuses, as it refuses deleting a data set in a
   * product, and the provider deletes the grants first. An import in progress into it is refused alike. The
   * assets' files go at the emulator's next start, with other files no asset refers to.
   */
  deleteDataSet(dataSetId: string): void {
    const dataSet = this.dataSets.owned(dataSetId, 'delete it');
    const grants = this.grants.of(dataSetId);
    if (grants.length > 0) {
      const ids = grants.map((grant) => grant.Id).join(', ');
      throw conflict('DATA_SET', dataSetId, `Data set ${dataSetId} is shared by data grant ${ids}; delete the grant first.`);
    }
    this.refuseImportInProgress('DATA_SET', dataSetId, (job) => job.DataSetId === dataSetId);
    for (const revision of [...this.revisions.list(dataSetId)]) {
      this.revisions.remove(revision);
      this.tags.delete(revision.Arn);
      this.changed(revision.Id);
    }
    this.dataSets.delete(dataSet);
    this.tags.delete(dataSet.Arn);
    this.changed();
  }

  // Revisions and their assets: an entitled data set's are read through to the provider.

  createRevision(dataSetId: string, input: { Comment?: string; Tags?: Tags }): RevisionRecord {
    this.dataSets.owned(dataSetId, 'create revisions in it');
    const revision = this.addTaggable(this.revisions.create(dataSetId, input.Comment), input.Tags);
    return this.saved(revision, revision.Id);
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
    return this.saved(this.revisions.update(this.revision(dataSetId, revisionId), input), revisionId);
  }

  /** Every receiver of the data set loses access to the revision at once, and hears of it once. */
  revokeRevision(dataSetId: string, revisionId: string, comment: string): RevisionRecord {
    const dataSet = this.dataSets.owned(dataSetId, 'revoke its revisions');
    const revision = this.revisions.revision(dataSetId, revisionId);
    if (this.revisions.revoke(revision, comment)) {
      for (const receiver of this.receiversOf(dataSetId)) {
        receiver.account.deliver(REVISION_REVOKED, [receiver.dataSetId], {
          RevisionIds: [revision.Id],
          RevocationComment: comment,
          Revisions: [{ Id: revision.Id, Comment: revision.Comment }],
          DataSets: [{ Id: receiver.dataSetId, Name: dataSet.Name }],
        });
      }
    }
    return this.saved(revision, revision.Id);
  }

  deleteRevision(dataSetId: string, revisionId: string): void {
    this.dataSets.owned(dataSetId, 'delete its revisions');
    const revision = this.revisions.revision(dataSetId, revisionId);
    this.refuseImportInProgress('REVISION', revisionId, (job) => job.RevisionId === revisionId);
    this.revisions.deleteRevision(revision);
    this.tags.delete(revision.Arn);
    this.changed(revision.Id);
  }

  listAssets(dataSetId: string, revisionId: string): readonly AssetRecord[] {
    this.revision(dataSetId, revisionId);
    return this.entitled.assets(dataSetId, revisionId) ?? this.revisions.assetsOf(revisionId);
  }

  asset(dataSetId: string, revisionId: string, assetId: string): AssetRecord {
    this.revision(dataSetId, revisionId);
    return this.entitled.asset(dataSetId, revisionId, assetId) ?? this.revisions.asset(revisionId, assetId);
  }

  updateAsset(dataSetId: string, revisionId: string, assetId: string, name: string): AssetRecord {
    const { revision, asset } = this.ownedAsset(dataSetId, revisionId, assetId, 'rename its assets');
    return this.saved(this.revisions.renameAsset(revision, asset, name), revision.Id);
  }

  /** The asset's file goes at the emulator's next start, with other files no asset refers to. */
  deleteAsset(dataSetId: string, revisionId: string, assetId: string): void {
    const { revision, asset } = this.ownedAsset(dataSetId, revisionId, assetId, 'delete its assets');
    this.revisions.deleteAsset(revision, asset);
    this.changed(revision.Id);
  }

  // Jobs

  createImportJob(details: ImportDetails): ImportJobRecord {
    return this.jobSaved(this.jobs.createImport(this.dataSets.owned(details.DataSetId, 'import assets into it'), details));
  }

  createExportJob(details: ExportDetails): ExportJobRecord {
    return this.jobSaved(this.jobs.createExport(details));
  }

  job(jobId: string): JobRecord {
    return this.jobs.get(jobId);
  }

  listJobs(filter: { dataSetId?: string; revisionId?: string }): readonly JobRecord[] {
    return this.jobs.list(filter);
  }

  startJob(jobId: string, forcedOutcome: () => ForcedOutcome | undefined): JobRecord {
    return this.jobSaved(this.jobs.start(jobId, forcedOutcome));
  }

  cancelJob(jobId: string): void {
    this.jobSaved(this.jobs.cancel(jobId));
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

  /**
   * Why the export job may not run, as its job error. A receiver's revision that its provider revoked can no longer be
   * exported (https://docs.aws.amazon.com/data-exchange/latest/userguide/revoking-revisions.html); AWS documents no
   * error for it, and the sandbox assumes ACCESS_DENIED_EXCEPTION naming the revision. An entitled data set whose
   * grant was deleted since the job was created is gone.
   */
  exportRefusal(job: ExportJobRecord): JobError | undefined {
    const { DataSetId, RevisionDestinations } = job.Details.ExportRevisionsToS3;
    if (this.dataSets.find(DataSetId) === undefined) {
      return { Code: 'RESOURCE_NOT_FOUND_EXCEPTION', Message: `Data set ${DataSetId} no longer exists.`, ResourceId: DataSetId, ResourceType: 'DATA_SET' };
    }
    if (!this.entitled.isEntitled(DataSetId)) return undefined;
    const revoked = RevisionDestinations.map((destination) => this.revision(DataSetId, destination.RevisionId)).find((revision) => revision.Revoked);
    if (revoked === undefined) return undefined;
    return {
      Code: 'ACCESS_DENIED_EXCEPTION',
      Message: `Revision ${revoked.Id} was revoked by its provider at ${revoked.RevokedAt}: ${revoked.RevocationComment}`,
      ResourceId: revoked.Id,
      ResourceType: 'REVISION',
    };
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
    return this.receiversOf(dataSetId).flatMap(({ account: receiver, dataSetId: entitled }) =>
      receiver.listEventActions(entitled).map((action) => {
        const job = receiver.createExportJob(exportOnPublish(action, revisionId));
        return { account: receiver, job: receiver.startJob(job.Id, () => undefined) as ExportJobRecord };
      }),
    );
  }

  // Notifications, and the events this account received

  /**
   * Records the notification and delivers it to each receiver that accepted a grant of the data set, as the event of
   * its type (https://docs.aws.amazon.com/data-exchange/latest/userguide/cloudwatch-events.html). The user guide
   * says subscribers receive notifications; the sandbox assumes a data grant's receiver does once it accepted the
   * grant, when it has the entitled data set the event names. A repeat of its ClientToken in quick succession is not
   * sent again (store/notifications.ts).
   */
  sendNotification(dataSetId: string, input: SendDataSetNotificationBody): void {
    const dataSet = this.dataSets.owned(dataSetId, 'send notifications about it');
    const sent = this.notifications.send(dataSetId, { ...input, ClientToken: input.ClientToken ?? randomUUID() });
    if (sent === undefined) return;
    const { Comment, Details, Scope, Type } = sent;
    for (const receiver of this.receiversOf(dataSetId)) {
      receiver.account.deliver(NOTICE_EVENT_TYPES[Type], [dataSetResource(receiver.dataSetId)], {
        DataSet: { Id: receiver.dataSetId, Name: dataSet.Name, AssetType: dataSet.AssetType },
        Notification: { Comment, Type, Details, Scope },
      });
    }
    this.changed();
  }

  /** Adds an event to this account's, as EventBridge would put it on the account's default bus. */
  deliver(detailType: string, resources: string[], detail: Record<string, unknown>): void {
    this.inbox.add(exchangeEvent(this.accountId, detailType, resources, detail));
    this.changed();
  }

  /** The Data Exchange events delivered to this account, oldest first. */
  deliveredEvents(): readonly ExchangeEventRecord[] {
    return this.inbox.records();
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

  /**
   * Deletes a grant this account made. The user guide says the receiver gets a `Data Grant Revoked` event
   * (https://docs.aws.amazon.com/data-exchange/latest/userguide/cloudwatch-events.html) and says no more of the
   * receiver's side: the sandbox assumes the receiver loses the entitled data set accepting it gave, with its event
   * actions, and no longer sees the grant; its exports of that data set not yet run then fail, the data set gone.
   */
  deleteDataGrant(grantId: string): void {
    const grant = this.grants.get(grantId);
    this.peers.account(grant.ReceiverPrincipal).dataGrantDeleted(grant);
    this.grants.delete(grant);
    this.tags.delete(grant.Arn);
    this.changed();
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

  updateEventAction(eventActionId: string, action: EventActionRecord['Action'] | undefined): EventActionRecord {
    return this.saved(this.eventActions.update(this.eventActions.get(eventActionId), action));
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

  /** The receiver's side of DeleteDataGrant. */
  private dataGrantDeleted(grant: DataGrantRecord): void {
    const { DataSetId } = this.entitled.asReceived(grant);
    const entitlement = this.entitled.remove(grant.Id);
    if (entitlement !== undefined) {
      const dataSet = this.dataSets.get(entitlement.DataSetId);
      for (const action of [...this.eventActions.list(dataSet.Id)]) this.deleteEventAction(action.Id);
      this.dataSets.delete(dataSet);
      this.tags.delete(dataSet.Arn);
    }
    this.deliver(DATA_GRANT_REVOKED, [dataSetResource(DataSetId)], {
      DataSets: [{ Id: DataSetId, Name: this.entitled.source(grant).Name }],
      DataGrant: { Arn: grant.Arn, Name: grant.Name },
    });
  }

  /** The receivers of one of this account's data sets that accepted a grant of it. */
  private receiversOf(dataSetId: string): Receiver[] {
    return this.grants.acceptedOf(dataSetId).flatMap((grant) => {
      const account = this.peers.account(grant.ReceiverPrincipal);
      const entitled = account.entitled.dataSetOfGrant(grant.Id);
      return entitled === undefined ? [] : [{ account, dataSetId: entitled }];
    });
  }

  /** An asset of an owned data set's revision, for a change `what` names. */
  private ownedAsset(dataSetId: string, revisionId: string, assetId: string, what: string): { revision: RevisionRecord; asset: AssetRecord } {
    this.dataSets.owned(dataSetId, what);
    const revision = this.revisions.revision(dataSetId, revisionId);
    return { revision, asset: this.revisions.asset(revisionId, assetId) };
  }

  /** An import in progress would land its assets in what is being deleted: the sandbox refuses, as a conflict. */
  private refuseImportInProgress(type: 'DATA_SET' | 'REVISION', id: string, into: (details: ImportDetails) => boolean): void {
    const job = this.jobs.importJobsInProgress().find((running) => into(running.Details.ImportAssetsFromS3));
    if (job !== undefined) throw conflict(type, id, `Import job ${job.Id} into ${id} is in progress; wait for it to end.`);
  }

  /** A new resource that carries tags: they are kept by its ARN. */
  private addTaggable<T extends { Arn: string }>(record: T, tags: Tags | undefined): T {
    this.tags.set(record.Arn, { ...tags });
    return this.saved(record);
  }

  private endJob(job: JobRecord, state: 'COMPLETED' | 'ERROR', errors: readonly JobError[]): void {
    this.jobs.end(job, state, errors);
    this.jobSaved(job);
  }

  /** A job is saved in the part of the first revision it targets. */
  private jobSaved<T extends JobRecord>(job: T): T {
    return this.saved(job, firstRevisionOf(job));
  }

  /** Schedules a save after a mutation, naming the revision whose part changed if one did, and passes its result on. */
  private saved<T>(result: T, revisionId?: string): T {
    this.changed(revisionId);
    return result;
  }
}
