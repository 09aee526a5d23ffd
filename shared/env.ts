import * as z from 'zod';
import { InputValidationError } from './errors';
import { ConfiguredDataSets } from './schemas/data-sets';
import { BucketName } from './schemas/fields';
import { describeIssues, parseJsonText } from './validation';

/** Environment variable names the tasks read. Infra imports these to set them, so the two cannot drift. */
export const ENV_KEYS = {
  /** Which registry task a function runs: lets tools map a deployed function, or a template's, back to its task. */
  task: 'DX_FLOW_TASK',
  notifyTopicArn: 'NOTIFY_TOPIC_ARN',
  /** The bucket of the status-change notifier's records, one per notified attempt (see NOTIFICATION_RECORD_PREFIX). */
  notificationRecordBucket: 'NOTIFICATION_RECORD_BUCKET',
  /** `true`: tell the data set's subscribers (SendDataSetNotification) of each publish and each late scheduled run. */
  notifySubscribers: 'NOTIFY_SUBSCRIBERS',
  /** The stack's data sets, as JSON (ConfiguredDataSets): names, ids, default subscribers and grant ends. */
  dataSets: 'DATA_SETS',
  importPollInitialSeconds: 'IMPORT_POLL_INITIAL_SECONDS',
  importPollMaxSeconds: 'IMPORT_POLL_MAX_SECONDS',
  importPollGrowthPercent: 'IMPORT_POLL_GROWTH_PERCENT',
  importPollMaxAttempts: 'IMPORT_POLL_MAX_ATTEMPTS',
  importPollLearnFromJobs: 'IMPORT_POLL_LEARN_FROM_JOBS',
} as const;

const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

/** Unset: no configured data sets, so every run must name its data set's id (as tests of a task alone do). */
const DataSetsJson = z
  .string()
  .transform(parseJsonText('must be a JSON list of data sets'))
  .pipe(ConfiguredDataSets)
  .optional()
  .transform((dataSets) => dataSets ?? []);

export const PlanRevisionEnv = z.object({ [ENV_KEYS.dataSets]: DataSetsJson });

/** The import poll: first wait, cap, growth and the bound of the loop (shared/import-poll.ts). */
export const ImportPollEnv = z.object({
  // The first poll comes when a job is first likely done: the one-asset job of AWS's own job example took 36 s,
  // and 40 s leaves it a tenth to spare. Each later wait is 20% of the time waited so far (polls at 40, 48, 58, 70 s...),
  // so a longer job is noticed at most a fifth of its duration late for a poll per 20% of it: a 5-minute job
  // takes 12 polls where fixed 10 s polling takes 30. The cap keeps a very long job's lateness under a minute.
  // docs/performance.md ("Time to publish on AWS's clock") has the figures behind each number.
  [ENV_KEYS.importPollInitialSeconds]: positiveInt(40),
  [ENV_KEYS.importPollMaxSeconds]: positiveInt(60),
  [ENV_KEYS.importPollGrowthPercent]: positiveInt(20),
  // 126 polls wait 7,148 s in all: they bound one batch's import to two hours.
  [ENV_KEYS.importPollMaxAttempts]: positiveInt(126),
  // The first wait is learned from the data set's latest completed imports (a percentile): 10 of them, so that
  // one slow job does not set it alone. 0 turns learning off: IMPORT_POLL_INITIAL_SECONDS is always the first wait.
  [ENV_KEYS.importPollLearnFromJobs]: z.coerce.number().int().min(0).default(10),
});

/** Each data set's grant end is in its entry of DATA_SETS. */
export const ShareWithSubscribersEnv = z.object({ [ENV_KEYS.dataSets]: DataSetsJson });

export const NotifyEnv = z.object({
  [ENV_KEYS.notifyTopicArn]: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/, 'must be an SNS topic ARN'),
});

/** Infra sets the flag only when it is on; `false` and absent both mean off. */
const NotifySubscribersFlag = z.stringbool({ error: 'must be true or false' }).default(false);

/**
 * NotifySuccess: the topic, and with subscriber notices on, the bucket where it records the DATA_UPDATE notices it
 * sent (one per run), which it cannot do without.
 */
export const NotifySuccessEnv = NotifyEnv.extend({
  [ENV_KEYS.notifySubscribers]: NotifySubscribersFlag,
  [ENV_KEYS.notificationRecordBucket]: BucketName.optional(),
}).refine((env) => !env[ENV_KEYS.notifySubscribers] || env[ENV_KEYS.notificationRecordBucket] !== undefined, {
  path: [ENV_KEYS.notificationRecordBucket],
  error: `is required when ${ENV_KEYS.notifySubscribers} is true, to record each notice sent`,
});

/** The status-change notifier: the topic it announces on, the bucket where it records what it announced, and the flag. */
export const StatusChangeEnv = NotifyEnv.extend({
  [ENV_KEYS.notificationRecordBucket]: BucketName,
  [ENV_KEYS.notifySubscribers]: NotifySubscribersFlag,
});

export const NoEnv = z.object({});

/** Reads a task's configuration once; a wrong value names the variable instead of failing later. */
export function readEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new InputValidationError(`Invalid task configuration: ${describeIssues(result.error)}`, { cause: result.error });
}
