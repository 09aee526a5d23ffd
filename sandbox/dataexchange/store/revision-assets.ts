import type { AssetRecord } from '../model';
import { firstAfter } from '../pagination';

/*
 * Where each revision's assets are kept. While a revision may change they are in memory; once it is published and a
 * save has committed its part, the owner releases them, and they are read back from that part when asked for (the
 * last few read are kept). Assets are nine tenths of an account's state: memory then grows with the revisions in
 * use, not with every revision ever published. Changing a released revision's assets reads them back into memory
 * first.
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

/** A released revision's assets as its committed part holds them, in ASSET_ORDER. */
export type SavedAssetReader = (revisionId: string) => readonly AssetRecord[];

/** How many released revisions' assets stay read back: a listing paged through, or an export, reads its part once. */
const READ_BACK_KEPT = 4;

/** One revision's assets, in ASSET_ORDER (which ListRevisionAssets pages through by key) and by id. */
class AssetList {
  private readonly byId: Map<string, AssetRecord>;

  /** `ordered` is in ASSET_ORDER already: as added, or as a part saved it. */
  constructor(readonly ordered: AssetRecord[]) {
    this.byId = new Map(ordered.map((asset) => [asset.Id, asset]));
  }

  find(assetId: string): AssetRecord | undefined {
    return this.byId.get(assetId);
  }

  add(record: AssetRecord): void {
    this.byId.set(record.Id, record);
    this.ordered.splice(firstAfter(this.ordered, ASSET_ORDER.keyOf(record), ASSET_ORDER), 0, record);
  }

  /** Removes an asset the list holds. */
  delete(assetId: string): void {
    this.byId.delete(assetId);
    this.ordered.splice(this.ordered.findIndex((asset) => asset.Id === assetId), 1);
  }
}

export class RevisionAssets {
  /** The revisions whose assets are in memory. */
  private readonly resident = new Map<string, AssetList>();
  /** The revisions whose assets, when not in memory, are in their committed part. */
  private readonly released = new Set<string>();
  /** Released revisions' assets read back lately, least recently read first. */
  private readonly readBack = new Map<string, AssetList>();

  /** Without a reader (a state kept in no parts), every revision's assets stay in memory. */
  constructor(private readonly readSaved: SavedAssetReader | undefined) {}

  /** The revision's assets in ASSET_ORDER; none for a revision that has none or is gone. */
  of(revisionId: string): readonly AssetRecord[] {
    return this.listOf(revisionId)?.ordered ?? [];
  }

  /** The asset, if the revision has it. */
  asset(revisionId: string, assetId: string): AssetRecord | undefined {
    return this.listOf(revisionId)?.find(assetId);
  }

  add(record: AssetRecord): void {
    this.editable(record.RevisionId).add(record);
  }

  delete(revisionId: string, assetId: string): void {
    this.editable(revisionId).delete(assetId);
  }

  /** Drops the revision's assets from memory: the caller knows its committed part holds them as they are. */
  release(revisionId: string): void {
    if (this.readSaved === undefined) return;
    this.resident.delete(revisionId);
    this.released.add(revisionId);
  }

  /** The revision is gone, and its assets with it. */
  forget(revisionId: string): void {
    this.resident.delete(revisionId);
    this.released.delete(revisionId);
    this.readBack.delete(revisionId);
  }

  /** How many assets are in memory, read back ones included: what the store's memory grows with. */
  inMemory(): number {
    let count = 0;
    for (const list of [...this.resident.values(), ...this.readBack.values()]) count += list.ordered.length;
    return count;
  }

  private listOf(revisionId: string): AssetList | undefined {
    return this.resident.get(revisionId) ?? (this.released.has(revisionId) ? this.readBackOf(revisionId) : undefined);
  }

  /** The revision's assets in memory, to change: a released revision's are read back and kept from then on. */
  private editable(revisionId: string): AssetList {
    let list = this.resident.get(revisionId);
    if (list !== undefined) return list;
    list = this.released.has(revisionId) ? this.readBackOf(revisionId) : new AssetList([]);
    this.readBack.delete(revisionId);
    this.resident.set(revisionId, list);
    return list;
  }

  private readBackOf(revisionId: string): AssetList {
    // Only a released revision is read back, and only with a reader is one released.
    const read = this.readSaved as SavedAssetReader;
    const list = this.readBack.get(revisionId) ?? new AssetList([...read(revisionId)]);
    // Most recently read last: the first is the one to drop.
    this.readBack.delete(revisionId);
    this.readBack.set(revisionId, list);
    if (this.readBack.size > READ_BACK_KEPT) this.readBack.delete(this.readBack.keys().next().value as string);
    return list;
  }
}
