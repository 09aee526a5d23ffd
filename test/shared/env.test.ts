import * as z from 'zod';
import {
  ENV_KEYS,
  ImportPollEnv,
  NoEnv,
  NotifyEnv,
  NotifySuccessEnv,
  PlanRevisionEnv,
  readEnv,
  ShareWithSubscribersEnv,
} from '../../shared/env';
import { InputValidationError } from '../../shared/errors';
import { ACCOUNT_A, DATA_SET_ID, TOPIC_ARN } from '../fixtures/ids';

const OTHER_DATA_SET_ID = '99990000999900009999000099990000';

describe('readEnv', () => {
  describe('ImportPollEnv', () => {
    it('defaults to a 40 s first wait learned from 10 jobs, waits of 20% of the time waited, a 60 s cap and 126 polls', () => {
      expect(readEnv(ImportPollEnv, {})).toEqual({
        IMPORT_POLL_INITIAL_SECONDS: 40,
        IMPORT_POLL_MAX_SECONDS: 60,
        IMPORT_POLL_GROWTH_PERCENT: 20,
        IMPORT_POLL_MAX_ATTEMPTS: 126,
        IMPORT_POLL_LEARN_FROM_JOBS: 10,
      });
    });

    it('coerces the strings Lambda gives into numbers', () => {
      // Arrange
      const env = {
        IMPORT_POLL_INITIAL_SECONDS: '2',
        IMPORT_POLL_MAX_SECONDS: '30',
        IMPORT_POLL_GROWTH_PERCENT: '50',
        IMPORT_POLL_MAX_ATTEMPTS: '7',
        IMPORT_POLL_LEARN_FROM_JOBS: '0',
      };

      // Act
      const config = readEnv(ImportPollEnv, env);

      // Assert
      expect(config).toEqual({
        IMPORT_POLL_INITIAL_SECONDS: 2,
        IMPORT_POLL_MAX_SECONDS: 30,
        IMPORT_POLL_GROWTH_PERCENT: 50,
        IMPORT_POLL_MAX_ATTEMPTS: 7,
        IMPORT_POLL_LEARN_FROM_JOBS: 0,
      });
    });

    it.each([
      [ENV_KEYS.importPollMaxAttempts, 'abc', 'must be a number'],
      [ENV_KEYS.importPollMaxSeconds, '0', '>=1'],
      [ENV_KEYS.importPollInitialSeconds, '-5', '>=1'],
      [ENV_KEYS.importPollMaxSeconds, '1.5', 'must be a whole number'],
      [ENV_KEYS.importPollGrowthPercent, '0', '>=1'],
      [ENV_KEYS.importPollLearnFromJobs, '-1', '>=0'],
    ])('rejects %s=%p, naming the variable', (key, value, reason) => {
      const act = () => readEnv(ImportPollEnv, { [key]: value });

      expect(act).toThrow(InputValidationError);
      expect(act).toThrow(`Invalid task configuration: ${key}: `);
      expect(act).toThrow(reason);
    });
  });

  describe('NotifyEnv', () => {
    it('accepts an SNS topic ARN', () => {
      expect(readEnv(NotifyEnv, { NOTIFY_TOPIC_ARN: TOPIC_ARN })).toEqual({ NOTIFY_TOPIC_ARN: TOPIC_ARN });
    });

    it('accepts a FIFO topic in another partition', () => {
      const arn = 'arn:aws-cn:sns:cn-north-1:123456789012:dx-flow.fifo';

      expect(readEnv(NotifyEnv, { NOTIFY_TOPIC_ARN: arn }).NOTIFY_TOPIC_ARN).toBe(arn);
    });

    it.each([
      ['a topic name', 'dx-flow-notifications'],
      ['a queue ARN', 'arn:aws:sqs:us-east-1:123456789012:dx-flow'],
      ['an ARN without an account', 'arn:aws:sns:us-east-1::dx-flow'],
    ])('rejects %s, naming NOTIFY_TOPIC_ARN', (_label, value) => {
      expect(() => readEnv(NotifyEnv, { NOTIFY_TOPIC_ARN: value })).toThrow('NOTIFY_TOPIC_ARN: must be an SNS topic ARN');
    });

    it('says NOTIFY_TOPIC_ARN is required when it is missing', () => {
      expect(() => readEnv(NotifyEnv, {})).toThrow('NOTIFY_TOPIC_ARN: is required');
    });
  });

  describe('PlanRevisionEnv and ShareWithSubscribersEnv', () => {
    const dataSets = [
      { name: 'default', dataSetId: DATA_SET_ID, subscriberAccountIds: [ACCOUNT_A] },
      { name: 'weather', dataSetId: OTHER_DATA_SET_ID, subscriberAccountIds: [], grantEndsAt: '2027-01-31' },
    ];

    it.each([PlanRevisionEnv, ShareWithSubscribersEnv])('read no configured data sets when DATA_SETS is not set', (schema) => {
      expect(readEnv(schema, {})).toEqual({ DATA_SETS: [] });
    });

    it('read the JSON list the stack sets', () => {
      expect(readEnv(PlanRevisionEnv, { DATA_SETS: JSON.stringify(dataSets) })).toEqual({ DATA_SETS: dataSets });
      expect(readEnv(ShareWithSubscribersEnv, { DATA_SETS: JSON.stringify(dataSets) })).toEqual({ DATA_SETS: dataSets });
    });

    it.each([
      ['text that is not JSON', '[{', 'DATA_SETS: must be a JSON list of data sets'],
      ['a bad account', JSON.stringify([{ ...dataSets[0], subscriberAccountIds: ['12345'] }]), 'DATA_SETS[0].subscriberAccountIds[0]: must be a 12-digit AWS account id'],
      ['a name twice', JSON.stringify([dataSets[0], { ...dataSets[1], name: 'default' }]), 'DATA_SETS[1].name: repeats name "default"'],
      ['an id twice', JSON.stringify([dataSets[0], { ...dataSets[1], dataSetId: DATA_SET_ID }]), `DATA_SETS[1].dataSetId: repeats dataSetId "${DATA_SET_ID}"`],
      ['a grant end that is no date', JSON.stringify([{ ...dataSets[1], grantEndsAt: 'next month' }]), 'DATA_SETS[0].grantEndsAt: '],
      ['an empty list', '[]', 'DATA_SETS: must list at least one data set'],
    ])('refuse %s, naming the variable and the place', (_label, value, message) => {
      const act = () => readEnv(PlanRevisionEnv, { DATA_SETS: value });

      expect(act).toThrow(InputValidationError);
      expect(act).toThrow(message);
    });
  });

  describe('NotifySuccessEnv', () => {
    const BUCKET = 'dx-flow-notification-records';

    it('needs no record bucket while subscriber notices are off', () => {
      expect(readEnv(NotifySuccessEnv, { NOTIFY_TOPIC_ARN: TOPIC_ARN })).toEqual({ NOTIFY_TOPIC_ARN: TOPIC_ARN, NOTIFY_SUBSCRIBERS: false });
      expect(readEnv(NotifySuccessEnv, { NOTIFY_TOPIC_ARN: TOPIC_ARN, NOTIFY_SUBSCRIBERS: 'false' }).NOTIFY_SUBSCRIBERS).toBe(false);
    });

    it('takes the bucket with subscriber notices on', () => {
      expect(readEnv(NotifySuccessEnv, { NOTIFY_TOPIC_ARN: TOPIC_ARN, NOTIFY_SUBSCRIBERS: 'true', NOTIFICATION_RECORD_BUCKET: BUCKET })).toEqual({
        NOTIFY_TOPIC_ARN: TOPIC_ARN,
        NOTIFY_SUBSCRIBERS: true,
        NOTIFICATION_RECORD_BUCKET: BUCKET,
      });
    });

    it('refuses subscriber notices on without the bucket, naming the bucket variable and why', () => {
      const act = () => readEnv(NotifySuccessEnv, { NOTIFY_TOPIC_ARN: TOPIC_ARN, NOTIFY_SUBSCRIBERS: 'true' });

      expect(act).toThrow(InputValidationError);
      expect(act).toThrow('NOTIFICATION_RECORD_BUCKET: is required when NOTIFY_SUBSCRIBERS is true, to record each notice sent');
    });
  });

  it("keeps zod's issues as the error's cause", () => {
    let error: unknown;
    try {
      readEnv(NotifyEnv, {});
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toBeInstanceOf(InputValidationError);
    expect((error as Error).cause).toBeInstanceOf(z.ZodError);
    expect(((error as Error).cause as z.ZodError).issues.map((issue) => issue.path)).toEqual([['NOTIFY_TOPIC_ARN']]);
  });

  it('NoEnv ignores whatever else the Lambda environment holds', () => {
    expect(readEnv(NoEnv, { AWS_REGION: 'us-east-1', PATH: '/usr/bin' })).toEqual({});
  });

  describe('without an explicit environment', () => {
    const saved = process.env;
    afterEach(() => {
      process.env = saved;
    });

    it('reads process.env', () => {
      process.env = { ...saved, [ENV_KEYS.importPollMaxAttempts]: '9' };

      expect(readEnv(ImportPollEnv).IMPORT_POLL_MAX_ATTEMPTS).toBe(9);
    });
  });
});
