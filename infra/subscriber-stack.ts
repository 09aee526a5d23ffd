import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DataBucket } from './constructs/data-bucket';
import type { Notifications } from './constructs/notifications';
import type { AutoExport } from './constructs/subscriber/auto-export';
import { DataExchangeSubscriber } from './constructs/subscriber/data-exchange-subscriber';
import type { ExportWatch } from './constructs/subscriber/export-watch';
import type { GrantAcceptance } from './constructs/subscriber/grant-acceptance';
import type { SubscriberConfig } from './subscriber-config';

export interface SubscriberStackProps extends StackProps {
  readonly config: SubscriberConfig;
}

/**
 * Under "Default", which CDK leaves out of logical ids (see PUBLISHER_ID in data-exchange-stack.ts), so each resource
 * keeps the id it had before the construct existed; test/infra/subscriber-stack.test.ts pins them.
 */
export const SUBSCRIBER_ID = 'Default';

/** The subscriber's side for `cdk deploy`, in the receiving account: a `DataExchangeSubscriber` configured from CDK context. */
export class SubscriberStack extends Stack {
  public readonly subscriber: DataExchangeSubscriber;
  public readonly receivingBucket: DataBucket;
  public readonly notifications: Notifications;
  public readonly grant: GrantAcceptance;
  public readonly autoExport: AutoExport;
  public readonly exportWatch: ExportWatch;

  constructor(scope: Construct, id: string, props: SubscriberStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.subscriber = new DataExchangeSubscriber(this, SUBSCRIBER_ID, {
      dataGrantArn: config.dataGrantArn,
      retainOnDelete: config.environment === 'prod',
    });
    ({
      receivingBucket: this.receivingBucket,
      notifications: this.notifications,
      grant: this.grant,
      autoExport: this.autoExport,
      exportWatch: this.exportWatch,
    } = this.subscriber);

    new CfnOutput(this, 'ReceivingBucketName', { value: this.subscriber.bucket.bucketName });
    new CfnOutput(this, 'ReceivedDataSetId', { value: this.subscriber.dataSetId });
    new CfnOutput(this, 'TopicArn', { value: this.subscriber.topic.topicArn });
  }
}
