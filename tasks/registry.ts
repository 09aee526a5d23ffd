import * as path from 'node:path';

/**
 * Every Lambda task. Infra builds one function per entry and the local sandbox runs the same handler modules,
 * so this list is the one place a task is declared.
 */
export const TASKS = {
  'plan-revision': { description: 'Validates the run input, plans the run and writes its plan to S3', memoryMb: 512, timeoutSeconds: 300 },
  'create-revision': { description: 'Creates or reuses the revision tagged with the runId', memoryMb: 256, timeoutSeconds: 60 },
  'upload-batch': { description: 'Streams one batch of generated assets into S3, or checks existing ones', memoryMb: 1024, timeoutSeconds: 900 },
  'start-import': { description: 'Starts the import job for one batch, skipping assets already imported', memoryMb: 256, timeoutSeconds: 60 },
  'check-import': { description: 'Polls one import job and sets the next wait', memoryMb: 256, timeoutSeconds: 60 },
  'finalize-revision': { description: 'Finalizes the revision once every asset is in', memoryMb: 256, timeoutSeconds: 60 },
  'share-with-subscribers': { description: 'Ensures one data grant per subscriber account', memoryMb: 256, timeoutSeconds: 60 },
  notify: { description: 'Publishes the one notification of a run', memoryMb: 256, timeoutSeconds: 30 },
  'handle-exchange-event': { description: 'Logs and announces Data Exchange events', memoryMb: 256, timeoutSeconds: 30 },
  'handle-status-change': { description: 'Notifies each failed, timed-out or aborted run, once per attempt', memoryMb: 256, timeoutSeconds: 60 },
  'handle-export-event': { description: "Logs and announces the subscriber's auto-exports and the provider's revocations and notices", memoryMb: 256, timeoutSeconds: 30 },
} as const;

export type TaskName = keyof typeof TASKS;
export type TaskSpec = (typeof TASKS)[TaskName];

export const TASK_NAMES = Object.keys(TASKS) as TaskName[];

/** The tasks the subscriber's stack deploys; the provider's stack deploys every other one. */
export const SUBSCRIBER_TASK_NAMES = ['handle-export-event'] as const satisfies readonly TaskName[];
export type SubscriberTaskName = (typeof SUBSCRIBER_TASK_NAMES)[number];
export type ProviderTaskName = Exclude<TaskName, SubscriberTaskName>;
export const PROVIDER_TASK_NAMES = TASK_NAMES.filter(
  (task): task is ProviderTaskName => !(SUBSCRIBER_TASK_NAMES as readonly TaskName[]).includes(task),
);

/** The handler module of a task: what esbuild bundles for AWS and what the sandbox loads. */
export function taskEntry(task: TaskName): string {
  return path.join(__dirname, task, 'handler.ts');
}
