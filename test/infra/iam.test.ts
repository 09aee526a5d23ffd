import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { ProviderTaskName } from '../../tasks/registry';
import { TOPIC_ARN } from '../fixtures/ids';
import { TOPIC_KEY_ARN } from './fixtures';
import { logicalIdOf, type Synthesized, synthStack } from './synth';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

/** Every statement a task's role gets, minus the two every task has (its own log group and X-Ray). */
function grantsOf(synthesized: Synthesized, task: ProviderTaskName): Statement[] {
  const { stack, template } = synthesized;
  const taskFunction = stack.functions[task];
  const role = logicalIdOf(stack, taskFunction.role);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as unknown[]).some((ref) => JSON.stringify(ref) === JSON.stringify({ Ref: role })),
  );
  expect(policies).toHaveLength(1);
  const statements = policies[0].Properties.PolicyDocument.Statement as Statement[];
  expect(statements).toEqual(
    expect.arrayContaining([
      { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [logicalIdOf(stack, taskFunction.logGroup), 'Arn'] },
      },
    ]),
  );
  return statements.filter((statement) => ![statement.Action].flat().some((action) => /^(xray|logs):/.test(action)));
}

const arn = (resource: unknown[], service = 'dataexchange') => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:`, { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ...resource]],
});

/** Every statement of a state machine's role. */
function stateMachineStatements({ template, stack }: Synthesized, stateMachine: sfn.StateMachine): Statement[] {
  const role = logicalIdOf(stack, stateMachine.role);
  const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: role }] } }));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement as Statement[];
}

/** The functions a state machine's role may invoke, by logical id, sorted. */
function invokedFunctions(synthesized: Synthesized, stateMachine: sfn.StateMachine): string[] {
  return stateMachineStatements(synthesized, stateMachine)
    .filter((statement) => statement.Action === 'lambda:InvokeFunction')
    .map((statement) => (statement.Resource as { 'Fn::GetAtt': [string, string] }[])[0]['Fn::GetAtt'][0])
    .sort();
}

describe('task roles', () => {
  let synthesized: Synthesized;
  let ids: { bucket: string; dataSet: string; topic: string; key: string; dlq: string; statusDlq: string; importBatch: string };

  beforeAll(() => {
    synthesized = synthStack();
    const { stack } = synthesized;
    ids = {
      bucket: logicalIdOf(stack, stack.dataBucket.bucket),
      dataSet: logicalIdOf(stack, stack.dataSet),
      topic: logicalIdOf(stack, stack.notifications.topic),
      key: logicalIdOf(stack, stack.notifications.key!),
      dlq: logicalIdOf(stack, stack.exchangeEvents.deadLetterQueue),
      statusDlq: logicalIdOf(stack, stack.statusNotifications.deadLetterQueue),
      importBatch: logicalIdOf(stack, stack.workflow.importBatchStateMachine),
    };
  });

  const objects = (pattern: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [ids.bucket, 'Arn'] }, `/${pattern}`]] });
  const listBucket = () => ({ Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [ids.bucket, 'Arn'] } });
  const dataSetArn = () => arn([':data-sets/', { 'Fn::GetAtt': [ids.dataSet, 'Id'] }]);
  const revisionsArn = () => arn([':data-sets/', { 'Fn::GetAtt': [ids.dataSet, 'Id'] }, '/revisions/*']);
  const importJobs = (actions: string[]) => ({
    Effect: 'Allow',
    // CloudFormation renders a single action as a string.
    Action: actions.length === 1 ? actions[0] : actions,
    Resource: arn([':jobs/*']),
    Condition: { StringEquals: { 'dataexchange:JobType': 'IMPORT_ASSETS_FROM_S3' } },
  });
  const publishToTopic = () => [
    { Effect: 'Allow', Action: 'sns:Publish', Resource: { Ref: ids.topic } },
    { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: { 'Fn::GetAtt': [ids.key, 'Arn'] } },
  ];

  it('plan-revision lists and reads the bucket and writes only manifests/*', () => {
    expect(grantsOf(synthesized, 'plan-revision')).toEqual([
      listBucket(),
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objects('*') },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objects('manifests/*') },
    ]);
  });

  it('upload-batch reads and writes objects of the bucket, multipart included', () => {
    expect(grantsOf(synthesized, 'upload-batch')).toEqual([
      listBucket(),
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], Resource: objects('*') },
    ]);
  });

  it('create-revision creates, lists and tags revisions of this data set only', () => {
    expect(grantsOf(synthesized, 'create-revision')).toEqual([
      { Effect: 'Allow', Action: ['dataexchange:CreateRevision', 'dataexchange:ListDataSetRevisions'], Resource: dataSetArn() },
      { Effect: 'Allow', Action: ['dataexchange:GetRevision', 'dataexchange:TagResource'], Resource: revisionsArn() },
    ]);
  });

  it('start-import runs import jobs into this data set and reads their sources', () => {
    expect(grantsOf(synthesized, 'start-import')).toEqual([
      importJobs(['dataexchange:CreateJob', 'dataexchange:StartJob', 'dataexchange:GetJob', 'dataexchange:CancelJob']),
      { Effect: 'Allow', Action: ['dataexchange:ListRevisionAssets', 'dataexchange:CreateAsset'], Resource: revisionsArn() },
      { Effect: 'Allow', Action: 'dataexchange:ListJobs', Resource: '*' },
      listBucket(),
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objects('*') },
    ]);
  });

  it('check-import only reads import jobs', () => {
    expect(grantsOf(synthesized, 'check-import')).toEqual([importJobs(['dataexchange:GetJob'])]);
  });

  it('finalize-revision updates revisions of this data set, which publishes them', () => {
    expect(grantsOf(synthesized, 'finalize-revision')).toEqual([
      {
        Effect: 'Allow',
        Action: ['dataexchange:GetRevision', 'dataexchange:ListRevisionAssets', 'dataexchange:UpdateRevision'],
        Resource: revisionsArn(),
      },
      { Effect: 'Allow', Action: ['dataexchange:PublishDataSet', 'dataexchange:PublishToDataGrant'], Resource: dataSetArn() },
    ]);
  });

  it('share-with-subscribers creates data grants of this data set', () => {
    expect(grantsOf(synthesized, 'share-with-subscribers')).toEqual([
      {
        Effect: 'Allow',
        Action: ['dataexchange:CreateDataGrant', 'dataexchange:GetDataGrant', 'dataexchange:TagResource'],
        Resource: arn([':data-grants/*']),
      },
      { Effect: 'Allow', Action: ['dataexchange:PublishToDataGrant', 'dataexchange:PublishDataSet'], Resource: dataSetArn() },
      { Effect: 'Allow', Action: ['dataexchange:CreateJob', 'dataexchange:StartJob'], Resource: arn([':jobs/*']) },
      { Effect: 'Allow', Action: 'dataexchange:ListDataGrants', Resource: '*' },
    ]);
  });

  it('notify only publishes to the topic', () => {
    expect(grantsOf(synthesized, 'notify')).toEqual(publishToTopic());
  });

  it('handle-exchange-event publishes to the topic and dead-letters failed events', () => {
    expect(grantsOf(synthesized, 'handle-exchange-event')).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [ids.dlq, 'Arn'] } },
      ...publishToTopic(),
    ]);
  });

  it('handle-status-change reads the publish executions, claims and releases its records, and publishes to the topic', () => {
    expect(grantsOf(synthesized, 'handle-status-change')).toEqual([
      { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [ids.statusDlq, 'Arn'] } },
      {
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:GetExecutionHistory'],
        Resource: arn([':execution:dx-flow-publish-dev:*'], 'states'),
      },
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: objects('notifications/sent/*') },
      ...publishToTopic(),
    ]);
  });

  it('no task role carries a managed policy', () => {
    for (const taskFunction of Object.values(synthesized.stack.functions)) {
      const role = synthesized.template.toJSON().Resources[logicalIdOf(synthesized.stack, taskFunction.role)];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  const functionIds = (tasks: readonly ProviderTaskName[]) =>
    tasks.map((task) => logicalIdOf(synthesized.stack, synthesized.stack.functions[task].function)).sort();

  it('the import-batch state machine may invoke exactly the functions of its own states', () => {
    expect(invokedFunctions(synthesized, synthesized.stack.workflow.importBatchStateMachine)).toEqual(
      functionIds(['upload-batch', 'start-import', 'check-import']),
    );
  });

  it('the publish state machine may invoke exactly the functions of its own states', () => {
    expect(invokedFunctions(synthesized, synthesized.stack.workflow.stateMachine)).toEqual(
      functionIds(['plan-revision', 'create-revision', 'finalize-revision', 'share-with-subscribers', 'notify']),
    );
  });

  it('the publish state machine may start itself, for the next part of a run, and run the import-batch executions', () => {
    const { stack, template } = synthesized;
    const stepFunctionsAndEvents = stateMachineStatements(synthesized, stack.workflow.stateMachine).filter((statement) =>
      [statement.Action].flat().some((action) => /^(states|events):/.test(action)),
    );
    expect(stepFunctionsAndEvents).toEqual([
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: arn([':stateMachine:dx-flow-publish-dev'], 'states') },
      { Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: ids.importBatch } },
      {
        Effect: 'Allow',
        Action: ['states:DescribeExecution', 'states:StopExecution'],
        // CDK's .sync grant: the import-batch state machine's name out of its ARN, then `*`.
        Resource: arn([':execution:', { 'Fn::Select': [6, { 'Fn::Split': [':', { Ref: ids.importBatch }] }] }, '*'], 'states'),
      },
      {
        Effect: 'Allow',
        Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        Resource: arn([':rule/StepFunctionsGetEventsForStepFunctionsExecutionRule'], 'events'),
      },
    ]);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'dx-flow-publish-dev' });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: 'dx-flow-import-batch-dev' });
  });

  it('the import-batch state machine may start, describe or stop no execution', () => {
    const statements = stateMachineStatements(synthesized, synthesized.stack.workflow.importBatchStateMachine);
    expect(statements.filter((statement) => [statement.Action].flat().some((action) => /^(states|events):/.test(action)))).toEqual([]);
  });
});

describe('task roles with an existing topic encrypted with a customer managed key', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthStack({ snsTopicArn: TOPIC_ARN, snsTopicKmsKeyArn: TOPIC_KEY_ARN });
  });

  const publishWithKey = [
    { Effect: 'Allow', Action: 'sns:Publish', Resource: TOPIC_ARN },
    { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: TOPIC_KEY_ARN },
  ];

  it('notify publishes to the topic and uses exactly that key, as SNS encryption needs', () => {
    expect(grantsOf(synthesized, 'notify')).toEqual(publishWithKey);
  });

  it.each(['handle-exchange-event', 'handle-status-change'] as const)('%s, which publishes to the same topic, uses the key too', (task) => {
    expect(grantsOf(synthesized, task)).toEqual(expect.arrayContaining(publishWithKey));
  });

  it('no other role may use it', () => {
    const { template, stack } = synthesized;
    const publishers = (['notify', 'handle-exchange-event', 'handle-status-change'] as const).map((task) => ({
      Ref: logicalIdOf(stack, stack.functions[task].role),
    }));
    const usingKey = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) => JSON.stringify(policy).includes(TOPIC_KEY_ARN));
    expect(usingKey.flatMap((policy) => policy.Properties.Roles)).toEqual(expect.arrayContaining(publishers));
    expect(usingKey).toHaveLength(publishers.length);
  });
});

describe('task roles with subscriber notices on', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthStack({ notifySubscribers: true });
  });

  /** SendDataSetNotification on the data set alone, and the notice records: created, read and rewritten, never deleted. */
  const noticeGrants = () => {
    const { stack } = synthesized;
    const dataSet = logicalIdOf(stack, stack.dataSet);
    const bucket = logicalIdOf(stack, stack.dataBucket.bucket);
    return {
      send: { Effect: 'Allow', Action: 'dataexchange:SendDataSetNotification', Resource: arn([':data-sets/', { 'Fn::GetAtt': [dataSet, 'Id'] }]) },
      records: {
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/notifications/sent/subscriber-notices/*']] },
      },
      revisions: { Effect: 'Allow', Action: 'dataexchange:GetRevision', Resource: arn([':data-sets/', { 'Fn::GetAtt': [dataSet, 'Id'] }, '/revisions/*']) },
    };
  };

  it('notify also reads its revision, sends the notice on the data set and keeps its record', () => {
    const { send, records, revisions } = noticeGrants();
    expect(grantsOf(synthesized, 'notify')).toEqual(expect.arrayContaining([send, records, revisions]));
    expect(grantsOf(synthesized, 'notify')).toHaveLength(5);
  });

  it('handle-status-change also sends the notice on the data set and keeps its record, and reads no revision', () => {
    const { send, records } = noticeGrants();
    const grants = grantsOf(synthesized, 'handle-status-change');
    expect(grants).toEqual(expect.arrayContaining([send, records]));
    expect(grants.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('dataexchange:')))).toEqual([send]);
  });
});
