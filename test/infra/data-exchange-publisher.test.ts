import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DataExchangePublisher, type DataExchangePublisherProps } from '../../infra';
import { STATE } from '../../shared/state-names';
import { extractRunnableAsl } from '../../workflows/asl';
import { ACCOUNT_A, TOPIC_ARN } from '../fixtures/ids';
import { ALARM_TOPIC_ARN, TOPIC_KEY_ARN } from './fixtures';

/*
 * DataExchangePublisher in a stack of the test's own, as a user adds it: GIVEN props, WHEN the stack synthesizes,
 * THEN the template has what they ask for. DataExchangeStack's own tests cover the defaults in depth.
 */

function publisherStack(props: DataExchangePublisherProps = {}, configure?: (stack: Stack) => Partial<DataExchangePublisherProps>) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Products');
  const publisher = new DataExchangePublisher(stack, 'Publisher', { ...props, ...configure?.(stack) });
  return { stack, publisher, template: Template.fromStack(stack) };
}

describe('DataExchangePublisher', () => {
  describe('with no props', () => {
    const { publisher, template } = publisherStack();

    it('creates the bucket, a data set, both topics, both state machines, a daily schedule and the alarms', () => {
      template.resourceCountIs('AWS::DataExchange::DataSet', 1);
      template.hasResourceProperties('AWS::DataExchange::DataSet', { Name: 'dx-flow-dev', AssetType: 'S3_SNAPSHOT' });
      template.resourceCountIs('AWS::SNS::Topic', 2);
      template.resourceCountIs('AWS::StepFunctions::StateMachine', 2);
      template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
      expect(publisher.alarms.length).toBeGreaterThan(0);
      template.resourceCountIs('AWS::CloudWatch::Alarm', publisher.alarms.length);
    });

    it('exposes what it creates', () => {
      expect(publisher.bucket).toBe(publisher.dataBucket.bucket);
      expect(publisher.dataSetId).toBe(publisher.dataSet.dataSetId);
      expect(publisher.stateMachine).toBe(publisher.workflow.stateMachine);
      expect(publisher.importBatchStateMachine).toBe(publisher.workflow.importBatchStateMachine);
      expect(publisher.notificationTopic).toBe(publisher.notifications.topic);
      expect(publisher.alarmTopic).toBe(publisher.alarmNotifications?.topic);
      expect(publisher.functions['start-import']).toBe(publisher.taskFunctions['start-import'].function);
      expect(publisher.dashboard).toBe(publisher.monitoring.dashboard);
    });

    it('lets the Map run as many import jobs at once as Data Exchange allows', () => {
      expect(extractRunnableAsl(template.toJSON()).definition.States[STATE.importBatches].MaxConcurrency).toBe(10);
    });
  });

  it('sets the Map concurrency it is given', () => {
    const { template } = publisherStack({ mapMaxConcurrency: 3 });
    expect(extractRunnableAsl(template.toJSON()).definition.States[STATE.importBatches].MaxConcurrency).toBe(3);
  });

  it('creates no alarm and no operations topic with alarms off, and keeps the dashboard', () => {
    const { publisher, template } = publisherStack({ alarms: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(publisher.alarms).toEqual([]);
    expect(publisher.alarmTopic).toBeUndefined();
  });

  it('creates no schedule for a data set with none, and publishes to the existing data set it names', () => {
    const { publisher, template } = publisherStack({ dataSets: [{ name: 'prices', dataSetId: 'a'.repeat(32), schedule: false }] });
    template.resourceCountIs('AWS::DataExchange::DataSet', 0);
    template.resourcePropertiesCountIs('AWS::Events::Rule', { ScheduleExpression: Match.anyValue() }, 0);
    expect(publisher.schedule).toBeUndefined();
    expect(publisher.dataSetId).toBe('a'.repeat(32));
  });

  it('stages in a bucket it is given and creates none, granting on that bucket', () => {
    const { stack, publisher, template } = publisherStack({}, (s) => ({ bucket: s3.Bucket.fromBucketName(s, 'Mine', 'my-staging-bucket') }));
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(stack.resolve(publisher.bucket.bucketName)).toBe('my-staging-bucket');
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 's3:ListBucket', Resource: stack.resolve(publisher.bucket.bucketArn) })]) },
    });
  });

  it('publishes to the topics it is given and creates none', () => {
    const { template } = publisherStack({}, (s) => ({
      notificationTopic: sns.Topic.fromTopicArn(s, 'Runs', TOPIC_ARN),
      notificationTopicKeyArn: TOPIC_KEY_ARN,
      alarmTopic: sns.Topic.fromTopicArn(s, 'Ops', ALARM_TOPIC_ARN),
    }));
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmActions: [ALARM_TOPIC_ARN] });
  });

  it("leaves cdk-nag nothing unacknowledged with the user's own bucket and topics and alarms off", () => {
    const { stack } = publisherStack({ alarms: false, dataSets: [{ name: 'prices', schedule: false }] }, (s) => ({
      bucket: s3.Bucket.fromBucketName(s, 'Mine', 'my-staging-bucket'),
      notificationTopic: sns.Topic.fromTopicArn(s, 'Runs', TOPIC_ARN),
      notificationTopicKeyArn: TOPIC_KEY_ARN,
    }));
    const packs: NagPack[] = [new AwsSolutionsChecks(), new ServerlessChecks()];
    const findings = packs.flatMap((pack) =>
      pack.validateScope(stack).violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`)),
    );
    expect(findings).toEqual([]);
  });

  describe('notifySubscribers', () => {
    type Statement = { Action: string | string[]; Resource: unknown };
    const functionsByTask = (template: Template) =>
      Object.fromEntries(
        Object.values(template.findResources('AWS::Lambda::Function')).map((fn) => {
          const variables = (fn.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
          return [String(variables.DX_FLOW_TASK), variables];
        }),
      );
    const statementsWith = (template: Template, action: string): Statement[] =>
      Object.values(template.findResources('AWS::IAM::Policy'))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[])
        .filter((statement) => [statement.Action].flat().includes(action));

    it('GIVEN it on, THEN NotifySuccess and the status-change handler get the flag, and NotifySuccess the record bucket', () => {
      const { stack, publisher, template } = publisherStack({ notifySubscribers: true });
      const functions = functionsByTask(template);
      expect(functions.notify).toMatchObject({ NOTIFY_SUBSCRIBERS: 'true', NOTIFICATION_RECORD_BUCKET: stack.resolve(publisher.bucket.bucketName) });
      expect(functions['handle-status-change']).toMatchObject({ NOTIFY_SUBSCRIBERS: 'true' });
    });

    it('GIVEN it on, THEN only those two may send notices, each on the data set alone', () => {
      const { stack, publisher, template } = publisherStack({ notifySubscribers: true });
      const statements = statementsWith(template, 'dataexchange:SendDataSetNotification');
      expect(statements).toHaveLength(2);
      for (const statement of statements) expect(statement.Resource).toEqual(stack.resolve(publisher.dataSet.dataSetArn));
      const records = statementsWith(template, 's3:GetObject').filter((statement) => JSON.stringify(statement.Resource).includes('subscriber-notices'));
      expect(records).toHaveLength(2);
    });

    it('GIVEN it off, as by default, THEN no function has the flag and none may send a notice', () => {
      const { template } = publisherStack();
      for (const variables of Object.values(functionsByTask(template))) expect(variables).not.toHaveProperty('NOTIFY_SUBSCRIBERS');
      expect(functionsByTask(template).notify).not.toHaveProperty('NOTIFICATION_RECORD_BUCKET');
      expect(statementsWith(template, 'dataexchange:SendDataSetNotification')).toEqual([]);
    });
  });

  it.each<[string, DataExchangePublisherProps, string]>([
    ['a Map concurrency above 10', { mapMaxConcurrency: 11 }, 'mapMaxConcurrency must be a whole number from 1 to 10, the import jobs Data Exchange runs at once; got 11'],
    ['a Map concurrency of 0', { mapMaxConcurrency: 0 }, 'got 0'],
    ['two data sets', { dataSets: [{ name: 'a' }, { name: 'b' }] }, 'dataSets must list exactly one data set for now; got 2'],
    ['no data set', { dataSets: [] }, 'got 0'],
    ['a bad data set name', { dataSets: [{ name: 'Daily Prices' }] }, 'dataSets[0].name must be a lowercase name'],
    ['a bad subscriber account', { dataSets: [{ name: 'a', subscriberAccountIds: ['123'] }] }, 'dataSets "a" subscriberAccountIds'],
    ['a bad environment', { environment: 'Prod' }, 'environment must be a lowercase name'],
    ['a topic key without its topic', { notificationTopicKeyArn: TOPIC_KEY_ARN }, 'so notificationTopic must be given'],
    ['an alarm topic with alarms off', { alarms: false, alarmTopic: {} as sns.ITopic }, 'alarmTopic is given but alarms is false'],
    ['tiering a given bucket', { bucket: {} as s3.IBucket, tierSourcesAfterDays: 30 }, "tierSourcesAfterDays applies to the bucket the publisher creates"],
  ])('stops synth with one sentence on %s', (_case, props, message) => {
    expect(() => publisherStack(props)).toThrow(message);
  });

  it("starts each refusal with the construct's name", () => {
    expect(() => publisherStack({ dataSets: [{ name: 'a', subscriberAccountIds: [ACCOUNT_A, 'x'] }] })).toThrow(/^DataExchangePublisher: /);
  });
});
