import { conflict, invalid, notFound } from '../errors';
import { type Arns, type AssetRecord, newId, now, type RevisionRecord } from '../model';
import { append, Records } from './indexes';
import { RevisionAssets, type SavedAssetReader } from './revision-assets';

/*
 * One account's own revisions and the assets imported into them, with the rules of changing a revision. An
 * entitled data set has none here: its revisions are the provider's (entitled-view.ts). Where the assets are kept,
 * in memory or in a published revision's saved part, is revision-assets.ts's.
 */

export interface ImportedAsset {
  readonly id: string;
  readonly name: string;
  readonly size: number;
}

export class Revisions {
  private readonly revisions = new Records<RevisionRecord>('REVISION');
  /** Each oldest first, append-only: ListDataSetRevisions pages it newest first by position. */
  private readonly revisionsByDataSet = new Map<string, RevisionRecord[]>();
  private readonly assets: RevisionAssets;

  constructor(
    private readonly arn: Arns,
    /** Where a published revision's assets are read back from once released; without it they stay in memory. */
    readSaved?: SavedAssetReader,
  ) {
    this.assets = new RevisionAssets(readSaved);
  }

  addRevision(record: RevisionRecord): RevisionRecord {
    append(this.revisionsByDataSet, record.DataSetId, record);
    return this.revisions.add(record);
  }

  addAsset(record: AssetRecord): void {
    this.assets.add(record);
  }

  revisionRecords(): readonly RevisionRecord[] {
    return this.revisions.all();
  }

  /** Every revision's assets, by revision, each in ASSET_ORDER. */
  assetRecords(): AssetRecord[] {
    return this.revisions.all().flatMap((revision) => this.assetsOf(revision.Id));
  }

  /**
   * Drops a revision's assets from memory, to be read back from its part when asked for: the caller knows the revision
   * is published and a save has committed the part as it is now.
   */
  release(revisionId: string): void {
    this.assets.release(revisionId);
  }

  /** How many assets the account holds in memory. */
  assetsInMemory(): number {
    return this.assets.inMemory();
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
    this.assets.forget(record.Id);
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
    this.assets.delete(revision.Id, asset.Id);
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
    return this.assets.of(revisionId);
  }

  /** An asset of the revision; one of another revision is not found, as in ADX. */
  asset(revisionId: string, assetId: string): AssetRecord {
    const record = this.assets.asset(revisionId, assetId);
    if (record === undefined) throw notFound('ASSET', assetId);
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
