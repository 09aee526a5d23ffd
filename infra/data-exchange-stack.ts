import { Aws, CfnOutput, Fn, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ENV_KEYS } from '../shared/env';
import type { ProviderTaskName } from '../tasks/registry';
import type { WorkflowTaskName } from '../workflows/publish-revision';
import type { DataExchangeConfig } from './config';
import { APP_WRITTEN_PREFIXES, DataBucket } from './constructs/data-bucket';
import { DataSet } from './constructs/data-set';
import { ExchangeEvents } from './constructs/exchange-events';
import { ManifestTrigger } from './constructs/manifest-trigger';
import { Monitoring } from './constructs/monitoring';
import { Notifications } from './constructs/notifications';
import { PublishSchedule } from './constructs/schedule';
import { PublishWorkflow } from './constructs/publish-workflow';
import { StatusNotifications } from './constructs/status-notifications';
import { TaskFunction, type TaskFunctionProps } from './constructs/task-function';

export interface DataExchangeStackProps extends StackProps {
  readonly config: DataExchangeConfig;
}

/** The provider's side: the bucket, the data set, the task Lambdas, the state machine and what starts and watches it. */
export class DataExchangeStack extends Stack {
  public readonly dataBucket: DataBucket;
  public readonly dataSet: DataSet;
  public readonly notifications: Notifications;
  /** Where the alarms go: an operations topic of its own, apart from the run notifications. */
  public readonly alarmTopic: Notifications;
  public readonly functions: Readonly<Record<ProviderTaskName, TaskFunction>>;
  public readonly workflow: PublishWorkflow;
  public readonly schedule: PublishSchedule;
  public readonly manifestTrigger: ManifestTrigger;
  public readonly exchangeEvents: ExchangeEvents;
  /** Announces each publish run that failed, timed out or was stopped. */
  public readonly statusNotifications: StatusNotifications;
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: DataExchangeStackProps) {
    super(scope, id, props);
    const { config } = props;
    const isProd = config.environment === 'prod';

    this.dataBucket = new DataBucket(this, 'DataBucket', {
      retainOnDelete: isProd,
      tieredPrefixes: APP_WRITTEN_PREFIXES,
      glacierAllObjectsAfterDays: config.tierSourcesAfterDays,
    });
    this.dataSet = new DataSet(this, 'DataSet', { dataSetId: config.datasetId, name: `dx-flow-${config.environment}` });
    this.notifications = new Notifications(this, 'Notifications', {
      existing: config.snsTopicArn === undefined ? undefined : { topicArn: config.snsTopicArn, keyArn: config.snsTopicKmsKeyArn },
    });
    this.alarmTopic = new Notifications(this, 'AlarmTopic', {
      existing: config.alarmTopicArn === undefined ? undefined : { topicArn: config.alarmTopicArn },
      purpose: 'alarms',
      allowCloudWatchAlarms: true,
    });
    const topicArn = this.notifications.topic.topicArn;
    const logRemovalPolicy = isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.exchangeEvents = new ExchangeEvents(this, 'ExchangeEvents', {
      environment: { [ENV_KEYS.notifyTopicArn]: topicArn },
      logRemovalPolicy,
    });

    const task = (name: WorkflowTaskName, environment: TaskFunctionProps['environment'] = {}): TaskFunction =>
      new TaskFunction(this, `Task-${name}`, { task: name, environment });
    const workflowFunctions: Record<WorkflowTaskName, TaskFunction> = {
      'plan-revision': task('plan-revision', {
        [ENV_KEYS.defaultSubscriberAccountIds]: config.subscriberAccountIds.join(','),
      }),
      'create-revision': task('create-revision'),
      'upload-batch': task('upload-batch'),
      'start-import': task('start-import'),
      'check-import': task('check-import'),
      'finalize-revision': task('finalize-revision'),
      'share-with-subscribers': task(
        'share-with-subscribers',
        config.grantEndsAt === undefined ? {} : { [ENV_KEYS.grantEndsAt]: config.grantEndsAt },
      ),
      notify: task('notify', { [ENV_KEYS.notifyTopicArn]: topicArn }),
    };

    this.dataBucket.grantPlan(workflowFunctions['plan-revision'].function);
    this.dataBucket.grantUpload(workflowFunctions['upload-batch'].function);
    this.dataSet.grantCreateRevision(workflowFunctions['create-revision'].function);
    this.dataSet.grantImport(workflowFunctions['start-import'].function, this.dataBucket);
    this.dataSet.grantImportStatus(workflowFunctions['check-import'].function);
    this.dataSet.grantFinalize(workflowFunctions['finalize-revision'].function);
    this.dataSet.grantShare(workflowFunctions['share-with-subscribers'].function);
    this.notifications.grantPublish(workflowFunctions.notify.function);
    this.notifications.grantPublish(this.exchangeEvents.handler.function);

    this.workflow = new PublishWorkflow(this, 'PublishWorkflow', {
      functions: mapValues(workflowFunctions, (fn) => fn.function),
      nameSuffix: config.environment,
      logRemovalPolicy,
    });
    const { stateMachine } = this.workflow;

    this.statusNotifications = new StatusNotifications(this, 'StatusNotifications', {
      stateMachine,
      environment: { [ENV_KEYS.notifyTopicArn]: topicArn, [ENV_KEYS.notificationRecordBucket]: this.dataBucket.bucket.bucketName },
    });
    const statusChangeHandler = this.statusNotifications.handler.function;
    this.workflow.grantReadExecutions(statusChangeHandler);
    this.dataBucket.grantNotificationRecords(statusChangeHandler);
    this.notifications.grantPublish(statusChangeHandler);
    this.functions = {
      ...workflowFunctions,
      'handle-exchange-event': this.exchangeEvents.handler,
      'handle-status-change': this.statusNotifications.handler,
    };

    this.schedule = new PublishSchedule(this, 'Schedule', {
      stateMachine,
      expression: config.schedule,
      bucketName: this.dataBucket.bucket.bucketName,
      dataSetId: this.dataSet.dataSetId,
    });
    this.manifestTrigger = new ManifestTrigger(this, 'ManifestTrigger', {
      stateMachine,
      bucket: this.dataBucket.bucket,
      dataSetId: this.dataSet.dataSetId,
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      stateMachine,
      childStateMachines: { 'import-batch': this.workflow.importBatchStateMachine },
      taskFunctions: mapValues(workflowFunctions, (fn) => fn.function),
      eventHandlers: {
        'handle-exchange-event': this.exchangeEvents.handler.function,
        'handle-status-change': statusChangeHandler,
      },
      deadLetterQueues: {
        schedule: this.schedule.deadLetterQueue,
        'manifest-trigger': this.manifestTrigger.deadLetterQueue,
        'exchange-events': this.exchangeEvents.deadLetterQueue,
        'status-notifications': this.statusNotifications.deadLetterQueue,
      },
      topic: this.alarmTopic.topic,
      dashboardName: `dx-flow-${config.environment}-${Aws.REGION}`,
    });

    new CfnOutput(this, 'BucketName', { value: this.dataBucket.bucket.bucketName });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn });
    new CfnOutput(this, 'ImportBatchStateMachineArn', {
      description: 'Imports one batch; the publish state machine runs one execution of it per batch.',
      value: this.workflow.importBatchStateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'DataSetId', { value: this.dataSet.dataSetId });
    new CfnOutput(this, 'TopicArn', { description: 'Run notifications and Data Exchange events.', value: topicArn });
    new CfnOutput(this, 'AlarmTopicArn', { description: 'CloudWatch alarms, for whoever operates the stack.', value: this.alarmTopic.topic.topicArn });
    new CfnOutput(this, 'StartExecutionCommand', {
      description: 'Starts one publish run; paste it into a shell with AWS credentials for this account.',
      value: Fn.join('', [
        'aws stepfunctions start-execution --state-machine-arn ',
        stateMachine.stateMachineArn,
        ` --input '{"bucket":"`,
        this.dataBucket.bucket.bucketName,
        '","datasetId":"',
        this.dataSet.dataSetId,
        `"}'`,
      ]),
    });
  }
}

function mapValues<K extends string, A, B>(record: Readonly<Record<K, A>>, f: (value: A) => B): Record<K, B> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value as A)])) as Record<K, B>;
}

