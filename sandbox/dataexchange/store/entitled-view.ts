import { invalid, notFound } from '../errors';
import {
  type Arns,
  arns,
  type AssetRecord,
  type DataGrantRecord,
  type DataSetRecord,
  type EntitlementRecord,
  type RevisionRecord,
} from '../model';
import type { AccountDirectory, AccountState } from './account-state';

/*
 * The receiver's side of data grants, in one place: the grants other accounts made to this one, and the ENTITLED
 * data sets accepting them gave it. An entitled data set is a view, not a copy: its revisions and assets are read
 * from the provider's account on every request, and shown under the receiver's data set id and ARN.
 */

const DATA_GRANT_ARN = /^arn:aws:dataexchange:[a-z0-9-]+:(\d{12}):data-grants\/([a-zA-Z0-9]{30,40})$/;
const SHARED_REVISION_ARN = /:data-sets\/([a-zA-Z0-9]+)\/revisions\//;

/** A received grant as the receiver sees it: no source data set id, and the entitled data set's id once accepted. */
export type ReceivedDataGrant = Omit<DataGrantRecord, 'SourceDataSetId'>;

type SharedRecord = { Arn: string; DataSetId: string };

/** Reads from the provider's account; `shared` shows a provider's record as the receiver sees it. */
type ProviderRead<R> = (provider: AccountState, sourceDataSetId: string, shared: <T extends SharedRecord>(record: T) => T) => R;

/** A receiver sees only the revisions the provider published. */
function published(revision: RevisionRecord): RevisionRecord {
  if (!revision.Finalized) throw notFound('REVISION', revision.Id);
  return revision;
}

export class EntitledView {
  private readonly byDataSet = new Map<string, EntitlementRecord>();
  private readonly byGrant = new Map<string, EntitlementRecord>();

  constructor(
    private readonly accountId: string,
    private readonly arn: Arns,
    private readonly peers: AccountDirectory,
  ) {}

  add(record: EntitlementRecord): void {
    this.byDataSet.set(record.DataSetId, record);
    this.byGrant.set(record.DataGrantId, record);
  }

  records(): EntitlementRecord[] {
    return [...this.byDataSet.values()];
  }

  /** Drops what accepting the grant gave this account; returns it, or undefined when the grant was never accepted. */
  remove(dataGrantId: string): EntitlementRecord | undefined {
    const record = this.byGrant.get(dataGrantId);
    if (record === undefined) return undefined;
    this.byGrant.delete(dataGrantId);
    this.byDataSet.delete(record.DataSetId);
    return record;
  }

  /** Whether the data set is entitled, its revisions the provider's. */
  isEntitled(dataSetId: string): boolean {
    return this.byDataSet.has(dataSetId);
  }

  // Grants made to this account

  /** A grant made to this account, by ARN; any other is not found, as AWS hides others' grants. */
  grant(dataGrantArn: string): DataGrantRecord {
    const match = DATA_GRANT_ARN.exec(dataGrantArn);
    if (match === null) throw invalid(`DataGrantArn "${dataGrantArn}" is not a data grant ARN.`);
    const grant = this.peers.account(match[1]).grants.find(match[2]);
    if (grant === undefined || grant.ReceiverPrincipal !== this.accountId || grant.Arn !== dataGrantArn) {
      throw notFound('DATA_GRANT', dataGrantArn);
    }
    return grant;
  }

  /** Grants other accounts made to this one, oldest first, in the receiver's view. */
  grants(acceptanceStates: readonly string[]): ReceivedDataGrant[] {
    return this.peers
      .allAccounts()
      .flatMap((sender) => sender.grants.madeTo(this.accountId))
      .filter((grant) => acceptanceStates.length === 0 || acceptanceStates.includes(grant.AcceptanceState))
      .sort((a, b) => (a.CreatedAt < b.CreatedAt ? -1 : a.CreatedAt > b.CreatedAt ? 1 : 0))
      .map((grant) => this.asReceived(grant));
  }

  asReceived(grant: DataGrantRecord): ReceivedDataGrant {
    const { SourceDataSetId: _source, ...view } = grant;
    return { ...view, DataSetId: this.byGrant.get(grant.Id)?.DataSetId ?? grant.DataSetId };
  }

  /** The provider's data set a grant made to this account shares. */
  source(grant: DataGrantRecord): DataSetRecord {
    return this.peers.account(grant.SenderPrincipal).dataSet(grant.SourceDataSetId);
  }

  /** The entitled data set accepting the grant gave this account, if it did. */
  dataSetOfGrant(dataGrantId: string): string | undefined {
    return this.byGrant.get(dataGrantId)?.DataSetId;
  }

  // Entitled data sets, read through to the provider. Each read is undefined for any other data set: the caller
  // reads its own records then.

  /**
   * Revoked revisions stay listed, with their reason: the user guide has subscribers view them
   * (https://docs.aws.amazon.com/data-exchange/latest/userguide/revoking-revisions.html); only exporting them fails.
   */
  revisions(dataSetId: string): RevisionRecord[] | undefined {
    return this.readThrough(dataSetId, (provider, sourceId, shared) =>
      provider.listRevisions(sourceId).filter((revision) => revision.Finalized).map(shared),
    );
  }

  revision(dataSetId: string, revisionId: string): RevisionRecord | undefined {
    return this.readThrough(dataSetId, (provider, sourceId, shared) => shared(published(provider.revision(sourceId, revisionId))));
  }

  assets(dataSetId: string, revisionId: string): AssetRecord[] | undefined {
    return this.readThrough(dataSetId, (provider, sourceId, shared) => provider.listAssets(sourceId, revisionId).map(shared));
  }

  asset(dataSetId: string, revisionId: string, assetId: string): AssetRecord | undefined {
    return this.readThrough(dataSetId, (provider, sourceId, shared) => shared(provider.asset(sourceId, revisionId, assetId)));
  }

  /** The account whose asset directory holds the data set's assets: the provider's, for an entitled one. */
  ownerOf(dataSetId: string): string {
    return this.byDataSet.get(dataSetId)?.ProviderAccountId ?? this.accountId;
  }

  /** Whether the ARN is of a shared revision (or its asset): those carry no tags of the receiver's. */
  isShared(arn: string): boolean {
    const dataSetId = SHARED_REVISION_ARN.exec(arn)?.[1];
    return dataSetId !== undefined && this.byDataSet.has(dataSetId);
  }

  private readThrough<R>(dataSetId: string, read: ProviderRead<R>): R | undefined {
    const entitlement = this.byDataSet.get(dataSetId);
    if (entitlement === undefined) return undefined;
    const sourceArn = arns(entitlement.ProviderAccountId).dataSet(entitlement.SourceDataSetId);
    const entitledArn = this.arn.dataSet(entitlement.DataSetId);
    return read(this.peers.account(entitlement.ProviderAccountId), entitlement.SourceDataSetId, (record) => ({
      ...record,
      DataSetId: entitlement.DataSetId,
      Arn: record.Arn.replace(sourceArn, entitledArn),
    }));
  }
}
