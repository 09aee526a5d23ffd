import * as z from 'zod';
import { InputValidationError } from './errors';
import { SubscriberAccountIds, splitAccountList } from './schemas/fields';
import { describeIssues } from './validation';

/** Environment variable names the tasks read. Infra imports these to set them, so the two cannot drift. */
export const ENV_KEYS = {
  /** Which registry task a function runs: lets tools map a deployed function, or a template's, back to its task. */
  task: 'DX_FLOW_TASK',
  notifyTopicArn: 'NOTIFY_TOPIC_ARN',
  defaultSubscriberAccountIds: 'DEFAULT_SUBSCRIBER_ACCOUNT_IDS',
  grantEndsAt: 'GRANT_ENDS_AT',
  importPollInitialSeconds: 'IMPORT_POLL_INITIAL_SECONDS',
  importPollMaxSeconds: 'IMPORT_POLL_MAX_SECONDS',
  importPollMaxAttempts: 'IMPORT_POLL_MAX_ATTEMPTS',
} as const;

const positiveInt = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

export const PlanRevisionEnv = z.object({
  [ENV_KEYS.defaultSubscriberAccountIds]: z
    .string()
    .default('')
    .transform(splitAccountList)
    .pipe(SubscriberAccountIds),
});

/** The import poll: first wait, cap of the exponential backoff, and the bound of the loop. */
export const ImportPollEnv = z.object({
  // The first poll comes when an import is likely done: the single-asset job in AWS's own job example took 36 s,
  // and the sandbox's 100-asset jobs take 5 to 40 scaled seconds. Each poll sooner costs 3 transitions and buys
  // at most a minute of a batch's latency; a longer import is polled every minute.
  [ENV_KEYS.importPollInitialSeconds]: positiveInt(60),
  [ENV_KEYS.importPollMaxSeconds]: positiveInt(60),
  // A poll a minute: 120 polls bound one batch's import to two hours.
  [ENV_KEYS.importPollMaxAttempts]: positiveInt(120),
});

export const ShareWithSubscribersEnv = z.object({
  [ENV_KEYS.grantEndsAt]: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
});

export const NotifyEnv = z.object({
  [ENV_KEYS.notifyTopicArn]: z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$/, 'must be an SNS topic ARN'),
});

export const NoEnv = z.object({});

/** Reads a task's configuration once; a wrong value names the variable instead of failing later. */
export function readEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new InputValidationError(`Invalid task configuration: ${describeIssues(result.error)}`, { cause: result.error });
}
