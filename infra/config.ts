import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { DataSetName, DEFAULT_DATA_SET_NAME } from '../shared/schemas/data-sets';
import { DataSetId, LOWERCASE_NAME, SubscriberAccountIds, splitAccountList } from '../shared/schemas/fields';
import { describeIssues, parseJsonText } from '../shared/validation';
import { ConfigurationError } from './configuration-error';
import { ScheduledSource } from './scheduled-source';

/** Reads one CDK context key, as `node.tryGetContext` does. */
export type ContextReader = (key: string) => unknown;

/** EventBridge schedule expressions: `rate(1 day)`, `rate(5 minutes)` or a six-field `cron(...)`. */
const SCHEDULE_EXPRESSION = /^(rate\(\s*[1-9]\d*\s+(minute|minutes|hour|hours|day|days)\s*\)|cron\(\s*(\S+\s+){5}\S+\s*\))$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
/** A key ARN, single- or multi-Region. Not an alias: an IAM statement on an alias ARN does not cover the key's use. */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$/;

const SnsTopicArn = z.string().regex(SNS_TOPIC_ARN, 'must be an SNS topic ARN').optional();

const Accounts = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) => (value === undefined ? [] : typeof value === 'string' ? splitAccountList(value) : value))
  .pipe(SubscriberAccountIds);

const ScheduleExpression = z
  .string()
  .trim()
  .regex(SCHEDULE_EXPRESSION, 'must be an EventBridge schedule expression such as "rate(1 day)" or "cron(0 6 * * ? *)"');

const GrantEndsAt = z.iso.datetime({ offset: true }).or(z.iso.date());

/** `-c key='{...}'` gives a string of JSON, cdk.json and a config file an object. */
const jsonOr = <T extends z.ZodType>(schema: T) =>
  z
    .unknown()
    .transform((value, ctx) => (typeof value === 'string' ? parseJsonText('must be JSON')(value, ctx) : value))
    .pipe(schema);

/** One data set of the `dataSets` setting; its name is its key there. */
const DataSetSettings = z.strictObject({
  /** @default a data set the stack creates */
  datasetId: DataSetId.optional(),
  /** `false` for none: manifests and manual runs only. */
  schedule: z.union([ScheduleExpression, z.literal(false)]).default('rate(1 day)'),
  scheduledSource: ScheduledSource.optional(),
  subscriberAccountIds: Accounts,
  grantEndsAt: GrantEndsAt.optional(),
});

/** Several data sets, by name, the default first (JSON keeps the order it was written in). */
const DataSetsSetting = z
  .record(z.string(), DataSetSettings)
  .superRefine((dataSets, ctx) => {
    const names = Object.keys(dataSets);
    if (names.length === 0) ctx.addIssue({ code: 'custom', message: 'must name at least one data set' });
    for (const name of names) {
      const problem = DataSetName.safeParse(name).error?.issues[0]?.message;
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [name], message: `the name ${problem}` });
    }
  });

/** The file `configFile` names: the settings too long for `-c`. */
const ConfigFile = z.strictObject({ dataSets: DataSetsSetting });

/** One data set's settings, whichever form gave them. */
export type DataSetConfig = z.output<typeof DataSetSettings> & { readonly name: string };

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
    schema: Accounts,
  },
  environment: {
    context: 'environment',
    env: 'DX_FLOW_ENVIRONMENT',
    schema: z
      .string()
      .regex(LOWERCASE_NAME, 'must be dev, test, staging, prod or a lowercase name of at most 32 letters, digits and "-"')
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
    schema: z.union([ScheduleExpression, z.literal('none').transform((): false => false)]).default('rate(1 day)'),
  },
  scheduledSource: {
    context: 'scheduledSource',
    env: 'DX_FLOW_SCHEDULED_SOURCE',
    schema: jsonOr(ScheduledSource.optional()),
  },
  grantEndsAt: {
    context: 'grantEndsAt',
    env: 'DX_FLOW_GRANT_ENDS_AT',
    schema: GrantEndsAt.optional(),
  },
  dataSets: {
    context: 'dataSets',
    env: 'DX_FLOW_DATA_SETS',
    schema: jsonOr(DataSetsSetting.optional()),
  },
  configFile: {
    context: 'configFile',
    env: 'DX_FLOW_CONFIG_FILE',
    schema: z.string().min(1).optional(),
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
type SettingValues = { readonly [K in keyof Settings]: z.output<Settings[K]['schema']> };

/** The settings of one data set, which `dataSets` (or a config file) gives per data set instead. */
const PER_DATA_SET = ['datasetId', 'schedule', 'scheduledSource', 'subscriberAccountIds', 'grantEndsAt'] as const;

export type DataExchangeConfig = Omit<SettingValues, (typeof PER_DATA_SET)[number] | 'dataSets' | 'configFile'> & {
  /** The data sets, the default first: one named "default" from the single-data-set keys, or the `dataSets` listed. */
  readonly dataSets: readonly DataSetConfig[];
};

/** An empty string in the environment means "not set", as shells make unsetting awkward. */
function fromEnv(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const value = env[key];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Where a setting's value comes from: the first of its context key, its alias and its environment variable that is set. */
function sourceOf(name: keyof Settings, getContext: ContextReader, env: NodeJS.ProcessEnv): [string, unknown] | undefined {
  const setting = SETTINGS[name];
  const alias = 'alias' in setting ? setting.alias : undefined;
  const candidates: [string, unknown][] = [
    [setting.context, getContext(setting.context)],
    ...(alias === undefined ? [] : ([[alias, getContext(alias)]] as [string, unknown][])),
    [setting.env, fromEnv(env, setting.env)],
  ];
  return candidates.find(([, value]) => value !== undefined);
}

const originOf = (name: keyof Settings, source: string) =>
  source === SETTINGS[name].env ? `environment variable ${source} (context "${SETTINGS[name].context}")` : `context "${source}"`;

function readSetting<K extends keyof Settings>(name: K, getContext: ContextReader, env: NodeJS.ProcessEnv): SettingValues[K] {
  const [source, raw] = sourceOf(name, getContext, env) ?? [SETTINGS[name].context, undefined];
  const result = (SETTINGS[name].schema as z.ZodType).safeParse(raw);
  if (result.success) return result.data as SettingValues[K];
  throw new ConfigurationError(`Invalid ${originOf(name, source)}: ${describeIssues(result.error)}`, { cause: result.error });
}

/** The `dataSets` of the file `configFile` names, relative to the directory `cdk` runs in. */
function readConfigFile(file: string, origin: string): z.output<typeof DataSetsSetting> {
  let text: string;
  try {
    text = readFileSync(path.resolve(file), 'utf8');
  } catch (error) {
    throw new ConfigurationError(`Invalid ${origin}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
  }
  const result = jsonOr(ConfigFile).safeParse(text);
  if (!result.success) throw new ConfigurationError(`Invalid config file ${file}: ${describeIssues(result.error)}`, { cause: result.error });
  return result.data.dataSets;
}

/**
 * The data sets: listed by `dataSets` or a config file, each with its own settings, or one named "default" from the
 * single-data-set keys. The two forms do not mix: a single-data-set key beside a list would be silently ignored.
 */
function readDataSets(getContext: ContextReader, env: NodeJS.ProcessEnv): DataSetConfig[] {
  const listed = readSetting('dataSets', getContext, env);
  const file = readSetting('configFile', getContext, env);
  const lists = [listed === undefined ? undefined : 'dataSets', file === undefined ? undefined : 'configFile'].filter((key) => key !== undefined);
  if (lists.length > 1) throw new ConfigurationError('Invalid context: "dataSets" and "configFile" both list data sets; give one of them');
  const dataSets = listed ?? (file === undefined ? undefined : readConfigFile(file, originOf('configFile', sourceOf('configFile', getContext, env)?.[0] ?? 'configFile')));
  if (dataSets === undefined) {
    return [
      {
        name: DEFAULT_DATA_SET_NAME,
        datasetId: readSetting('datasetId', getContext, env),
        schedule: readSetting('schedule', getContext, env),
        scheduledSource: readSetting('scheduledSource', getContext, env),
        subscriberAccountIds: readSetting('subscriberAccountIds', getContext, env),
        grantEndsAt: readSetting('grantEndsAt', getContext, env),
      },
    ];
  }
  for (const name of PER_DATA_SET) {
    const given = sourceOf(name, getContext, env);
    if (given !== undefined) {
      throw new ConfigurationError(`Invalid ${originOf(name, given[0])}: the data sets are listed by "${lists[0]}", so give "${name}" in each data set's entry there`);
    }
  }
  return Object.entries(dataSets).map(([name, settings]) => ({ name, ...settings }));
}

/**
 * The stack's settings: CDK context first (`-c key=value` or cdk.json), then DX_FLOW_* environment variables,
 * then defaults. Fails synth with a message naming the bad key.
 */
export function loadConfig(getContext: ContextReader, env: NodeJS.ProcessEnv): DataExchangeConfig {
  const config: DataExchangeConfig = {
    environment: readSetting('environment', getContext, env),
    snsTopicArn: readSetting('snsTopicArn', getContext, env),
    snsTopicKmsKeyArn: readSetting('snsTopicKmsKeyArn', getContext, env),
    alarmTopicArn: readSetting('alarmTopicArn', getContext, env),
    tierSourcesAfterDays: readSetting('tierSourcesAfterDays', getContext, env),
    notifySubscribers: readSetting('notifySubscribers', getContext, env),
    dataSets: readDataSets(getContext, env),
  };
  if (config.snsTopicKmsKeyArn !== undefined && config.snsTopicArn === undefined) {
    throw new ConfigurationError(
      'Invalid context "snsTopicKmsKeyArn" (or DX_FLOW_SNS_TOPIC_KMS_KEY_ARN): it names the key of an existing topic, so "snsTopicArn" must name that topic; the topic this stack creates has a key of its own',
    );
  }
  return config;
}
