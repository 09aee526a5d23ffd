import type { AccountState } from '../../sandbox/dataexchange/store';

/*
 * What the Data Exchange store tests build on: revisions filled the way a publish fills them, through an import job,
 * without S3 or the emulator.
 */

let assetsImported = 0;

/** An open revision of `dataSetId` holding one import job's assets, named `names`, each with a fresh id. */
export function importedRevision(account: AccountState, dataSetId: string, names: string[], comment?: string) {
  const revision = account.createRevision(dataSetId, { Comment: comment, Tags: { stage: 'test' } });
  const job = account.createImportJob({ DataSetId: dataSetId, RevisionId: revision.Id, AssetSources: names.map((Key) => ({ Bucket: 'source', Key })) });
  account.startJob(job.Id, () => undefined);
  account.completeImport(
    job,
    names.map((name) => {
      assetsImported += 1;
      return { id: assetsImported.toString(16).padStart(32, '0'), name, size: name.length };
    }),
  );
  return revision;
}
