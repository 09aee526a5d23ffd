import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { acknowledgeWildcardActions } from './nag';

export interface ExistingTopic {
  readonly topic: sns.ITopic;
  /**
   * The customer managed key the topic is encrypted with. Publishers get kms:Decrypt and kms:GenerateDataKey* on
   * exactly this key: without them every Publish to the topic fails.
   * @default none: the topic is unencrypted, or encrypted with the AWS managed key, which needs no grant
   */
  readonly keyArn?: string;
}

export interface NotificationsProps {
  /**
   * An existing topic to publish to (the original recipe's `sns_topic_arn`), and its key.
   * @default a new topic, encrypted with a customer managed key and TLS-only
   */
  readonly existing?: ExistingTopic;
  /** What the topic carries, in the new topic's display name and its key's description. @default 'notifications' */
  readonly purpose?: string;
  /**
   * Lets CloudWatch alarms publish to the new topic: its key policy then allows cloudwatch.amazonaws.com to use
   * the key. An existing topic's key policy is its owner's to change.
   * @default false
   */
  readonly allowCloudWatchAlarms?: boolean;
}

/** An SNS topic the app publishes to: created, with a key of its own, or an existing one. */
export class Notifications extends Construct {
  public readonly topic: sns.ITopic;
  /** The key of the topic this construct created. */
  public readonly key?: kms.Key;
  /** The topic's customer managed key: the one created here, or the one given with an existing topic. */
  public readonly keyArn?: string;

  constructor(scope: Construct, id: string, props: NotificationsProps = {}) {
    super(scope, id);
    if (props.existing !== undefined) {
      this.topic = props.existing.topic;
      this.keyArn = props.existing.keyArn;
      return;
    }
    const purpose = props.purpose ?? 'notifications';
    // A customer managed key, not alias/aws/sns: CloudWatch alarms can only publish to a topic whose key policy
    // lets cloudwatch.amazonaws.com use the key, and an AWS managed key's policy cannot be changed.
    this.key = new kms.Key(this, 'Key', {
      description: `dx-flow ${purpose} topic`,
      enableKeyRotation: true,
    });
    this.keyArn = this.key.keyArn;
    if (props.allowCloudWatchAlarms === true) {
      // SNS uses the key on behalf of whoever publishes, and CloudWatch publishes as its service principal. AWS documents
      // the statement in "Enable compatibility between event sources from AWS services and encrypted topics":
      // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
      this.key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
        }),
      );
    }
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `dx-flow ${purpose}`,
      masterKey: this.key,
      enforceSSL: true,
    });
  }

  /** Lets a function publish, with the use of the topic's customer managed key that SNS encryption needs. */
  public grantPublish(grantee: iam.IGrantable): void {
    // For the topic created here this grants the key too; an imported topic knows no key, so the given one is named.
    this.topic.grantPublish(grantee);
    if (this.keyArn === undefined) return;
    if (this.key === undefined) {
      iam.Grant.addToPrincipal({ grantee, actions: ['kms:Decrypt', 'kms:GenerateDataKey*'], resourceArns: [this.keyArn] });
    }
    acknowledgeWildcardActions(grantee, ['kms:GenerateDataKey*'], 'SNS server-side encryption needs the GenerateDataKey family on the topic key; the grant names only that key.');
  }
}
