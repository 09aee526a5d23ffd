import type { TaskName } from '../tasks/registry';

/** Every state's name: the definition, the sandbox's progress lines and the tests all read them from here. */
export const STATE = {
  planRevision: 'PlanRevision',
  createRevision: 'CreateRevision',
  isAlreadyPublished: 'IsAlreadyPublished',
  importBatches: 'ImportBatches',
  uploadBatch: 'UploadBatch',
  startImport: 'StartImport',
  isImportDone: 'IsImportDone',
  waitForImport: 'WaitForImport',
  checkImport: 'CheckImport',
  batchImported: 'BatchImported',
  unexpectedImportState: 'UnexpectedImportState',
  finalizeRevision: 'FinalizeRevision',
  hasMoreParts: 'HasMoreParts',
  startNextPart: 'StartNextPart',
  continuedInNextExecution: 'ContinuedInNextExecution',
  hasSubscribers: 'HasSubscribers',
  noSubscribers: 'NoSubscribers',
  shareWithSubscribers: 'ShareWithSubscribers',
  notifySuccess: 'NotifySuccess',
  published: 'Published',
  describeLostNotification: 'DescribeLostNotification',
  notificationFailed: 'NotificationFailed',
  notifyFailure: 'NotifyFailure',
  publishFailed: 'PublishFailed',
} as const;

export type StateName = (typeof STATE)[keyof typeof STATE];

/** The task each Lambda state invokes. */
export const TASK_OF_STATE = {
  [STATE.planRevision]: 'plan-revision',
  [STATE.createRevision]: 'create-revision',
  [STATE.uploadBatch]: 'upload-batch',
  [STATE.startImport]: 'start-import',
  [STATE.checkImport]: 'check-import',
  [STATE.finalizeRevision]: 'finalize-revision',
  [STATE.shareWithSubscribers]: 'share-with-subscribers',
  [STATE.notifySuccess]: 'notify',
  [STATE.notifyFailure]: 'notify',
} as const satisfies Partial<Record<StateName, TaskName>>;
