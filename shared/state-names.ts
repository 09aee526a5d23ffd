/**
 * Every state's name, in the publish state machine and in the import-batch state machine it starts once per
 * batch. The definitions, the status-change notifier, the sandbox's progress lines and the tests all read
 * them from here.
 */
export const STATE = {
  // The publish state machine.
  planRevision: 'PlanRevision',
  createRevision: 'CreateRevision',
  isAlreadyPublished: 'IsAlreadyPublished',
  importBatches: 'ImportBatches',
  importBatch: 'ImportBatch',
  finalizeRevision: 'FinalizeRevision',
  hasMoreParts: 'HasMoreParts',
  startNextPart: 'StartNextPart',
  continuedInNextExecution: 'ContinuedInNextExecution',
  hasSubscribers: 'HasSubscribers',
  noSubscribers: 'NoSubscribers',
  shareWithSubscribers: 'ShareWithSubscribers',
  notifySuccess: 'NotifySuccess',
  published: 'Published',
  // The import-batch state machine: one execution per batch.
  uploadBatch: 'UploadBatch',
  startImport: 'StartImport',
  waitForImport: 'WaitForImport',
  checkImport: 'CheckImport',
  isImportDone: 'IsImportDone',
  batchImported: 'BatchImported',
  unexpectedImportState: 'UnexpectedImportState',
} as const;

export type StateName = (typeof STATE)[keyof typeof STATE];
