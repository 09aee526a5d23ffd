import * as z from 'zod';
import { DataSetId, SubscriberAccountIds, splitAccountList } from '../shared/schemas/fields';
import { describeIssues } from '../shared/validation';
import { ConfigurationError } from './configuration-error';

/** Reads one CDK context key, as `node.tryGetContext` does. */
export type ContextReader = (key: string) => unknown;

const ENVIRONMENT_NAME = /^[a-z][a-z0-9-]{0,31}$/;
/** EventBridge schedule expressions: `rate(1 day)`, `rate(5 minutes)` or a six-field `cron(...)`. */
const SCHEDULE_EXPRESSION = /^(rate\(\s*[1-9]\d*\s+(minute|minutes|hour|hours|day|days)\s*\)|cron\(\s*(\S+\s+){5}\S+\s*\))$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
/** A key ARN, single- or multi-Region. Not an alias: an IAM statement on an alias ARN does not cover the key's use. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

const SnsTopicArn = z.string().regex(SNS_TOPIC_ARN, 'must be an SNS topic ARN').optional();

/** A count of days from context (`-c key=180` gives a string, cdk.json a number) or the environment (a string). */
const WholeDays = z
  .union([z.int(), z.string().trim().regex(/^\d+$/).transform(Number)], { error: 'must be a whole number of days' })
  .pipe(z.number().min(1, 'must be at least 1 day'));

/**
 * Each setting: its context key, the original recipe's snake_case alias, the environment variable that
 * stands in when neither is given, and the schema its value must pass. Context always beats the environment.
 */
const SETTINGS = {
  subscriberAccountIds: {
    context: 'subscriberAccountId',
    alias: 'subscriber_account_id',
    env: 'DX_FLOW_SUBSCRIBER_ACCOUNT_ID',
    schema: z
      .union([z.string(), z.array(z.string())])
      .optional()
      .transform((value) => (value === undefined ? [] : typeof value === 'string' ? splitAccountList(value) : value))
      .pipe(SubscriberAccountIds),
  },
  environment: {
    context: 'environment',
    env: 'DX_FLOW_ENVIRONMENT',
    schema: z
      .string()
      .regex(ENVIRONMENT_NAME, 'must be dev, test, staging, prod or a lowercase name of at most 32 letters, digits and "-"')
      .default('dev'),
  },
  snsTopicArn: {
    context: 'snsTopicArn',
    alias: 'sns_topic_arn',
    env: 'DX_FLOW_SNS_TOPIC_ARN',
    schema: SnsTopicArn,
  },
  snsTopicKmsKeyArn: {
    context: 'snsTopicKmsKeyArn',
    env: 'DX_FLOW_SNS_TOPIC_KMS_KEY_ARN',
    schema: z
      .string()
      .regex(KMS_KEY_ARN, 'must be a KMS key ARN, arn:aws:kms:<region>:<account>:key/<key id> (not an alias)')
      .optional(),
  },
  alarmTopicArn: {
    context: 'alarmTopicArn',
    env: 'DX_FLOW_ALARM_TOPIC_ARN',
    schema: SnsTopicArn,
  },
  datasetId: {
    context: 'datasetId',
    env: 'DX_FLOW_DATASET_ID',
    schema: DataSetId.optional(),
  },
  schedule: {
    context: 'schedule',
    env: 'DX_FLOW_SCHEDULE',
    schema: z
      .string()
      .trim()
      .regex(SCHEDULE_EXPRESSION, 'must be an EventBridge schedule expression such as "rate(1 day)" or "cron(0 6 * * ? *)"')
      .default('rate(1 day)'),
  },
  grantEndsAt: {
    context: 'grantEndsAt',
    env: 'DX_FLOW_GRANT_ENDS_AT',
    schema: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
  },
  tierSourcesAfterDays: {
    context: 'tierSourcesAfterDays',
    env: 'DX_FLOW_TIER_SOURCES_AFTER_DAYS',
    schema: WholeDays.optional(),
  },
  notifySubscribers: {
    context: 'notifySubscribers',
    env: 'DX_FLOW_NOTIFY_SUBSCRIBERS',
    // `-c notifySubscribers=true` and the environment give a string, cdk.json a boolean.
    schema: z.union([z.boolean(), z.stringbool()], { error: 'must be true or false' }).default(false),
  },
} as const satisfies Record<string, { context: string; alias?: string; env: string; schema: z.ZodType }>;

type Settings = typeof SETTINGS;

export type DataExchangeConfig = { readonly [K in keyof Settings]: z.output<Settings[K]['schema']> };

/** An empty string in the environment means "not set", as shells make unsetting awkward. */
function fromEnv(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const value = env[key];
  return value === undefined || value.trim() === '' ? undefined : value;
}

function readSetting<K extends keyof Settings>(name: K, getContext: ContextReader, env: NodeJS.ProcessEnv): DataExchangeConfig[K] {
  const setting: Settings[K] = SETTINGS[name];
  const alias = 'alias' in setting ? setting.alias : undefined;
  const candidates: [string, unknown][] = [
    [setting.context, getContext(setting.context)],
    ...(alias === undefined ? [] : ([[alias, getContext(alias)]] as [string, unknown][])),
    [setting.env, fromEnv(env, setting.env)],
  ];
  const [source, raw] = candidates.find(([, value]) => value !== undefined) ?? [setting.context, undefined];
  const result = (setting.schema as z.ZodType).safeParse(raw);
  if (result.success) return result.data as DataExchangeConfig[K];
  const origin = source === setting.env ? `environment variable ${source} (context "${setting.context}")` : `context "${source}"`;
  throw new ConfigurationError(`Invalid ${origin}: ${describeIssues(result.error)}`, { cause: result.error });
}

/**
 * The stack's settings: CDK context first (`-c key=value` or cdk.json), then DX_FLOW_* environment variables,
 * then defaults. Fails synth with a message naming the bad key.
 */
export function loadConfig(getContext: ContextReader, env: NodeJS.ProcessEnv): DataExchangeConfig {
  const config: DataExchangeConfig = {
    subscriberAccountIds: readSetting('subscriberAccountIds', getContext, env),
    environment: readSetting('environment', getContext, env),
    snsTopicArn: readSetting('snsTopicArn', getContext, env),
    snsTopicKmsKeyArn: readSetting('snsTopicKmsKeyArn', getContext, env),
    alarmTopicArn: readSetting('alarmTopicArn', getContext, env),
    datasetId: readSetting('datasetId', getContext, env),
    schedule: readSetting('schedule', getContext, env),
    grantEndsAt: readSetting('grantEndsAt', getContext, env),
    tierSourcesAfterDays: readSetting('tierSourcesAfterDays', getContext, env),
    notifySubscribers: readSetting('notifySubscribers', getContext, env),
  };
  if (config.snsTopicKmsKeyArn !== undefined && config.snsTopicArn === undefined) {
    throw new ConfigurationError(
      'Invalid context "snsTopicKmsKeyArn" (or DX_FLOW_SNS_TOPIC_KMS_KEY_ARN): it names the key of an existing topic, so "snsTopicArn" must name that topic; the topic this stack creates has a key of its own',
    );
  }
  return config;
}
