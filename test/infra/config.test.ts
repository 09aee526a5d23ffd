import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from '../../infra/config';
import { DATA_SET_ID } from '../fixtures/ids';
import { ALARM_TOPIC_ARN, TOPIC_KEY_ARN } from './fixtures';

const context = (values: Record<string, unknown>) => (key: string) => values[key];
const noContext = context({});

describe('loadConfig', () => {
  it('falls back to the defaults with no context and no environment', () => {
    expect(loadConfig(noContext, {})).toEqual({
      environment: 'dev',
      snsTopicArn: undefined,
      snsTopicKmsKeyArn: undefined,
      alarmTopicArn: undefined,
      tierSourcesAfterDays: undefined,
      notifySubscribers: false,
      dataSets: [
        { name: 'default', datasetId: undefined, schedule: 'rate(1 day)', scheduledSource: undefined, subscriberAccountIds: [], grantEndsAt: undefined },
      ],
    });
  });

  it('reads every key from context', () => {
    const config = loadConfig(
      context({
        subscriberAccountId: '111111111111, 222222222222',
        environment: 'prod',
        snsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
        snsTopicKmsKeyArn: TOPIC_KEY_ARN,
        alarmTopicArn: ALARM_TOPIC_ARN,
        datasetId: DATA_SET_ID,
        schedule: 'cron(0 6 * * ? *)',
        scheduledSource: { type: 's3Prefix', prefix: 'incoming/{yyyy}/{mm}/{dd}/' },
        grantEndsAt: '2027-01-31',
        tierSourcesAfterDays: 365,
        notifySubscribers: true,
      }),
      {},
    );
    expect(config).toEqual({
      environment: 'prod',
      snsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      snsTopicKmsKeyArn: TOPIC_KEY_ARN,
      alarmTopicArn: ALARM_TOPIC_ARN,
      tierSourcesAfterDays: 365,
      notifySubscribers: true,
      dataSets: [
        {
          name: 'default',
          datasetId: DATA_SET_ID,
          schedule: 'cron(0 6 * * ? *)',
          scheduledSource: { type: 's3Prefix', prefix: 'incoming/{yyyy}/{mm}/{dd}/' },
          subscriberAccountIds: ['111111111111', '222222222222'],
          grantEndsAt: '2027-01-31',
        },
      ],
    });
  });

  it('reads the DX_FLOW_* environment variables when context is silent', () => {
    const config = loadConfig(noContext, {
      DX_FLOW_SUBSCRIBER_ACCOUNT_ID: '333333333333',
      DX_FLOW_ENVIRONMENT: 'staging',
      DX_FLOW_SNS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:ops',
      DX_FLOW_DATASET_ID: DATA_SET_ID,
      DX_FLOW_SCHEDULE: 'rate(6 hours)',
      DX_FLOW_SCHEDULED_SOURCE: '{"type":"generator","name":"hello-readings"}',
      DX_FLOW_GRANT_ENDS_AT: '2027-06-30T00:00:00Z',
      DX_FLOW_SNS_TOPIC_KMS_KEY_ARN: TOPIC_KEY_ARN,
      DX_FLOW_ALARM_TOPIC_ARN: ALARM_TOPIC_ARN,
      DX_FLOW_TIER_SOURCES_AFTER_DAYS: '120',
      DX_FLOW_NOTIFY_SUBSCRIBERS: 'true',
    });
    expect(config).toEqual({
      environment: 'staging',
      snsTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops',
      snsTopicKmsKeyArn: TOPIC_KEY_ARN,
      alarmTopicArn: ALARM_TOPIC_ARN,
      tierSourcesAfterDays: 120,
      notifySubscribers: true,
      dataSets: [
        {
          name: 'default',
          datasetId: DATA_SET_ID,
          schedule: 'rate(6 hours)',
          scheduledSource: { type: 'generator', name: 'hello-readings' },
          subscriberAccountIds: ['333333333333'],
          grantEndsAt: '2027-06-30T00:00:00Z',
        },
      ],
    });
  });

  it('lets context beat the environment', () => {
    const config = loadConfig(context({ environment: 'test', subscriberAccountId: '111111111111' }), {
      DX_FLOW_ENVIRONMENT: 'prod',
      DX_FLOW_SUBSCRIBER_ACCOUNT_ID: '222222222222',
    });
    expect(config.environment).toBe('test');
    expect(config.dataSets[0].subscriberAccountIds).toEqual(['111111111111']);
  });

  it('reads notifySubscribers as -c gives it, a string, and turns it off with "false"', () => {
    expect(loadConfig(context({ notifySubscribers: 'true' }), {}).notifySubscribers).toBe(true);
    expect(loadConfig(context({ notifySubscribers: 'false' }), { DX_FLOW_NOTIFY_SUBSCRIBERS: 'true' }).notifySubscribers).toBe(false);
  });

  it("accepts the original recipe's snake_case keys", () => {
    const config = loadConfig(
      context({ subscriber_account_id: '444444444444', sns_topic_arn: 'arn:aws:sns:us-east-1:123456789012:recipe' }),
      {},
    );
    expect(config.dataSets[0].subscriberAccountIds).toEqual(['444444444444']);
    expect(config.snsTopicArn).toBe('arn:aws:sns:us-east-1:123456789012:recipe');
  });

  it('prefers the camelCase key over its alias', () => {
    const config = loadConfig(context({ subscriberAccountId: '111111111111', subscriber_account_id: '222222222222' }), {});
    expect(config.dataSets[0].subscriberAccountIds).toEqual(['111111111111']);
  });

  it('treats an empty environment variable as unset', () => {
    expect(loadConfig(noContext, { DX_FLOW_ENVIRONMENT: '', DX_FLOW_DATASET_ID: ' ' })).toMatchObject({
      environment: 'dev',
      dataSets: [{ datasetId: undefined }],
    });
  });

  it.each([
    [{ subscriberAccountId: '12345' }, 'Invalid context "subscriberAccountId": [0]: must be a 12-digit AWS account id'],
    [{ subscriberAccountId: '111111111111,111111111111' }, 'Invalid context "subscriberAccountId": [1]: repeats account 111111111111'],
    [{ subscriber_account_id: 'abc' }, 'Invalid context "subscriber_account_id"'],
    [{ environment: 'Prod!' }, 'Invalid context "environment"'],
    [{ snsTopicArn: 'my-topic' }, 'Invalid context "snsTopicArn": the input: must be an SNS topic ARN'],
    [{ datasetId: 'short' }, 'Invalid context "datasetId"'],
    [{ schedule: 'every day' }, 'Invalid context "schedule"'],
    [{ schedule: 'rate(0 days)' }, 'Invalid context "schedule"'],
    [{ grantEndsAt: 'next year' }, 'Invalid context "grantEndsAt"'],
    [{ alarmTopicArn: 'ops' }, 'Invalid context "alarmTopicArn": the input: must be an SNS topic ARN'],
    [
      { snsTopicArn: 'arn:aws:sns:us-east-1:123456789012:t', snsTopicKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:alias/sns' },
      'Invalid context "snsTopicKmsKeyArn": the input: must be a KMS key ARN',
    ],
    [{ snsTopicKmsKeyArn: TOPIC_KEY_ARN }, 'Invalid context "snsTopicKmsKeyArn" (or DX_FLOW_SNS_TOPIC_KMS_KEY_ARN): it names the key of an existing topic'],
    [{ tierSourcesAfterDays: '90 days' }, 'Invalid context "tierSourcesAfterDays": the input: must be a whole number of days'],
    [{ tierSourcesAfterDays: 0 }, 'Invalid context "tierSourcesAfterDays": the input: must be at least 1 day'],
    [{ tierSourcesAfterDays: 1.5 }, 'Invalid context "tierSourcesAfterDays": the input: must be a whole number of days'],
    [{ notifySubscribers: 'yes please' }, 'Invalid context "notifySubscribers": the input: must be true or false'],
    [{ scheduledSource: '{"type":"s3Prefix"' }, 'Invalid context "scheduledSource": the input: must be JSON'],
    [{ scheduledSource: { type: 'generator', name: 'My Generator' } }, 'Invalid context "scheduledSource": name: must be the name of a module in generators/'],
    [{ dataSets: { Weather: {} } }, 'Invalid context "dataSets": Weather: the name must be a lowercase name'],
    [{ dataSets: {} }, 'Invalid context "dataSets": the input: must name at least one data set'],
    [{ dataSets: { weather: { schedule: 'daily' } } }, 'Invalid context "dataSets": weather.schedule: must be an EventBridge schedule expression'],
    [{ dataSets: { weather: { scheduledSource: { type: 's3Prefix', prefix: '/abs' } } } }, 'Invalid context "dataSets": weather.scheduledSource.prefix: must not begin with "/"'],
    [{ dataSets: { weather: { subscriberAccountIds: '1234' } } }, 'Invalid context "dataSets": weather.subscriberAccountIds[0]: must be a 12-digit AWS account id'],
    [{ dataSets: { weather: { dataset: DATA_SET_ID } } }, 'Invalid context "dataSets": unknown key in weather: "dataset"'],
    [{ dataSets: { weather: {} }, schedule: 'rate(1 hour)' }, 'Invalid context "schedule": the data sets are listed by "dataSets", so give "schedule" in each data set\'s entry there'],
    [{ dataSets: { weather: {} }, configFile: 'dx-flow.json' }, '"dataSets" and "configFile" both list data sets; give one of them'],
    [{ configFile: '/nonexistent/dx-flow.json' }, 'Invalid context "configFile": cannot read /nonexistent/dx-flow.json (ENOENT)'],
  ])('fails on a bad value, naming the key: %p', (values, message) => {
    expect(() => loadConfig(context(values), {})).toThrow(message);
  });

  it('names both the variable and the context key when the environment is wrong', () => {
    expect(() => loadConfig(noContext, { DX_FLOW_SCHEDULE: 'daily' })).toThrow(
      'Invalid environment variable DX_FLOW_SCHEDULE (context "schedule")',
    );
  });
});

describe('loadConfig with several data sets', () => {
  const listed = {
    weather: { scheduledSource: { type: 'generator', name: 'hello-readings' }, subscriberAccountIds: '111111111111' },
    prices: { datasetId: DATA_SET_ID, schedule: 'cron(0 6 * * ? *)', scheduledSource: { type: 's3Prefix', prefix: 'incoming/{yyyy}/{mm}/{dd}/', offset: '1 day' } },
    archive: { schedule: false, grantEndsAt: '2027-12-31' },
  };
  const expected = [
    { name: 'weather', schedule: 'rate(1 day)', scheduledSource: { type: 'generator', name: 'hello-readings' }, subscriberAccountIds: ['111111111111'] },
    {
      name: 'prices',
      datasetId: DATA_SET_ID,
      schedule: 'cron(0 6 * * ? *)',
      scheduledSource: { type: 's3Prefix', prefix: 'incoming/{yyyy}/{mm}/{dd}/', offset: '1 day' },
      subscriberAccountIds: [],
    },
    { name: 'archive', schedule: false, subscriberAccountIds: [], grantEndsAt: '2027-12-31' },
  ];

  it('lists them in order, the first the default, from a context object (cdk.json)', () => {
    expect(loadConfig(context({ dataSets: listed }), {}).dataSets).toEqual(expected);
  });

  it('reads the JSON string `-c dataSets=...` gives, and the environment variable', () => {
    expect(loadConfig(context({ dataSets: JSON.stringify(listed) }), {}).dataSets).toEqual(expected);
    expect(loadConfig(noContext, { DX_FLOW_DATA_SETS: JSON.stringify(listed) }).dataSets).toEqual(expected);
  });

  it('reads a config file that configFile names', () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'dx-flow-config-'));
    const file = path.join(directory, 'dx-flow.json');
    writeFileSync(file, JSON.stringify({ dataSets: listed }));
    expect(loadConfig(context({ configFile: file }), {}).dataSets).toEqual(expected);
    expect(loadConfig(noContext, { DX_FLOW_CONFIG_FILE: file }).dataSets).toEqual(expected);
  });

  it('names the file, the data set and the key of a bad config file', () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'dx-flow-config-'));
    const file = path.join(directory, 'dx-flow.json');
    writeFileSync(file, JSON.stringify({ dataSets: { weather: { schedule: 'hourly' } } }));
    expect(() => loadConfig(context({ configFile: file }), {})).toThrow(`Invalid config file ${file}: dataSets.weather.schedule: must be an EventBridge schedule expression`);
  });

  it('takes schedule "none" in the single-data-set form as no schedule', () => {
    expect(loadConfig(context({ schedule: 'none' }), {}).dataSets[0].schedule).toBe(false);
  });
});
