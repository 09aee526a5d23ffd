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

  assetsOf(revisionId: string): readonly AssetRecord[] {
    return this.assetsByRevision.get(revisionId) ?? [];
  }

  /** An asset of the revision; one of another revision is not found, as in ADX. */
  asset(revisionId: string, assetId: string): AssetRecord {
    const record = this.assets.find(assetId);
    if (record === undefined || record.RevisionId !== revisionId) throw notFound('ASSET', assetId);
    return record;
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
