import { STATE, type StateName } from '../shared/state-names';
import type { TaskName } from '../tasks/registry';

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
} as const satisfies Partial<Record<StateName, TaskName>>;
