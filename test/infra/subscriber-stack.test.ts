import { CfnElement, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks, type NagPack, ServerlessChecks } from 'cdk-nag';
import { buildApp, PROVIDER_STACK_NAME, SUBSCRIBER_STACK_NAME } from '../../infra/build-app';
import { AUTO_EXPORT_KEY_PATTERN } from '../../infra/constructs/subscriber/export-layout';
import { ENV_KEYS } from '../../shared/env';
import { ACCOUNT_A } from '../fixtures/ids';
import { logicalIdOf } from './synth';

const GRANT_ARN = `arn:aws:dataexchange:us-east-1:${ACCOUNT_A}:data-grants/0123456789abcdef0123456789abcdef`;
const CONTEXT = { providerAccountId: ACCOUNT_A, dataGrantArn: GRANT_ARN };

function synthSubscriber(context: Record<string, unknown> = CONTEXT) {
  const { app, subscriberStack } = buildApp({ context, env: {}, bundle: false, nag: false });
  if (subscriberStack === undefined) throw new Error('no SubscriberStack was built');
  return { app, stack: subscriberStack, template: Template.fromStack(subscriberStack) };
}

describe('SubscriberStack in the app', () => {
  it('is left out when none of its context is given, and the provider stack still synthesizes', () => {
    const { app, subscriberStack } = buildApp({ context: {}, env: {}, bundle: false, nag: false });
    expect(subscriberStack).toBeUndefined();
    expect(app.node.tryFindChild(SUBSCRIBER_STACK_NAME)).toBeUndefined();
    expect(app.node.tryFindChild(PROVIDER_STACK_NAME)).toBeDefined();
  });

  it('is added beside the provider stack when its context is given', () => {
    const { app } = synthSubscriber();
    expect(app.node.tryFindChild(SUBSCRIBER_STACK_NAME)).toBeDefined();
    expect(app.node.tryFindChild(PROVIDER_STACK_NAME)).toBeDefined();
  });

  it.each([
    [{ providerAccountId: ACCOUNT_A }, 'dataGrantArn'],
    [{ dataGrantArn: GRANT_ARN }, 'providerAccountId'],
    [{ ...CONTEXT, dataGrantArn: 'arn:aws:s3:::bucket' }, 'dataGrantArn: must be a data grant ARN'],
    [{ ...CONTEXT, providerAccountId: '999999999999' }, "dataGrantArn: must be a grant of the provider's account"],
  ])('fails synth on incomplete or wrong context %j, naming %s', (context, named) => {
    expect(() => buildApp({ context, env: {}, bundle: false, nag: false })).toThrow(named);
  });
});

describe('SubscriberStack', () => {
  const synthesized = synthSubscriber();
  const { stack, template } = synthesized;

  it('receives into a versioned, encrypted, TLS-only, private bucket with access logs and a lifecycle', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: { 'Fn::Join': ['', ['dx-flow-received-', { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]] },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue() },
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 90 } })]) },
    });
  });

  it('lets only Data Exchange, acting for this account, write exports into the bucket', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logicalIdOf(stack, stack.receivingBucket.bucket) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'dataexchange.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  it('accepts the grant idempotently, then reads the entitled data set id back', () => {
    const calls = Object.entries(template.findResources('Custom::AWS')).map(([logicalId, resource]) => ({
      logicalId,
      create: JSON.parse(resource.Properties.Create as string) as Record<string, unknown>,
      update: resource.Properties.Update === undefined ? undefined : (JSON.parse(resource.Properties.Update as string) as Record<string, unknown>),
      dependsOn: resource.DependsOn as string[],
    }));
    const accept = calls.find((call) => call.create.action === 'AcceptDataGrant');
    const lookup = calls.find((call) => call.create.action === 'GetReceivedDataGrant');
    expect(accept?.create).toMatchObject({
      service: 'DataExchange',
      parameters: { DataGrantArn: GRANT_ARN },
      physicalResourceId: { id: GRANT_ARN },
      ignoreErrorCodesMatching: 'ConflictException',
    });
    expect(accept?.update).toBeUndefined();
    expect(lookup?.create).toMatchObject({ parameters: { DataGrantArn: GRANT_ARN }, outputPaths: ['DataSetId'] });
    expect(lookup?.update).toEqual(lookup?.create);
    expect(lookup?.dependsOn).toContain(accept?.logicalId);
  });

  it.each(['AcceptDataGrant', 'GetReceivedDataGrant'])('lets the custom resource call %s on this one grant only', (action) => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: `dataexchange:${action}`, Effect: 'Allow', Resource: GRANT_ARN }] },
    });
  });

  it('auto-exports every revision of the entitled data set to the bucket, keyed by date and revision id', () => {
    expect(AUTO_EXPORT_KEY_PATTERN).toBe('${Revision.CreatedAt}/${Revision.Id}/${Asset.Name}');
    template.hasResourceProperties('AWS::DataExchange::EventAction', {
      Event: { RevisionPublished: { DataSetId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GrantLookup'), 'DataSetId'] } } },
      Action: {
        ExportRevisionToS3: {
          Encryption: { Type: 'AES256' },
          RevisionDestination: { Bucket: { Ref: logicalIdOf(stack, stack.receivingBucket.bucket) }, KeyPattern: AUTO_EXPORT_KEY_PATTERN },
        },
      },
    });
  });

  it.each([
    ['CompletedRule', ['Auto-export Job Completed']],
    ['FailedRule', ['Auto-export Job Failed']],
    [
      'ProviderEventsRule',
      [
        'Revision Revoked',
        'Data Updated in Data Set',
        'Data Set Update Delayed',
        'Schema Change Planned for Data Set',
        'Deprecation Planned for Data Set',
        'Data Grant Accepted',
        'Data Grant Extended',
        'Data Grant Revoked',
      ],
    ],
  ])('routes %s (%j) to the export handler, with retries and a dead-letter queue', (rule, detailTypes) => {
    const { exportWatch } = stack;
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.dataexchange'], 'detail-type': detailTypes },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalIdOf(stack, exportWatch.handler.function), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack, exportWatch.deadLetterQueue), 'Arn'] } },
        }),
      ],
    });
    expect(exportWatch.node.findChild(rule)).toBeDefined();
  });

  it('runs the handle-export-event task, publishing to the stack\'s own topic', () => {
    const topicRef = { Ref: logicalIdOf(stack, stack.notifications.topic) };
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV_KEYS.task]: 'handle-export-event', [ENV_KEYS.notifyTopicArn]: topicRef }) },
      Architectures: ['arm64'],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: logicalIdOf(stack, stack.exportWatch.handler.role) }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'sns:Publish', Resource: topicRef })]) },
    });
  });

  it('alarms to the topic on a failed export, handler errors and undelivered events', () => {
    const topicRef = { Ref: logicalIdOf(stack, stack.notifications.topic) };
    expect(stack.exportWatch.alarms).toHaveLength(3);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Events',
      MetricName: 'TriggeredRules',
      Dimensions: [{ Name: 'RuleName', Value: { Ref: logicalIdOf(stack, stack.exportWatch.failedRule) } }],
      AlarmActions: [topicRef],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors', AlarmActions: [topicRef] });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible' });
  });

  it("lets CloudWatch use the topic's key, without which no alarm reaches the encrypted topic", () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Resource: '*' },
        ]),
      },
    });
  });

  describe('logical ids', () => {
    // A moved logical id makes CloudFormation replace the resource: a new receiving bucket (the named one cannot be
    // created beside the old), a new topic, or a grant accepted again. These are the ids SubscriberStack had before
    // DataExchangeSubscriber took over its resources.
    it.each<[string, (subscriber: typeof stack) => IConstruct, string]>([
      ['receiving bucket', (s) => s.receivingBucket.bucket, 'ReceivingBucketData2E1126E5'],
      ['access log bucket', (s) => s.receivingBucket.accessLogBucket!, 'ReceivingBucketAccessLogsCC6CAB0C'],
      ['topic', (s) => s.notifications.topic, 'NotificationsTopicAE679CBD'],
      ['topic key', (s) => s.notifications.key!, 'NotificationsKeyADCFA950'],
      ['grant acceptance', (s) => s.grant.acceptance, 'GrantAccept3996AA51'],
      ['grant lookup', (s) => s.grant.lookup, 'GrantLookupD020AB63'],
      ['event action', (s) => s.autoExport.eventAction, 'AutoExportEventAction997ED885'],
    ])('keep the %s at its id', (name, construct, logicalId) => {
      // An AwsCustomResource wraps a CustomResource, which wraps its CfnResource: follow defaultChild down to it.
      let cfn: IConstruct | undefined = construct(stack);
      while (cfn !== undefined && !CfnElement.isCfnElement(cfn)) cfn = cfn.node.defaultChild;
      if (cfn === undefined) throw new Error(`no CloudFormation resource under the ${name}`);
      expect(stack.getLogicalId(cfn as CfnElement)).toBe(logicalId);
      expect(template.toJSON().Resources[logicalId]).toBeDefined();
    });
  });

  it('outputs the bucket, the received data set id and the topic', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['ReceivedDataSetId', 'ReceivingBucketName', 'TopicArn']);
  });

  it('leaves cdk-nag nothing unacknowledged, and acknowledges only inside the stack', () => {
    const packs: NagPack[] = [new AwsSolutionsChecks(), new ServerlessChecks()];
    const findings = packs.flatMap((pack) =>
      pack
        .validateScope(stack)
        .violations.flatMap((violation) => violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`)),
    );
    expect(findings).toEqual([]);
    const acknowledgedOn = stack.node
      .findAll()
      .filter((construct) => construct.node.metadata.some((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY));
    for (const construct of acknowledgedOn) expect(construct.node.path).toMatch(new RegExp(`^${SUBSCRIBER_STACK_NAME}/.+`));
  });
});
