import { conflict, invalid, notFound } from '../errors';
import { type Arns, type AssetRecord, newId, now, type RevisionRecord } from '../model';
import { firstAfter } from '../pagination';
import { append, Records } from './indexes';

/*
 * One account's own revisions and the assets imported into them, with the rules of changing a revision. An
 * entitled data set has none here: its revisions are the provider's (entitled-view.ts).
 */

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

export interface ImportedAsset {
  readonly id: string;
  readonly name: string;
  readonly size: number;
}

export class Revisions {
  private readonly revisions = new Records<RevisionRecord>('REVISION');
  /** Each oldest first, append-only: ListDataSetRevisions pages it newest first by position. */
  private readonly revisionsByDataSet = new Map<string, RevisionRecord[]>();
  private readonly assets = new Records<AssetRecord>('ASSET');
  /** Each kept in ASSET_ORDER, which ListRevisionAssets pages through by key. */
  private readonly assetsByRevision = new Map<string, AssetRecord[]>();

  constructor(private readonly arn: Arns) {}

  addRevision(record: RevisionRecord): RevisionRecord {
    append(this.revisionsByDataSet, record.DataSetId, record);
    return this.revisions.add(record);
  }

  addAsset(record: AssetRecord): void {
    this.assets.add(record);
    const list = this.assetsByRevision.get(record.RevisionId);
    if (list === undefined) this.assetsByRevision.set(record.RevisionId, [record]);
    else list.splice(firstAfter(list, ASSET_ORDER.keyOf(record), ASSET_ORDER), 0, record);
  }

  revisionRecords(): readonly RevisionRecord[] {
    return this.revisions.all();
  }

  assetRecords(): readonly AssetRecord[] {
    return this.assets.all();
  }

  create(dataSetId: string, comment: string | undefined): RevisionRecord {
    const id = newId();
    const at = now();
    return this.addRevision({
      Arn: this.arn.revision(dataSetId, id),
      Comment: comment,
      CreatedAt: at,
      DataSetId: dataSetId,
      Finalized: false,
      Id: id,
      Revoked: false,
      UpdatedAt: at,
    });
  }

  /** The revision, or undefined: for saving, where a deleted one is no error. */
  find(revisionId: string): RevisionRecord | undefined {
    return this.revisions.find(revisionId);
  }

  /** A revision of the data set; one of another data set is not found, as in ADX. */
  revision(dataSetId: string, revisionId: string): RevisionRecord {
    const record = this.revisions.find(revisionId);
    if (record === undefined || record.DataSetId !== dataSetId) throw notFound('REVISION', revisionId);
    return record;
  }

  list(dataSetId: string): readonly RevisionRecord[] {
    return this.revisionsByDataSet.get(dataSetId) ?? [];
  }

  /**
   * A finalized revision takes no change but un-finalizing (AWS allows that for a revision in no product); an
   * empty one cannot be finalized.
   */
  update(record: RevisionRecord, input: { Comment?: string; Finalized?: boolean }): RevisionRecord {
    // The sandbox assumes a revoked revision stays as it is: AWS documents no way back from a revocation.
    if (record.Revoked) throw conflict('REVISION', record.Id, `Revision ${record.Id} is revoked and cannot be changed.`);
    if (record.Finalized && (input.Comment !== undefined || input.Finalized !== false)) {
      throw conflict('REVISION', record.Id, `Revision ${record.Id} is finalized and cannot be changed.`);
    }
    if (input.Finalized === true && this.assetsOf(record.Id).length === 0) {
      throw invalid(`Revision ${record.Id} has no assets; a revision must have at least one asset to be finalized.`);
    }
    if (input.Comment !== undefined) record.Comment = input.Comment;
    if (input.Finalized !== undefined) record.Finalized = input.Finalized;
    record.UpdatedAt = now();
    return record;
  }

  /**
   * RevokeRevision (https://docs.aws.amazon.com/data-exchange/latest/apireference/API_RevokeRevision.html) revokes
   * subscribers' access to a published revision: one that is not finalized has none to revoke, which the sandbox
   * assumes AWS refuses as a conflict with the revision's state. Revoking again answers the revision with the new
   * comment and the first RevokedAt: the user guide lets a provider edit the revocation reason
   * (https://docs.aws.amazon.com/data-exchange/latest/userguide/revoking-revisions.html), and RevocationComment has
   * no other setter. Returns whether this call revoked it.
   */
  revoke(record: RevisionRecord, comment: string): boolean {
    if (!record.Finalized) {
      throw conflict('REVISION', record.Id, `Revision ${record.Id} is not finalized; only a finalized revision can be revoked.`);
    }
    const first = !record.Revoked;
    const at = now();
    record.Revoked = true;
    record.RevokedAt ??= at;
    record.RevocationComment = comment;
    record.UpdatedAt = at;
    return first;
  }

  /**
   * A finalized revision may have been published to subscribers: the sandbox refuses to delete one, as it refuses to
   * change one, and the provider un-finalizes it first (or revokes it and deletes its assets).
   */
  deleteRevision(record: RevisionRecord): void {
    if (record.Finalized) {
      throw conflict('REVISION', record.Id, `Revision ${record.Id} is finalized and cannot be deleted; un-finalize it first.`);
    }
    this.remove(record);
  }

  /** Removes the revision and its assets, whatever its state: its data set is going. */
  remove(record: RevisionRecord): void {
    for (const asset of this.assetsOf(record.Id)) this.assets.delete(asset);
    this.assetsByRevision.delete(record.Id);
    this.revisions.delete(record);
    const list = this.revisionsByDataSet.get(record.DataSetId) ?? [];
    list.splice(list.indexOf(record), 1);
  }

  /**
   * An asset changes only while its revision is open, with one exception the user guide makes: after a revision is
   * revoked its assets can be deleted (https://docs.aws.amazon.com/data-exchange/latest/userguide/revoking-revisions.html).
   */
  deleteAsset(revision: RevisionRecord, asset: AssetRecord): void {
    if (!revision.Revoked) this.refuseFinalized(revision, 'deleted');
    this.assets.delete(asset);
    const list = this.assetsByRevision.get(revision.Id) ?? [];
    list.splice(list.indexOf(asset), 1);
  }

  /** A new name, re-sorted into the revision's ASSET_ORDER. */
  renameAsset(revision: RevisionRecord, asset: AssetRecord, name: string): AssetRecord {
    this.refuseFinalized(revision, 'renamed');
    this.deleteAsset(revision, asset);
    asset.Name = name;
    asset.UpdatedAt = now();
    this.addAsset(asset);
    return asset;
  }

  assetsOf(revisionId: string): readonly AssetRecord[] {
    return this.assetsByRevision.get(revisionId) ?? [];
  }

  /** An asset of the revision; one of another revision is not found, as in ADX. */
  asset(revisionId: string, assetId: string): AssetRecord {
    const record = this.assets.find(assetId);
    if (record === undefined || record.RevisionId !== revisionId) throw notFound('ASSET', assetId);
    return record;
  }

  private refuseFinalized(revision: RevisionRecord, verb: string): void {
    if (revision.Finalized) {
      throw conflict('REVISION', revision.Id, `Revision ${revision.Id} is finalized; its assets cannot be ${verb}.`);
    }
  }

  /** The assets an import job brought in, all with one timestamp: a job lands whole. */
  addImported(dataSetId: string, revisionId: string, imported: readonly ImportedAsset[]): void {
    const at = now();
    for (const asset of imported) {
      this.addAsset({
        Arn: this.arn.asset(dataSetId, revisionId, asset.id),
        AssetDetails: { S3SnapshotAsset: { Size: asset.size } },
        AssetType: 'S3_SNAPSHOT',
        CreatedAt: at,
        DataSetId: dataSetId,
        Id: asset.id,
        Name: asset.name,
        RevisionId: revisionId,
        UpdatedAt: at,
      });
    }
  }
}
