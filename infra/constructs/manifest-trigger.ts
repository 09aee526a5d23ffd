import { Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { WorkflowInputRequest } from '../../shared/schemas/workflow-input';
import { type DeliveryRetryProps, targetDelivery } from './delivery';

/** Where a provider drops the manifest that completes a batch; each `.json` object here starts one run. */
export const MANIFEST_TRIGGER_PREFIX = 'manifests/incoming/';
export const MANIFEST_TRIGGER_KEY_PATTERN = `${MANIFEST_TRIGGER_PREFIX}*.json`;

/** The fields of an S3 "Object Created" event that a run needs. */
export interface ObjectCreatedFields {
  readonly bucket: string;
  readonly key: string;
  readonly etag: string;
}

/**
 * The workflow input one manifest upload starts. The rule renders it with event-field tokens; the sandbox calls
 * the same function with an event's values, through the synthesized template, so both start the same input.
 * No runId: PlanRevision derives it from the key and ETag, so a re-delivered event publishes nothing twice. No data
 * set: the manifest names one in its `dataSet` field, else the run publishes to the stack's default.
 */
export function manifestRunInput(object: ObjectCreatedFields): WorkflowInputRequest {
  return { bucket: object.bucket, source: { type: 'manifest', key: object.key, etag: object.etag } };
}

/**
 * enableEventBridgeNotification() adds CDK's stack-singleton Lambda that writes the bucket's notification
 * configuration at deploy time. aws-s3 does not export it, so it is found by the id CDK gives it.
 */
function acknowledgeNotificationsHandler(scope: Construct): void {
  const handler = Stack.of(scope).node.children.find((child) => child.node.id.startsWith('BucketNotificationsHandler'));
  const role = handler?.node.tryFindChild('Role');
  if (role === undefined) throw new Error('enableEventBridgeNotification() added no BucketNotificationsHandler role to acknowledge');
  Validations.of(role).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: "CDK's own deploy-time handler for the bucket notification configuration; the managed policy only lets it write its logs.",
  });
}

export interface ManifestTriggerProps extends DeliveryRetryProps {
  readonly stateMachine: sfn.IStateMachine;
  /** The data bucket; EventBridge notifications are turned on for it. */
  readonly bucket: s3.IBucket;
}

/**
 * Starts a publish run when a manifest lands under `manifests/incoming/`: S3 EventBridge notifications, a rule
 * on Object Created for that key pattern, and StartExecution with retry and a dead-letter queue.
 */
export class ManifestTrigger extends Construct {
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ManifestTriggerProps) {
    super(scope, id);
    props.bucket.enableEventBridgeNotification();
    acknowledgeNotificationsHandler(this);
    const delivery = targetDelivery(this, props);
    this.deadLetterQueue = delivery.deadLetterQueue;
    this.rule = new events.Rule(this, 'Rule', {
      description: `Starts a dx-flow publish run for each manifest uploaded as ${MANIFEST_TRIGGER_KEY_PATTERN}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: {
          bucket: { name: [props.bucket.bucketName] },
          object: { key: events.Match.wildcard(MANIFEST_TRIGGER_KEY_PATTERN) },
        },
      },
    });
    const fromEvent = (path: string) => events.EventField.fromPath(path);
    this.rule.addTarget(
      new targets.SfnStateMachine(props.stateMachine, {
        input: events.RuleTargetInput.fromObject(
          manifestRunInput(
            { bucket: fromEvent('$.detail.bucket.name'), key: fromEvent('$.detail.object.key'), etag: fromEvent('$.detail.object.etag') },
          ),
        ),
        ...delivery,
      }),
    );
  }
}
