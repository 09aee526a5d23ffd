import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DataBucket } from './constructs/data-bucket';
import { Notifications } from './constructs/notifications';
import { AutoExport } from './constructs/subscriber/auto-export';
import { ExportWatch } from './constructs/subscriber/export-watch';
import { GrantAcceptance } from './constructs/subscriber/grant-acceptance';
import type { SubscriberConfig } from './subscriber-config';

export interface SubscriberStackProps extends StackProps {
  readonly config: SubscriberConfig;
}

/**
 * The subscriber's side, deployed in the receiving account: it accepts the provider's grant, auto-exports every
 * revision published to the received data set into a bucket of its own, and announces each export on its own topic.
 */
export class SubscriberStack extends Stack {
  public readonly receivingBucket: DataBucket;
  public readonly notifications: Notifications;
  public readonly grant: GrantAcceptance;
  public readonly autoExport: AutoExport;
  public readonly exportWatch: ExportWatch;

  constructor(scope: Construct, id: string, props: SubscriberStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.receivingBucket = new DataBucket(this, 'ReceivingBucket', {
      namePrefix: 'dx-flow-received',
      retainOnDelete: config.environment === 'prod',
    });
    // The export watch's alarms go to this topic too, so CloudWatch may use its key.
    this.notifications = new Notifications(this, 'Notifications', { allowCloudWatchAlarms: true });
    this.grant = new GrantAcceptance(this, 'Grant', { dataGrantArn: config.dataGrantArn });
    this.autoExport = new AutoExport(this, 'AutoExport', { dataSetId: this.grant.dataSetId, bucket: this.receivingBucket.bucket });
    this.exportWatch = new ExportWatch(this, 'ExportWatch', { topic: this.notifications.topic });
    this.notifications.grantPublish(this.exportWatch.handler.function);

    new CfnOutput(this, 'ReceivingBucketName', { value: this.receivingBucket.bucket.bucketName });
    new CfnOutput(this, 'ReceivedDataSetId', { value: this.grant.dataSetId });
    new CfnOutput(this, 'TopicArn', { value: this.notifications.topic.topicArn });
  }
}
