import { WorkflowInput } from '../../shared/schemas/workflow-input';
import { objectCreatedEvent, type S3EventRule, s3EventRuleFromTemplate } from '../../sandbox/manifest-trigger';
import { DATA_SET_ID } from '../fixtures/ids';
import { logicalIdOf, type Synthesized, synthStack } from './synth';

const BUCKET_NAME = 'dx-flow-data-111111111111-us-east-1';

describe('ManifestTrigger', () => {
  let synthesized: Synthesized;
  let bucketId: string;
  let ruleProps: Record<string, unknown>;
  /** The synthesized rule, replayed as the sandbox replays it, with the data bucket named BUCKET_NAME. */
  let rule: S3EventRule;

  beforeAll(() => {
    synthesized = synthStack({ datasetId: DATA_SET_ID, scheduledSource: { type: 'sample' } });
    const { stack, template } = synthesized;
    bucketId = logicalIdOf(stack, stack.dataBucket.bucket);
    ruleProps = template.toJSON().Resources[logicalIdOf(stack, stack.manifestTrigger.rule)].Properties;
    rule = s3EventRuleFromTemplate(template.toJSON(), (logicalId) => (logicalId === bucketId ? BUCKET_NAME : logicalId));
  });

  it('turns on EventBridge notifications for the data bucket', () => {
    synthesized.template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucketId },
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
  });

  it('matches Object Created events of this bucket under manifests/incoming/ ending in .json', () => {
    expect(ruleProps.EventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [{ Ref: bucketId }] }, object: { key: [{ wildcard: 'manifests/incoming/*.json' }] } },
    });
  });

  it.each([
    ['manifests/incoming/batch.json', true],
    ['manifests/incoming/2026/11/30.json', true],
    ['manifests/incoming/batch.csv', false],
    ['manifests/incoming/batch.json.tmp', false],
    ['manifests/run-1.json', false],
    ['incoming/manifests/incoming/batch.json', false],
    ['data/batch.json', false],
  ])('on key %s matches: %s', (key, expected) => {
    expect(rule.matches(objectCreatedEvent({ bucket: BUCKET_NAME, key, etag: 'e1', reason: 'PutObject' }))).toBe(expected);
  });

  it('ignores other buckets and other S3 events', () => {
    const event = objectCreatedEvent({ bucket: BUCKET_NAME, key: 'manifests/incoming/batch.json', etag: 'e1', reason: 'PutObject' });

    expect(rule.matches(event)).toBe(true);
    expect(rule.matches({ ...event, 'detail-type': 'Object Deleted' })).toBe(false);
    expect(rule.matches({ ...event, detail: { ...(event.detail as object), bucket: { name: 'someone-else' } } })).toBe(false);
  });

  it('starts the state machine with the manifest source, retrying into its own dead-letter queue', () => {
    const { stack } = synthesized;
    expect(ruleProps.Targets).toEqual([
      {
        Id: expect.any(String),
        Arn: { Ref: logicalIdOf(stack, stack.workflow.stateMachine) },
        RoleArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
        InputTransformer: {
          InputPathsMap: {
            'detail-bucket-name': '$.detail.bucket.name',
            'detail-object-key': '$.detail.object.key',
            'detail-object-etag': '$.detail.object.etag',
          },
          InputTemplate: '{"bucket":<detail-bucket-name>,"source":{"type":"manifest","key":<detail-object-key>,"etag":<detail-object-etag>}}',
        },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack, stack.manifestTrigger.deadLetterQueue), 'Arn'] } },
      },
    ]);
  });

  it('gives the workflow a valid input with no runId and no data set, so PlanRevision derives the runId from the key and ETag and the data set from the manifest', () => {
    const event = objectCreatedEvent({ bucket: BUCKET_NAME, key: 'manifests/incoming/Nov 30.json', etag: '"abc123"', reason: 'PutObject' });

    const input = WorkflowInput.parse(JSON.parse(rule.input(event)));

    expect(input).toEqual({
      bucket: BUCKET_NAME,
      source: { type: 'manifest', key: 'manifests/incoming/Nov 30.json', etag: 'abc123' },
    });
  });

  it('lets EventBridge start executions of this state machine and nothing else', () => {
    const { stack, template } = synthesized;
    const [roleId] = (ruleProps.Targets as { RoleArn: { 'Fn::GetAtt': [string, string] } }[])[0].RoleArn['Fn::GetAtt'];
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'states:StartExecution', Resource: { Ref: logicalIdOf(stack, stack.workflow.stateMachine) } }],
      },
    });
    expect(template.toJSON().Resources[roleId].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({ Principal: { Service: 'events.amazonaws.com' } }),
    ]);
  });
});
