import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { DataBucket } from '../data-bucket';
import { Notifications } from '../notifications';
import { AutoExport } from './auto-export';
import { ExportWatch } from './export-watch';
import { GrantAcceptance } from './grant-acceptance';

const DATA_GRANT_ARN = /^arn:aws[a-z-]*:dataexchange:[a-z0-9-]+:\d{12}:data-grants\/[a-zA-Z0-9]{30,40}$/;

export interface DataExchangeSubscriberProps {
  /** The data grant the provider made to this account: `arn:aws:dataexchange:<region>:<provider account>:data-grants/<id>`. */
  readonly dataGrantArn: string;
  /**
   * A bucket of your own to export each revision into; the subscriber adds a bucket policy statement that lets Data
   * Exchange write there for this account only.
   * @default a new versioned, encrypted, TLS-only bucket `dx-flow-received-<account>-<region>`, with server access logs
   */
  readonly bucket?: s3.IBucket;
  /**
   * Keep the new buckets and their objects when the stack is deleted.
   * @default false
   */
  readonly retainOnDelete?: boolean;
  /**
   * Where each export is announced and the alarms go. An existing topic with a customer managed key needs its key
   * policy to let cloudwatch.amazonaws.com use the key, and publishers it does not know.
   * @default a new topic, encrypted with a key whose policy lets CloudWatch publish
   */
  readonly topic?: sns.ITopic;
}

/**
 * The subscriber's side, in the receiving account: accepts the provider's data grant, auto-exports every revision
 * published to the received data set into a bucket, announces each export on a topic and alarms on failed exports.
 * `SubscriberStack` is this construct configured from CDK context.
 */
export class DataExchangeSubscriber extends Construct {
  /** The bucket revisions are exported into: the one given, or the one created. */
  public readonly bucket: s3.IBucket;
  /** This account's entitled copy of the provider's data set. */
  public readonly dataSetId: string;
  public readonly topic: sns.ITopic;
  /** The export event handler. */
  public readonly handler: lambda.IFunction;
  public readonly alarms: readonly cloudwatch.Alarm[];

  /** The constructs behind those. */
  public readonly receivingBucket: DataBucket;
  public readonly notifications: Notifications;
  public readonly grant: GrantAcceptance;
  public readonly autoExport: AutoExport;
  public readonly exportWatch: ExportWatch;

  constructor(scope: Construct, id: string, props: DataExchangeSubscriberProps) {
    super(scope, id);
    if (!DATA_GRANT_ARN.test(props.dataGrantArn)) {
      throw new Error(
        `DataExchangeSubscriber: dataGrantArn must be a data grant ARN, arn:aws:dataexchange:<region>:<provider account>:data-grants/<id>; got "${props.dataGrantArn}"`,
      );
    }
    this.receivingBucket = new DataBucket(this, 'ReceivingBucket', {
      existingBucket: props.bucket,
      namePrefix: 'dx-flow-received',
      retainOnDelete: props.retainOnDelete ?? false,
    });
    this.bucket = this.receivingBucket.bucket;
    // The export watch's alarms go to this topic too, so CloudWatch may use its key.
    this.notifications = new Notifications(this, 'Notifications', {
      existing: props.topic === undefined ? undefined : { topic: props.topic },
      allowCloudWatchAlarms: true,
    });
    this.topic = this.notifications.topic;
    this.grant = new GrantAcceptance(this, 'Grant', { dataGrantArn: props.dataGrantArn });
    this.dataSetId = this.grant.dataSetId;
    this.autoExport = new AutoExport(this, 'AutoExport', { dataSetId: this.dataSetId, bucket: this.bucket });
    this.exportWatch = new ExportWatch(this, 'ExportWatch', { topic: this.topic });
    this.notifications.grantPublish(this.exportWatch.handler.function);
    this.handler = this.exportWatch.handler.function;
    this.alarms = this.exportWatch.alarms;
  }
}
