import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledgeWildcardActions } from './nag';

export interface NotificationsProps {
  /**
   * An existing topic to publish to (the original recipe's `sns_topic_arn`).
   * @default a new topic, encrypted with a customer managed key and TLS-only
   */
  readonly topicArn?: string;
}

/** The topic that gets exactly one message per run, the Data Exchange events, and every alarm. */
export class Notifications extends Construct {
  public readonly topic: sns.ITopic;
  /** The key of the topic this construct created. */
  public readonly key?: kms.Key;

  constructor(scope: Construct, id: string, props: NotificationsProps = {}) {
    super(scope, id);
    if (props.topicArn !== undefined) {
      this.topic = sns.Topic.fromTopicArn(this, 'Topic', props.topicArn);
      return;
    }
    // A customer managed key, not alias/aws/sns: CloudWatch alarms can only publish to a topic whose key policy
    // lets cloudwatch.amazonaws.com use the key, and an AWS managed key's policy cannot be changed.
    this.key = new kms.Key(this, 'Key', {
      description: 'dx-flow notifications topic',
      enableKeyRotation: true,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const topic = new sns.Topic(this, 'Topic', {
      displayName: 'dx-flow',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic = topic;
  }

  /** Lets a function publish; for the stack's own topic this includes the key use that SSE needs. */
  public grantPublish(grantee: iam.IGrantable): void {
    this.topic.grantPublish(grantee);
    if (this.key !== undefined) {
      acknowledgeWildcardActions(grantee, ['kms:GenerateDataKey*'], 'SNS server-side encryption needs the GenerateDataKey family on the topic key; the grant names only that key.');
    }
  }
}
