import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { ProviderTaskName } from '../tasks/registry';
import type { DataExchangeConfig } from './config';
import type { DataBucket } from './constructs/data-bucket';
import { DataExchangePublisher } from './constructs/data-exchange-publisher';
import type { DataSet } from './constructs/data-set';
import type { ExchangeEvents } from './constructs/exchange-events';
import type { ManifestTrigger } from './constructs/manifest-trigger';
import type { Monitoring } from './constructs/monitoring';
import type { Notifications } from './constructs/notifications';
import type { PublishSchedule } from './constructs/schedule';
import type { PublishWorkflow } from './constructs/publish-workflow';
import type { StatusNotifications } from './constructs/status-notifications';
import type { TaskFunction } from './constructs/task-function';

export interface DataExchangeStackProps extends StackProps {
  readonly config: DataExchangeConfig;
}

/**
 * CDK names a construct's child "Default" out of the logical ids of everything under it: neither the readable part
 * nor the hash counts it. The publisher is built under that id, so each resource keeps the logical id it had when the
 * stack built them itself, and a stack deployed before the publisher existed updates in place: no bucket, data set,
 * state machine, topic or named log group is replaced (test/infra/data-exchange-stack.test.ts pins them). Only the
 * construct paths in the metadata gain a `Default/`. In an app of your own, give the publisher any id.
 */
export const PUBLISHER_ID = 'Default';

/** The provider's side for `cdk deploy`: a `DataExchangePublisher` configured from CDK context, and its outputs. */
export class DataExchangeStack extends Stack {
  public readonly publisher: DataExchangePublisher;
  public readonly dataBucket: DataBucket;
  public readonly dataSet: DataSet;
  public readonly notifications: Notifications;
  /** Where the alarms go: an operations topic of its own, apart from the run notifications. */
  public readonly alarmTopic: Notifications;
  public readonly functions: Readonly<Record<ProviderTaskName, TaskFunction>>;
  public readonly workflow: PublishWorkflow;
  /** The default data set's schedule, unless it has none. */
  public readonly schedule?: PublishSchedule;
  public readonly manifestTrigger: ManifestTrigger;
  public readonly exchangeEvents: ExchangeEvents;
  /** Announces each publish run that failed, timed out or was stopped. */
  public readonly statusNotifications: StatusNotifications;
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: DataExchangeStackProps) {
    super(scope, id, props);
    const { config } = props;
    // Imported topics are references only: no resource, so no logical id to keep.
    const importTopic = (importId: string, topicArn: string | undefined) =>
      topicArn === undefined ? undefined : sns.Topic.fromTopicArn(this, importId, topicArn);

    const publisher = new DataExchangePublisher(this, PUBLISHER_ID, {
      environment: config.environment,
      dataSets: config.dataSets.map((dataSet) => ({
        name: dataSet.name,
        dataSetId: dataSet.datasetId,
        schedule: dataSet.schedule === false ? false : events.Schedule.expression(dataSet.schedule),
        scheduledSource: dataSet.scheduledSource,
        subscriberAccountIds: dataSet.subscriberAccountIds,
        grantEndsAt: dataSet.grantEndsAt,
      })),
      retainOnDelete: config.environment === 'prod',
      tierSourcesAfterDays: config.tierSourcesAfterDays,
      notificationTopic: importTopic('ImportedNotificationTopic', config.snsTopicArn),
      notificationTopicKeyArn: config.snsTopicKmsKeyArn,
      alarmTopic: importTopic('ImportedAlarmTopic', config.alarmTopicArn),
      notifySubscribers: config.notifySubscribers,
    });
    this.publisher = publisher;
    // With alarms on, as here, the publisher always builds the alarm topic.
    if (publisher.alarmNotifications === undefined) throw new Error('DataExchangeStack: the publisher built no alarm topic');
    this.dataBucket = publisher.dataBucket;
    this.dataSet = publisher.dataSet;
    this.notifications = publisher.notifications;
    this.alarmTopic = publisher.alarmNotifications;
    this.functions = publisher.taskFunctions;
    this.workflow = publisher.workflow;
    this.schedule = publisher.schedule;
    this.manifestTrigger = publisher.manifestTrigger;
    this.exchangeEvents = publisher.exchangeEvents;
    this.statusNotifications = publisher.statusNotifications;
    this.monitoring = publisher.monitoring;

    const { stateMachine, bucket, dataSetId } = publisher;
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn });
    new CfnOutput(this, 'ImportBatchStateMachineArn', {
      description: 'Imports one batch; the publish state machine runs one execution of it per batch.',
      value: publisher.importBatchStateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'DataSetId', { description: 'The default data set: the one a run publishes to when it names none.', value: dataSetId });
    new CfnOutput(this, 'DataSets', {
      description: 'Every data set, by the name runs and manifests give it (`dataSet`, `dx-flow run --dataset <name>`), as JSON.',
      value: this.toJsonString(publisher.dataSetIds),
    });
    new CfnOutput(this, 'TopicArn', { description: 'Run notifications and Data Exchange events.', value: publisher.notificationTopic.topicArn });
    new CfnOutput(this, 'AlarmTopicArn', { description: 'CloudWatch alarms, for whoever operates the stack.', value: this.alarmTopic.topic.topicArn });
    new CfnOutput(this, 'StartExecutionCommand', {
      description: 'Starts one publish run; paste it into a shell with AWS credentials for this account.',
      value: Fn.join('', [
        'aws stepfunctions start-execution --state-machine-arn ',
        stateMachine.stateMachineArn,
        ` --input '{"bucket":"`,
        bucket.bucketName,
        '","datasetId":"',
        dataSetId,
        `"}'`,
      ]),
    });
  }
}
