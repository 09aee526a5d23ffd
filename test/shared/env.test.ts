import {
  ENV_KEYS,
  ImportPollEnv,
  NoEnv,
  NotifyEnv,
  PlanRevisionEnv,
  readEnv,
  ShareWithSubscribersEnv,
} from '../../shared/env';
import { InputValidationError } from '../../shared/errors';
import { ACCOUNT_A, ACCOUNT_B, TOPIC_ARN } from '../fixtures/ids';

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

  describe('PlanRevisionEnv', () => {
    it('defaults to no subscribers', () => {
      expect(readEnv(PlanRevisionEnv, {})).toEqual({ DEFAULT_SUBSCRIBER_ACCOUNT_IDS: [] });
    });

    it('splits a comma-separated list of accounts', () => {
      const config = readEnv(PlanRevisionEnv, { DEFAULT_SUBSCRIBER_ACCOUNT_IDS: `${ACCOUNT_A}, ${ACCOUNT_B}` });

      expect(config.DEFAULT_SUBSCRIBER_ACCOUNT_IDS).toEqual([ACCOUNT_A, ACCOUNT_B]);
    });

    it('rejects a bad id, naming the variable and the position', () => {
      const act = () => readEnv(PlanRevisionEnv, { DEFAULT_SUBSCRIBER_ACCOUNT_IDS: `${ACCOUNT_A},12345` });

      expect(act).toThrow(InputValidationError);
      expect(act).toThrow('DEFAULT_SUBSCRIBER_ACCOUNT_IDS[1]: must be a 12-digit AWS account id');
    });

    it('rejects a repeated id', () => {
      const act = () => readEnv(PlanRevisionEnv, { DEFAULT_SUBSCRIBER_ACCOUNT_IDS: `${ACCOUNT_A},${ACCOUNT_A}` });

      expect(act).toThrow(`DEFAULT_SUBSCRIBER_ACCOUNT_IDS[1]: repeats account ${ACCOUNT_A}`);
    });
  });

  describe('ShareWithSubscribersEnv', () => {
    it('leaves GRANT_ENDS_AT out when it is not set', () => {
      expect(readEnv(ShareWithSubscribersEnv, {})).toEqual({});
    });

    it.each([['a date', '2027-01-31'], ['a date-time with an offset', '2027-01-31T12:00:00+01:00'], ['a UTC date-time', '2027-01-31T12:00:00Z']])(
      'accepts %s',
      (_label, value) => {
        expect(readEnv(ShareWithSubscribersEnv, { GRANT_ENDS_AT: value })).toEqual({ GRANT_ENDS_AT: value });
      },
    );

    it('rejects a value that is not an ISO date, naming GRANT_ENDS_AT', () => {
      expect(() => readEnv(ShareWithSubscribersEnv, { GRANT_ENDS_AT: 'next month' })).toThrow('GRANT_ENDS_AT: ');
    });
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
