import type { AssetSource, ImportJobRecord, JobRecord } from '../model';

/*
 * Where a published revision's import jobs keep their sources (up to 100 a job, most of what an account's jobs
 * hold): once a save has committed the revision's part, in that part only, read back when a GetJob, a ListJobs page
 * or a save asks for them (the last few revisions read are kept). Memory then grows with the jobs of revisions in
 * use, not with every import ever run. A job's sources never change after CreateJob, so the part's are the job's.
 */

/** The jobs a published revision's committed part holds, the imports among them with their sources. */
export type SavedJobReader = (revisionId: string) => readonly { readonly record: JobRecord }[];

/** How many revisions' read-back sources are kept: a ListJobs page of a data set's newest jobs reads one or two. */
const READ_BACK_KEPT = 4;

export class ReleasedSources {
  /** Each read-back revision's import sources by job id, least recently read first. */
  private readonly readBack = new Map<string, Map<string, AssetSource[]>>();

  constructor(private readonly readSaved: SavedJobReader) {}

  /**
   * Drops the job's sources from memory: the caller knows its revision's committed part holds the job.
   * The record keeps a property of the same name, read back on access, so that every reader (the routes' JSON, a
   * save, a snapshot, a clone) sees the sources without knowing where they are kept.
   */
  release(job: ImportJobRecord): void {
    const { RevisionId } = job.Details.ImportAssetsFromS3;
    Object.defineProperty(job.Details.ImportAssetsFromS3, 'AssetSources', {
      enumerable: true,
      configurable: true,
      get: () => this.sourcesOf(RevisionId, job.Id),
    });
  }

  private sourcesOf(revisionId: string, jobId: string): AssetSource[] {
    const sources = this.readBack.get(revisionId) ?? this.read(revisionId);
    // Most recently read last: the first is the one to drop.
    this.readBack.delete(revisionId);
    this.readBack.set(revisionId, sources);
    if (this.readBack.size > READ_BACK_KEPT) this.readBack.delete(this.readBack.keys().next().value as string);
    const found = sources.get(jobId);
    if (found === undefined) throw new Error(`The saved part of revision ${revisionId} holds no sources of job ${jobId}, which were released to it.`);
    return found;
  }

  private read(revisionId: string): Map<string, AssetSource[]> {
    const sources = new Map<string, AssetSource[]>();
    for (const { record } of this.readSaved(revisionId)) {
      if (record.Type === 'IMPORT_ASSETS_FROM_S3') sources.set(record.Id, record.Details.ImportAssetsFromS3.AssetSources);
    }
    return sources;
  }
}

/** How many sources the job holds in memory: none once released (its sources are then read back on access). */
export function sourcesInMemory(job: JobRecord): number {
  if (job.Type !== 'IMPORT_ASSETS_FROM_S3') return 0;
  const held = Object.getOwnPropertyDescriptor(job.Details.ImportAssetsFromS3, 'AssetSources')?.value as AssetSource[] | undefined;
  return held?.length ?? 0;
}
