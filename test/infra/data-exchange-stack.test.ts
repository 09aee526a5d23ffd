import { Match } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { DataExchangeStack } from '../../infra/data-exchange-stack';
import type { PublishSchedule } from '../../infra/constructs/schedule';
import { ENV_KEYS } from '../../shared/env';
import { PROVIDER_TASK_NAMES, TASKS } from '../../tasks/registry';
import { STATE_MACHINE_TIMEOUT } from '../../workflows/publish-revision';
import { ACCOUNT_A, ACCOUNT_B, DATA_SET_ID, TOPIC_ARN } from '../fixtures/ids';
import { ALARM_TOPIC_ARN } from './fixtures';
import {
  logicalIdOf,
  type Synthesized,
  synthStack,
} from './synth';

/** The Lambda function resource of one registry task. */
/** The default data set's schedule, which the stack builds unless told `schedule: none`. */
function definedSchedule(stack: DataExchangeStack): PublishSchedule {
  if (stack.schedule === undefined) throw new Error('the stack built no schedule');
  return stack.schedule;
}

function taskFunctionProps(synthesized: Synthesized, task: (typeof PROVIDER_TASK_NAMES)[number]) {
  const fn = synthesized.stack.functions[task].function;
  return synthesized.template.toJSON().Resources[logicalIdOf(synthesized.stack, fn)].Properties;
}

describe('DataExchangeStack with no context', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthStack();
  });

  describe('data bucket', () => {
    it('is versioned, SSE, private, logged, and named after the account and region', () => {
      const { template, stack } = synthesized;
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: { 'Fn::Join': ['', ['dx-flow-data-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]] },
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: {
          DestinationBucketName: { Ref: logicalIdOf(stack, stack.dataBucket.accessLogBucket!) },
          LogFilePrefix: 'data-bucket/',
        },
      });
    });

    it('denies every request that is not over TLS', () => {
      const { template, stack } = synthesized;
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalIdOf(stack, stack.dataBucket.bucket) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    });

    it('keeps the access logs in an encrypted, private, TLS-only bucket that expires them', () => {
      const { template, stack } = synthesized;
      const logBucket = logicalIdOf(stack, stack.dataBucket.accessLogBucket!);
      const logBucketProps = template.toJSON().Resources[logBucket].Properties;
      expect(logBucketProps).toMatchObject({
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, RestrictPublicBuckets: true },
        LifecycleConfiguration: { Rules: [expect.objectContaining({ ExpirationInDays: 365, Status: 'Enabled' })] },
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logBucket },
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    });

    it('is deleted with its objects outside prod', () => {
      const { template, stack } = synthesized;
      template.hasResource('AWS::S3::Bucket', {
        Properties: { BucketName: Match.anyValue() },
        DeletionPolicy: 'Delete',
        UpdateReplacePolicy: 'Delete',
      });
      template.hasResourceProperties('Custom::S3AutoDeleteObjects', {
        BucketName: { Ref: logicalIdOf(stack, stack.dataBucket.bucket) },
      });
    });
  });

  describe('task functions', () => {
    it('builds one function per registry task', () => {
      expect(Object.keys(synthesized.stack.functions).sort()).toEqual([...PROVIDER_TASK_NAMES].sort());
    });

    it.each(PROVIDER_TASK_NAMES)('%s runs on arm64, the newest Node.js, with X-Ray, source maps and the registry sizing', (task) => {
      expect(taskFunctionProps(synthesized, task)).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        MemorySize: TASKS[task].memoryMb,
        Timeout: TASKS[task].timeoutSeconds,
        Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps', [ENV_KEYS.task]: task }) },
        LoggingConfig: { LogGroup: expect.anything() },
      });
    });

    it('gives each workflow task a log group of its own, kept for one month', () => {
      const { template, stack } = synthesized;
      const logGroup = stack.functions['start-import'].logGroup;
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: Match.absent(),
        RetentionInDays: 30,
      });
      expect(taskFunctionProps(synthesized, 'start-import').LoggingConfig).toEqual({
        LogGroup: { Ref: logicalIdOf(stack, logGroup) },
      });
    });

    it('wires each task its configuration through the shared env keys', () => {
      const topicRef = { Ref: logicalIdOf(synthesized.stack, synthesized.stack.notifications.topic) };
      expect(taskFunctionProps(synthesized, 'notify').Environment.Variables).toEqual({
        NODE_OPTIONS: '--enable-source-maps',
        [ENV_KEYS.task]: 'notify',
        [ENV_KEYS.notifyTopicArn]: topicRef,
      });
      expect(taskFunctionProps(synthesized, 'handle-exchange-event').Environment.Variables).toMatchObject({
        [ENV_KEYS.notifyTopicArn]: topicRef,
      });
      // The created data set's id is filled in at deploy, inside the JSON list of data sets.
      const dataSets = {
        'Fn::Join': ['', ['[{"name":"default","dataSetId":"', { 'Fn::GetAtt': [logicalIdOf(synthesized.stack, synthesized.stack.dataSet), 'Id'] }, '","subscriberAccountIds":[]}]']],
      };
      for (const task of ['plan-revision', 'share-with-subscribers'] as const) {
        expect(taskFunctionProps(synthesized, task).Environment.Variables).toEqual({
          NODE_OPTIONS: '--enable-source-maps',
          [ENV_KEYS.task]: task,
          [ENV_KEYS.dataSets]: dataSets,
        });
      }
    });

    it('gives the asynchronously invoked event handler a dead-letter queue', () => {
      expect(taskFunctionProps(synthesized, 'handle-exchange-event').DeadLetterConfig).toEqual({
        TargetArn: { 'Fn::GetAtt': [logicalIdOf(synthesized.stack, synthesized.stack.exchangeEvents.deadLetterQueue), 'Arn'] },
      });
    });
  });

  describe('publish state machine', () => {
    it('is a Standard state machine with a timeout, X-Ray, and logs at level ALL', () => {
      const { template, stack } = synthesized;
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [
            { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.workflow.logGroup), 'Arn'] } } },
          ],
        },
      });
      const definition = template.toJSON().Resources[logicalIdOf(stack, stack.workflow.stateMachine)].Properties.DefinitionString;
      const literalParts = (definition['Fn::Join'][1] as unknown[]).filter((part) => typeof part === 'string').join('');
      expect(literalParts).toContain(`"TimeoutSeconds":${STATE_MACHINE_TIMEOUT.toSeconds()}`);
    });

    it('logs to a vended-logs group named after the environment', () => {
      synthesized.template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/vendedlogs/states/dx-flow-publish-dev',
        RetentionInDays: 30,
      });
    });
  });

  describe('import-batch state machine', () => {
    it('is a Standard state machine named after the environment, with the same timeout, X-Ray and log group', () => {
      const { template, stack } = synthesized;
      const importBatch = template.toJSON().Resources[logicalIdOf(stack, stack.workflow.importBatchStateMachine)].Properties;
      expect(importBatch).toMatchObject({
        StateMachineName: 'dx-flow-import-batch-dev',
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.workflow.logGroup), 'Arn'] } } }],
        },
      });
      const literalParts = (importBatch.DefinitionString['Fn::Join'][1] as unknown[]).filter((part) => typeof part === 'string').join('');
      expect(literalParts).toContain(`"TimeoutSeconds":${STATE_MACHINE_TIMEOUT.toSeconds()}`);
    });
  });

  describe('logical ids', () => {
    // A changed logical id makes CloudFormation replace the resource: a new bucket, data set, state machine or topic,
    // and the old one deleted or orphaned. These are the ids the stack had before the import-batch state machine and
    // the status-change notifier were added.
    type Stack = Synthesized['stack'];
    it.each<[string, (stack: Stack) => IConstruct, string]>([
      ['data bucket', (stack) => stack.dataBucket.bucket, 'DataBucketDataB8C13C3A'],
      ['access log bucket', (stack) => stack.dataBucket.accessLogBucket!, 'DataBucketAccessLogsC7D55B3F'],
      ['data set', (stack) => stack.dataSet, 'DataSetFB871054'],
      ['publish state machine', (stack) => stack.workflow.stateMachine, 'PublishWorkflowStateMachineFB046FD6'],
      ['notification topic', (stack) => stack.notifications.topic, 'NotificationsTopicAE679CBD'],
      ['notification topic key', (stack) => stack.notifications.key!, 'NotificationsKeyADCFA950'],
      ['operations topic', (stack) => stack.alarmTopic.topic, 'AlarmTopicC2164170'],
      ['operations topic key', (stack) => stack.alarmTopic.key!, 'AlarmTopicKeyBA1A4AA7'],
    ])('keep the %s at its id', (_name, construct, logicalId) => {
      const { stack, template } = synthesized;
      expect(logicalIdOf(stack, construct(stack))).toBe(logicalId);
      expect(template.toJSON().Resources[logicalId]).toBeDefined();
    });
  });

  describe('schedule', () => {
    it("starts the state machine daily with the bucket, the data set and the tick's time, retrying into a DLQ", () => {
      const { template, stack } = synthesized;
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 day)',
        Targets: [
          {
            Arn: { Ref: logicalIdOf(stack, stack.workflow.stateMachine) },
            InputTransformer: {
              InputPathsMap: { time: '$.time' },
              InputTemplate: {
                'Fn::Join': [
                  '',
                  [
                    '{"bucket":"',
                    { Ref: logicalIdOf(stack, stack.dataBucket.bucket) },
                    '","datasetId":"',
                    { 'Fn::GetAtt': [logicalIdOf(stack, stack.dataSet), 'Id'] },
                    '","dataSet":"default","scheduledAt":<time>}',
                  ],
                ],
              },
            },
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack, definedSchedule(stack).deadLetterQueue), 'Arn'] } },
            Id: Match.anyValue(),
            RoleArn: Match.anyValue(),
          },
        ],
      });
    });

    it('keeps undeliverable starts in an encrypted, TLS-only queue', () => {
      const { template, stack } = synthesized;
      const queue = logicalIdOf(stack, definedSchedule(stack).deadLetterQueue);
      expect(template.toJSON().Resources[queue].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    });
  });

  describe('Data Exchange events', () => {
    it('routes every aws.dataexchange event to the event handler, with retries and a DLQ', () => {
      const { template, stack } = synthesized;
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: ['aws.dataexchange'] },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.exchangeEvents.handler.function), 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.exchangeEvents.deadLetterQueue), 'Arn'] } },
          }),
        ],
      });
    });

    it('logs the handler to /aws/dataexchange/operations for 30 days', () => {
      const { template, stack } = synthesized;
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/dataexchange/operations',
        RetentionInDays: 30,
      });
      expect(taskFunctionProps(synthesized, 'handle-exchange-event').LoggingConfig).toEqual({
        LogGroup: { Ref: logicalIdOf(stack, stack.exchangeEvents.logGroup) },
      });
    });
  });

  describe('notifications', () => {
    it('creates a topic encrypted with a rotated customer managed key, TLS-only', () => {
      const { template, stack } = synthesized;
      const key = logicalIdOf(stack, stack.notifications.key!);
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
      expect(template.toJSON().Resources[key].Properties.EnableKeyRotation).toBe(true);
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });
  });

  describe('monitoring', () => {
    // What alarms, and to which topic: test/infra/alarms.test.ts.
    it('draws one dashboard', () => {
      synthesized.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    });
  });

  describe('data set and outputs', () => {
    it('creates an S3_SNAPSHOT data set when none is configured', () => {
      synthesized.template.hasResourceProperties('AWS::DataExchange::DataSet', {
        AssetType: 'S3_SNAPSHOT',
        Name: 'dx-flow-dev',
        Description: Match.stringLikeRegexp('.+'),
      });
    });

    it('outputs the contract keys', () => {
      const { template, stack } = synthesized;
      const bucket = { Ref: logicalIdOf(stack, stack.dataBucket.bucket) };
      const stateMachine = { Ref: logicalIdOf(stack, stack.workflow.stateMachine) };
      const dataSetId = { 'Fn::GetAtt': [logicalIdOf(stack, stack.dataSet), 'Id'] };
      template.hasOutput('BucketName', { Value: bucket });
      template.hasOutput('StateMachineArn', { Value: stateMachine });
      template.hasOutput('ImportBatchStateMachineArn', { Value: { Ref: logicalIdOf(stack, stack.workflow.importBatchStateMachine) } });
      template.hasOutput('DataSetId', { Value: dataSetId });
      template.hasOutput('TopicArn', { Value: { Ref: logicalIdOf(stack, stack.notifications.topic) } });
      template.hasOutput('StartExecutionCommand', {
        Value: {
          'Fn::Join': [
            '',
            [
              'aws stepfunctions start-execution --state-machine-arn ',
              stateMachine,
              ` --input '{"bucket":"`,
              bucket,
              '","datasetId":"',
              dataSetId,
              `"}'`,
            ],
          ],
        },
      });
    });
  });
});

describe('DataExchangeStack with every setting given', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthStack({
      environment: 'prod',
      datasetId: DATA_SET_ID,
      scheduledSource: '{"type":"s3Prefix","prefix":"incoming/{yyyy}/{mm}/{dd}/","offset":"1 day"}',
      snsTopicArn: TOPIC_ARN,
      alarmTopicArn: ALARM_TOPIC_ARN,
      subscriberAccountId: `${ACCOUNT_A},${ACCOUNT_B}`,
      schedule: 'cron(0 6 * * ? *)',
      grantEndsAt: '2027-12-31',
    });
  });

  it('publishes to the given data set and creates none', () => {
    const { template } = synthesized;
    template.resourceCountIs('AWS::DataExchange::DataSet', 0);
    template.hasOutput('DataSetId', { Value: DATA_SET_ID });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dataexchange:CreateRevision', 'dataexchange:ListDataSetRevisions'],
            Resource: {
              'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':dataexchange:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:data-sets/${DATA_SET_ID}`]],
            },
          }),
        ]),
      },
    });
  });

  it('uses the given topics and creates none', () => {
    const { template } = synthesized;
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasOutput('TopicArn', { Value: TOPIC_ARN });
    expect(taskFunctionProps(synthesized, 'notify').Environment.Variables[ENV_KEYS.notifyTopicArn]).toBe(TOPIC_ARN);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsFailed', AlarmActions: [ALARM_TOPIC_ARN] });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: 'sns:Publish', Resource: TOPIC_ARN }]) },
    });
  });

  it('retains the bucket and its access logs in prod', () => {
    const { template } = synthesized;
    template.allResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
  });

  it('passes the subscribers, the grant end, the schedule and its source through', () => {
    const { template } = synthesized;
    const dataSets = [{ name: 'default', dataSetId: DATA_SET_ID, subscriberAccountIds: [ACCOUNT_A, ACCOUNT_B], grantEndsAt: '2027-12-31' }];
    for (const task of ['plan-revision', 'share-with-subscribers'] as const) {
      expect(JSON.parse(taskFunctionProps(synthesized, task).Environment.Variables[ENV_KEYS.dataSets] as string)).toEqual(dataSets);
    }
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'cron(0 6 * * ? *)' });
    const rule = template.toJSON().Resources[logicalIdOf(synthesized.stack, definedSchedule(synthesized.stack).rule)];
    // The template joins the bucket's name in; the tick's <time> is EventBridge's to fill.
    const parts = rule.Properties.Targets[0].InputTransformer.InputTemplate['Fn::Join'][1] as unknown[];
    const input = parts.map((part) => (typeof part === 'string' ? part : 'BUCKET')).join('').replace('<time>', '"2026-12-01T06:00:00Z"');
    expect(JSON.parse(input)).toEqual({
      bucket: 'BUCKET',
      datasetId: DATA_SET_ID,
      dataSet: 'default',
      scheduledAt: '2026-12-01T06:00:00Z',
      source: { type: 's3Prefix', prefix: 'incoming/{yyyy}/{mm}/{dd}/', offset: '1 day' },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/dx-flow-publish-prod' });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'dx-flow-import-batch-prod' });
  });
});

describe('DataExchangeStack with a bad setting', () => {
  it('fails synth with a message naming the context key', () => {
    expect(() => synthStack({ datasetId: 'not-an-id' })).toThrow('Invalid context "datasetId"');
  });
});
