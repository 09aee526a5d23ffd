import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import type { IConstruct } from 'constructs';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DataExchangePublisher, type DataExchangePublisherProps } from '../../infra';
import { STATE } from '../../shared/state-names';
import { extractRunnableAsl } from '../../workflows/asl';
import { ACCOUNT_A, DATA_SET_ID, TOPIC_ARN } from '../fixtures/ids';
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
    ['no data set', { dataSets: [] }, 'dataSets must list at least one data set'],
    ['a bad data set name', { dataSets: [{ name: 'Daily Prices' }] }, 'dataSets[0].name must be a lowercase name'],
    ['a name listed twice', { dataSets: [{ name: 'a' }, { name: 'a' }] }, 'dataSets "a": the name is listed twice'],
    ['an id listed twice', { dataSets: [{ name: 'a', dataSetId: DATA_SET_ID, schedule: false }, { name: 'b', dataSetId: DATA_SET_ID, schedule: false }] }, `dataSets "b": data set ${DATA_SET_ID} is listed under two names`],
    ['an existing data set on a schedule with no source', { dataSets: [{ name: 'prices', dataSetId: DATA_SET_ID }] }, `dataSets "prices" publishes to the existing data set ${DATA_SET_ID} on a schedule, so choose what the schedule publishes`],
    ['a source that is not one', { dataSets: [{ name: 'a', scheduledSource: { type: 'ftp' } as never }] }, 'dataSets "a" scheduledSource: type: must have a "type" of "sample", "s3Prefix" or "generator"'],
    ['a generator that is not registered', { dataSets: [{ name: 'a', scheduledSource: { type: 'generator', name: 'weather-feed' } }] }, 'dataSets "a" scheduledSource: there is no generator "weather-feed" in generators/index.ts; the generators are sample, hello-readings'],
    ['bad generator options', { dataSets: [{ name: 'a', scheduledSource: { type: 'generator', name: 'hello-readings', options: { hours: 0 } } }] }, 'dataSets "a" scheduledSource.options: hours: must be at least 1'],
    ['an offset on a plain prefix', { dataSets: [{ name: 'a', scheduledSource: { type: 's3Prefix', prefix: 'incoming/', offset: '1 day' } }] }, 'dataSets "a" scheduledSource: offset: moves the prefix\'s {yyyy}, {mm}, {dd} or {hh}, and "incoming/" holds none'],
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

describe('DataExchangePublisher with several data sets', () => {
  const WEATHER_ID = '99990000999900009999000099990000';
  const { stack, publisher, template } = publisherStack({
    dataSets: [
      { name: 'default' },
      {
        name: 'weather',
        dataSetId: WEATHER_ID,
        schedule: events.Schedule.expression('cron(0 6 * * ? *)'),
        scheduledSource: { type: 's3Prefix', prefix: 'incoming/{yyyy}/{mm}/{dd}/', offset: '1 day' },
        subscriberAccountIds: [ACCOUNT_A],
      },
      { name: 'readings', schedule: false, grantEndsAt: '2027-12-31' },
    ],
  });
  const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const policyStatements = () =>
    Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => (policy as { Properties: { PolicyDocument: { Statement: { Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );

  it('creates the data sets it is not given, under ids that carry their names (the default keeps its own)', () => {
    template.resourceCountIs('AWS::DataExchange::DataSet', 2);
    template.hasResourceProperties('AWS::DataExchange::DataSet', { Name: 'dx-flow-dev' });
    template.hasResourceProperties('AWS::DataExchange::DataSet', { Name: 'dx-flow-dev-readings' });
    expect(publisher.dataSets.default.node.id).toBe('DataSet');
    expect(publisher.dataSets.readings.node.id).toBe('DataSet-readings');
    expect(publisher.dataSetIds.weather).toBe(WEATHER_ID);
    expect(publisher.dataSetId).toBe(publisher.dataSets.default.dataSetId);
  });

  it('schedules each data set with a schedule, each tick naming its data set and source', () => {
    expect(Object.keys(publisher.schedules)).toEqual(['default', 'weather']);
    const inputOf = (name: string) => {
      const rule = template.toJSON().Resources[logicalId(publisher.schedules[name].rule)];
      const parts = rule.Properties.Targets[0].InputTransformer.InputTemplate['Fn::Join'][1] as unknown[];
      return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'TOKEN')).join('').replace('<time>', '"2026-12-01T06:00:00Z"'));
    };
    expect(inputOf('weather')).toEqual({
      bucket: 'TOKEN',
      datasetId: WEATHER_ID,
      dataSet: 'weather',
      scheduledAt: '2026-12-01T06:00:00Z',
      source: { type: 's3Prefix', prefix: 'incoming/{yyyy}/{mm}/{dd}/', offset: '1 day' },
    });
    expect(inputOf('default')).toEqual({ bucket: 'TOKEN', datasetId: 'TOKEN', dataSet: 'default', scheduledAt: '2026-12-01T06:00:00Z' });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 6 * * ? *)' });
  });

  it('gives the tasks every data set, with its subscribers and grant end, the default first', () => {
    const variables = template.toJSON().Resources[logicalId(publisher.functions['plan-revision'])].Properties.Environment.Variables;
    const parts = variables.DATA_SETS['Fn::Join'][1] as unknown[];
    const listed = JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'CREATED00000000000000000000000000')).join(''));
    expect(listed).toEqual([
      { name: 'default', dataSetId: 'CREATED00000000000000000000000000', subscriberAccountIds: [] },
      { name: 'weather', dataSetId: WEATHER_ID, subscriberAccountIds: [ACCOUNT_A] },
      { name: 'readings', dataSetId: 'CREATED00000000000000000000000000', subscriberAccountIds: [], grantEndsAt: '2027-12-31' },
    ]);
  });

  it("names exactly the listed data sets in the roles: each grant on a data set's revisions is there for each", () => {
    const revisionGrants = policyStatements()
      .map((statement) => JSON.stringify(statement.Resource))
      .filter((resource) => resource.includes('/revisions/*'));
    expect(revisionGrants.some((resource) => resource.includes(`data-sets/${WEATHER_ID}/revisions/*`))).toBe(true);
    for (const name of ['default', 'readings']) {
      expect(revisionGrants.some((resource) => resource.includes(logicalId(publisher.dataSets[name])))).toBe(true);
    }
    const dataSetArns = policyStatements().flatMap((statement) => [statement.Resource].flat().map((resource) => JSON.stringify(resource)));
    const named = dataSetArns.filter((resource) => resource.includes(':data-sets/'));
    expect(named.every((resource) => resource.includes(WEATHER_ID) || [publisher.dataSets.default, publisher.dataSets.readings].some((dataSet) => resource.includes(logicalId(dataSet))))).toBe(true);
  });

  it('watches each schedule’s dead-letter queue', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: Match.stringLikeRegexp('schedule-weather') });
  });
});
