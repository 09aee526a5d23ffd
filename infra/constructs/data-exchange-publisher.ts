import { Aws, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { GENERATORS } from '../../generators';
import { ENV_KEYS } from '../../shared/env';
import { MAX_CONCURRENT_IMPORT_JOBS } from '../../shared/limits';
import { SUBSCRIBER_NOTICE_RECORD_PREFIX } from '../../shared/notification-records';
import { type ConfiguredDataSet, DataSetName, DEFAULT_DATA_SET_NAME } from '../../shared/schemas/data-sets';
import { LOWERCASE_NAME, SubscriberAccountIds } from '../../shared/schemas/fields';
import { describeIssues } from '../../shared/validation';
import type { ProviderTaskName } from '../../tasks/registry';
import type { WorkflowTaskName } from '../../workflows/publish-revision';
import { APP_WRITTEN_PREFIXES, DataBucket } from './data-bucket';
import { DataSet } from './data-set';
import { ExchangeEvents } from './exchange-events';
import { ManifestTrigger } from './manifest-trigger';
import { acknowledgeWildcardResources } from './nag';
import { Monitoring } from './monitoring';
import { Notifications } from './notifications';
import { PublishSchedule } from './schedule';
import { PublishWorkflow } from './publish-workflow';
import { StatusNotifications } from './status-notifications';
import { TaskFunction, type TaskFunctionProps } from './task-function';
import { ConfigurationError } from '../configuration-error';
import { ScheduledSource } from '../scheduled-source';

/** One data set the publisher publishes to. */
export interface PublisherDataSetProps {
  /**
   * The name runs and manifests know this data set by (a manifest's `dataSet`, `dx-flow run --dataset`); unique
   * among the publisher's data sets. It names the data set's scheduled runIds and run folders, except for "default".
   */
  readonly name: string;
  /**
   * An existing data set to publish to.
   * @default a new S3_SNAPSHOT data set, owned by the stack
   */
  readonly dataSetId?: string;
  /**
   * The Data Exchange name of the data set created; ignored with `dataSetId`.
   * @default `dx-flow-<environment>` for the data set named "default", else `dx-flow-<environment>-<name>`
   */
  readonly dataSetName?: string;
  /**
   * When to publish `scheduledSource`, or `false` for no schedule (manifests and `dx-flow run` still start runs).
   * @default events.Schedule.rate(Duration.days(1))
   */
  readonly schedule?: events.Schedule | false;
  /**
   * What each tick publishes: the objects under an S3 prefix, which may name the tick (`incoming/{yyyy}/{mm}/{dd}/`,
   * an `offset` before it), the assets of a module of generators/, or the sample data. Required for an existing data
   * set on a schedule: sample data must never reach a real product by default.
   * @default the sample data, for a data set the publisher creates
   */
  readonly scheduledSource?: ScheduledSource;
  /**
   * 12-digit accounts (at most 20) each published revision is shared with by a data grant.
   * @default none: revisions are published, and shared with nobody
   */
  readonly subscriberAccountIds?: readonly string[];
  /**
   * ISO date or date-time on which the data grants end.
   * @default the grants never end
   */
  readonly grantEndsAt?: string;
}

export interface DataExchangePublisherProps {
  /**
   * Names what must be unique per account and Region: the state machines `dx-flow-publish-<environment>` and
   * `dx-flow-import-batch-<environment>`, their log group, the dashboard and the data set created. Two publishers in
   * one account and Region need two environments.
   * @default 'dev'
   */
  readonly environment?: string;
  /**
   * The data sets to publish to, the default first: a run that names none (by a manifest's `dataSet`, or the input's
   * `dataSet` or `datasetId`) publishes to it. One state machine and one set of task functions serve them all, and
   * their roles name exactly these data sets.
   * @default one data set named 'default', created by the stack, publishing the sample data daily
   */
  readonly dataSets?: readonly PublisherDataSetProps[];
  /**
   * A bucket of your own to stage assets and run manifests in. Its encryption, logging and lifecycle stay yours; the
   * publisher turns on its EventBridge notifications for the manifest trigger.
   * @default a new versioned, encrypted, TLS-only bucket `dx-flow-data-<account>-<region>`, with server access logs
   */
  readonly bucket?: s3.IBucket;
  /**
   * Keep the new buckets, their objects and the state machines' and event handler's log groups when the stack is
   * deleted, as production data must be.
   * @default false
   */
  readonly retainOnDelete?: boolean;
  /**
   * Whole days after which every object in the new bucket, your own sources included, moves to Glacier, from where
   * Data Exchange can no longer import it. Only for a bucket the publisher creates.
   * @default only what the app writes moves, to Infrequent Access at 30 days and Glacier at 90
   */
  readonly tierSourcesAfterDays?: number;
  /**
   * The topic for run notifications and Data Exchange events.
   * @default a new topic, encrypted with a customer managed key of its own
   */
  readonly notificationTopic?: sns.ITopic;
  /**
   * The key ARN (not an alias) of the customer managed key `notificationTopic` is encrypted with; its publishers get
   * kms:Decrypt and kms:GenerateDataKey* on exactly that key. Only with `notificationTopic`.
   * @default none: the topic is unencrypted or uses the AWS managed key
   */
  readonly notificationTopicKeyArn?: string;
  /**
   * Alarms on failed, timed-out, aborted and throttled runs, failed event handlers and undelivered events.
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * The operations topic the alarms and their recovery go to. An existing topic with a customer managed key needs its
   * key policy to let cloudwatch.amazonaws.com use the key. Only with alarms on.
   * @default a new topic, encrypted with a key whose policy lets CloudWatch publish
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Import jobs one run keeps going at once (the Map state's MaxConcurrency), from 1 to Data Exchange's 10.
   * @default 10
   */
  readonly mapMaxConcurrency?: number;
  /**
   * Tell the data set's subscribers with SendDataSetNotification, which reaches them as EventBridge events: a
   * DATA_UPDATE notice after each published run, and a DATA_DELAY notice when a scheduled run fails, times out or is
   * stopped. Each is sent once per run, and recorded under `notifications/sent/subscriber-notices/` in the bucket.
   * AWS's user guide speaks of a product's subscribers only; the sandbox assumes data-grant receivers who accepted
   * their grant get the notices too.
   * @default false
   */
  readonly notifySubscribers?: boolean;
}

/**
 * Publishes revisions to AWS Data Exchange: a staging bucket, the data set, the task functions, the publish and
 * import-batch state machines, and what starts them (a schedule, a manifest uploaded under `manifests/incoming/`) and
 * watches them (run notifications, Data Exchange events, alarms and a dashboard). Add it to a stack of your own;
 * `DataExchangeStack` is this construct configured from CDK context.
 */
export class DataExchangePublisher extends Construct {
  /** The publish state machine: one execution per run. */
  public readonly stateMachine: sfn.StateMachine;
  /** Imports one batch; the publish state machine runs one execution of it per batch. */
  public readonly importBatchStateMachine: sfn.StateMachine;
  /** The staging bucket: the one given, or the one created. */
  public readonly bucket: s3.IBucket;
  /** The id of the default data set (the first listed). */
  public readonly dataSetId: string;
  /** Every data set's id, by name. */
  public readonly dataSetIds: Readonly<Record<string, string>>;
  /** The run-notification topic: the one given, or the one created. */
  public readonly notificationTopic: sns.ITopic;
  /** The operations topic, when alarms are on. */
  public readonly alarmTopic?: sns.ITopic;
  /** Every task function, by task name. */
  public readonly functions: Readonly<Record<ProviderTaskName, lambda.IFunction>>;
  /** Every alarm; none with alarms off. */
  public readonly alarms: readonly cloudwatch.Alarm[];
  public readonly dashboard: cloudwatch.Dashboard;

  /** The constructs behind those, for grants and finer assertions. */
  public readonly dataBucket: DataBucket;
  /** The default data set's construct. */
  public readonly dataSet: DataSet;
  /** Every data set's construct, by name. */
  public readonly dataSets: Readonly<Record<string, DataSet>>;
  public readonly notifications: Notifications;
  /** The operations topic's construct, when alarms are on. */
  public readonly alarmNotifications?: Notifications;
  public readonly taskFunctions: Readonly<Record<ProviderTaskName, TaskFunction>>;
  public readonly workflow: PublishWorkflow;
  /** The default data set's schedule, unless it has none. */
  public readonly schedule?: PublishSchedule;
  /** Every data set's schedule, by name: those with `schedule: false` have none. */
  public readonly schedules: Readonly<Record<string, PublishSchedule>>;
  public readonly manifestTrigger: ManifestTrigger;
  public readonly exchangeEvents: ExchangeEvents;
  /** Announces each publish run that failed, timed out or was stopped. */
  public readonly statusNotifications: StatusNotifications;
  public readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: DataExchangePublisherProps = {}) {
    super(scope, id);
    const { environment, dataSets: dataSetProps } = validate(props);
    const retainOnDelete = props.retainOnDelete ?? false;
    const logRemovalPolicy = retainOnDelete ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    this.dataBucket = new DataBucket(this, 'DataBucket', {
      existingBucket: props.bucket,
      retainOnDelete,
      tieredPrefixes: APP_WRITTEN_PREFIXES,
      glacierAllObjectsAfterDays: props.tierSourcesAfterDays,
    });
    this.bucket = this.dataBucket.bucket;
    // The data set named "default" keeps the construct ids a single data set had, so a stack deployed before several
    // keeps its data set and schedule; the others' ids carry their names, so reordering the list replaces nothing.
    const idFor = (base: string, name: string) => (name === DEFAULT_DATA_SET_NAME ? base : `${base}-${name}`);
    this.dataSets = Object.fromEntries(
      dataSetProps.map((dataSet) => [
        dataSet.name,
        new DataSet(this, idFor('DataSet', dataSet.name), {
          dataSetId: dataSet.dataSetId,
          name: dataSet.dataSetName ?? (dataSet.name === DEFAULT_DATA_SET_NAME ? `dx-flow-${environment}` : `dx-flow-${environment}-${dataSet.name}`),
        }),
      ]),
    );
    const dataSets = Object.values(this.dataSets);
    this.dataSet = dataSets[0];
    this.dataSetId = this.dataSet.dataSetId;
    this.dataSetIds = Object.fromEntries(Object.entries(this.dataSets).map(([name, dataSet]) => [name, dataSet.dataSetId]));
    this.notifications = new Notifications(this, 'Notifications', {
      existing: props.notificationTopic === undefined ? undefined : { topic: props.notificationTopic, keyArn: props.notificationTopicKeyArn },
    });
    this.notificationTopic = this.notifications.topic;
    if (props.alarms !== false) {
      this.alarmNotifications = new Notifications(this, 'AlarmTopic', {
        existing: props.alarmTopic === undefined ? undefined : { topic: props.alarmTopic },
        purpose: 'alarms',
        allowCloudWatchAlarms: true,
      });
      this.alarmTopic = this.alarmNotifications.topic;
    }
    const topicArn = this.notificationTopic.topicArn;

    this.exchangeEvents = new ExchangeEvents(this, 'ExchangeEvents', {
      environment: { [ENV_KEYS.notifyTopicArn]: topicArn },
      logRemovalPolicy,
    });

    const notifySubscribers = props.notifySubscribers ?? false;
    // Only with notices on: without the flag both tasks send none, and the env stays as it was.
    const subscriberNoticeEnv: Record<string, string> = notifySubscribers
      ? { [ENV_KEYS.notifySubscribers]: 'true', [ENV_KEYS.notificationRecordBucket]: this.bucket.bucketName }
      : {};

    const task = (name: WorkflowTaskName, taskEnvironment: TaskFunctionProps['environment'] = {}): TaskFunction =>
      new TaskFunction(this, `Task-${name}`, { task: name, environment: taskEnvironment });
    const configured: ConfiguredDataSet[] = dataSetProps.map((dataSet) => ({
      name: dataSet.name,
      dataSetId: this.dataSets[dataSet.name].dataSetId,
      subscriberAccountIds: [...(dataSet.subscriberAccountIds ?? [])],
      ...(dataSet.grantEndsAt === undefined ? {} : { grantEndsAt: dataSet.grantEndsAt }),
    }));
    // JSON with the created data sets' ids as tokens, which CloudFormation fills in at deploy.
    const dataSetsEnv = { [ENV_KEYS.dataSets]: Stack.of(this).toJsonString(configured) };
    const workflowFunctions: Record<WorkflowTaskName, TaskFunction> = {
      'plan-revision': task('plan-revision', dataSetsEnv),
      'create-revision': task('create-revision'),
      'upload-batch': task('upload-batch'),
      'start-import': task('start-import'),
      'check-import': task('check-import'),
      'finalize-revision': task('finalize-revision'),
      'share-with-subscribers': task('share-with-subscribers', dataSetsEnv),
      notify: task('notify', { [ENV_KEYS.notifyTopicArn]: topicArn, ...subscriberNoticeEnv }),
    };

    this.dataBucket.grantPlan(workflowFunctions['plan-revision'].function);
    this.dataBucket.grantUpload(workflowFunctions['upload-batch'].function);
    for (const dataSet of dataSets) {
      dataSet.grantCreateRevision(workflowFunctions['create-revision'].function);
      dataSet.grantImport(workflowFunctions['start-import'].function, this.dataBucket);
      dataSet.grantImportStatus(workflowFunctions['check-import'].function);
      dataSet.grantFinalize(workflowFunctions['finalize-revision'].function);
      dataSet.grantShare(workflowFunctions['share-with-subscribers'].function);
    }
    this.notifications.grantPublish(workflowFunctions.notify.function);
    this.notifications.grantPublish(this.exchangeEvents.handler.function);

    this.workflow = new PublishWorkflow(this, 'PublishWorkflow', {
      functions: mapValues(workflowFunctions, (fn) => fn.function),
      nameSuffix: environment,
      mapMaxConcurrency: props.mapMaxConcurrency,
      logRemovalPolicy,
    });
    this.stateMachine = this.workflow.stateMachine;
    this.importBatchStateMachine = this.workflow.importBatchStateMachine;
    const { stateMachine } = this;

    this.statusNotifications = new StatusNotifications(this, 'StatusNotifications', {
      stateMachine,
      environment: { [ENV_KEYS.notifyTopicArn]: topicArn, [ENV_KEYS.notificationRecordBucket]: this.bucket.bucketName, ...subscriberNoticeEnv },
    });
    const statusChangeHandler = this.statusNotifications.handler.function;
    this.workflow.grantReadExecutions(statusChangeHandler);
    this.dataBucket.grantNotificationRecords(statusChangeHandler);
    this.notifications.grantPublish(statusChangeHandler);
    if (notifySubscribers) {
      for (const dataSet of dataSets) {
        grantSubscriberNotices(workflowFunctions.notify.function, dataSet, this.bucket, { readRevisions: true });
        grantSubscriberNotices(statusChangeHandler, dataSet, this.bucket, { readRevisions: false });
      }
    }
    this.taskFunctions = {
      ...workflowFunctions,
      'handle-exchange-event': this.exchangeEvents.handler,
      'handle-status-change': this.statusNotifications.handler,
    };
    this.functions = mapValues(this.taskFunctions, (fn) => fn.function);

    const schedules: Record<string, PublishSchedule> = {};
    for (const dataSet of dataSetProps) {
      const schedule = dataSet.schedule ?? events.Schedule.rate(Duration.days(1));
      if (schedule === false) continue;
      schedules[dataSet.name] = new PublishSchedule(this, idFor('Schedule', dataSet.name), {
        stateMachine,
        expression: schedule.expressionString,
        bucketName: this.bucket.bucketName,
        dataSetId: this.dataSets[dataSet.name].dataSetId,
        dataSetName: dataSet.name,
        source: dataSet.scheduledSource ?? { type: 'sample' },
      });
    }
    this.schedules = schedules;
    this.schedule = schedules[dataSetProps[0].name];
    this.manifestTrigger = new ManifestTrigger(this, 'ManifestTrigger', { stateMachine, bucket: this.bucket });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      stateMachine,
      childStateMachines: { 'import-batch': this.importBatchStateMachine },
      taskFunctions: mapValues(workflowFunctions, (fn) => fn.function),
      eventHandlers: {
        'handle-exchange-event': this.exchangeEvents.handler.function,
        'handle-status-change': statusChangeHandler,
      },
      deadLetterQueues: {
        ...Object.fromEntries(Object.entries(schedules).map(([name, schedule]) => [idFor('schedule', name), schedule.deadLetterQueue])),
        'manifest-trigger': this.manifestTrigger.deadLetterQueue,
        'exchange-events': this.exchangeEvents.deadLetterQueue,
        'status-notifications': this.statusNotifications.deadLetterQueue,
      },
      topic: this.alarmTopic,
      dashboardName: `dx-flow-${environment}-${Aws.REGION}`,
    });
    this.alarms = this.monitoring.alarms;
    this.dashboard = this.monitoring.dashboard;
  }
}

/** Stops synth with one sentence on props the publisher cannot deploy; returns the settings it needs. */
function validate(props: DataExchangePublisherProps): { environment: string; dataSets: readonly PublisherDataSetProps[] } {
  const fail = (message: string): never => {
    throw new ConfigurationError(`DataExchangePublisher: ${message}`);
  };
  const environment = props.environment ?? 'dev';
  if (!LOWERCASE_NAME.test(environment)) fail(`environment must be a lowercase name of at most 32 letters, digits and "-"; got "${environment}"`);
  const dataSets = props.dataSets ?? [{ name: DEFAULT_DATA_SET_NAME }];
  if (dataSets.length === 0) fail('dataSets must list at least one data set');
  const seen = { names: new Set<string>(), ids: new Set<string>() };
  dataSets.forEach((dataSet, index) => {
    const name = DataSetName.safeParse(dataSet.name);
    if (!name.success) fail(`dataSets[${index}].name ${name.error.issues[0].message}; got "${dataSet.name}"`);
    const where = `dataSets "${dataSet.name}"`;
    if (seen.names.has(dataSet.name)) fail(`${where}: the name is listed twice; each data set needs a name of its own`);
    seen.names.add(dataSet.name);
    if (dataSet.dataSetId !== undefined && !Token.isUnresolved(dataSet.dataSetId)) {
      if (seen.ids.has(dataSet.dataSetId)) fail(`${where}: data set ${dataSet.dataSetId} is listed under two names`);
      seen.ids.add(dataSet.dataSetId);
    }
    const accounts = SubscriberAccountIds.safeParse(dataSet.subscriberAccountIds ?? []);
    if (!accounts.success) fail(`${where} subscriberAccountIds: ${describeIssues(accounts.error)}`);
    if (dataSet.scheduledSource !== undefined) {
      const source = ScheduledSource.safeParse(dataSet.scheduledSource);
      if (!source.success) fail(`${where} scheduledSource: ${describeIssues(source.error)}`);
      if (dataSet.scheduledSource.type === 'generator') checkGenerator(dataSet.scheduledSource, where, fail);
    } else if (dataSet.dataSetId !== undefined && dataSet.schedule !== false) {
      fail(
        `${where} publishes to the existing data set ${dataSet.dataSetId} on a schedule, so choose what the schedule publishes: ` +
          'scheduledSource { type: "s3Prefix", prefix } or { type: "generator", name } (sample data is the default only for a data set the stack creates), or schedule: false',
      );
    }
  });
  const concurrency = props.mapMaxConcurrency;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= MAX_CONCURRENT_IMPORT_JOBS)) {
    fail(`mapMaxConcurrency must be a whole number from 1 to ${MAX_CONCURRENT_IMPORT_JOBS}, the import jobs Data Exchange runs at once; got ${concurrency}`);
  }
  if (props.notificationTopicKeyArn !== undefined && props.notificationTopic === undefined) {
    fail('notificationTopicKeyArn names the key of an existing topic, so notificationTopic must be given; the topic the publisher creates has a key of its own');
  }
  if (props.alarms === false && props.alarmTopic !== undefined) fail('alarmTopic is given but alarms is false; give one or the other');
  if (props.bucket !== undefined && props.tierSourcesAfterDays !== undefined) {
    fail("tierSourcesAfterDays applies to the bucket the publisher creates; the lifecycle of the given bucket is its owner's");
  }
  return { environment, dataSets };
}

/** A scheduled generator must be registered, and its options pass its own schema, before a tick can run it. */
function checkGenerator(source: { readonly name: string; readonly options?: Record<string, unknown> }, where: string, fail: (message: string) => never): void {
  if (!Object.hasOwn(GENERATORS, source.name)) {
    fail(`${where} scheduledSource: there is no generator "${source.name}" in generators/index.ts; the generators are ${Object.keys(GENERATORS).join(', ')}`);
  }
  const options = GENERATORS[source.name as keyof typeof GENERATORS].options.safeParse(source.options ?? {});
  if (!options.success) fail(`${where} scheduledSource.options: ${describeIssues(options.error)}`);
}

/**
 * What a task needs to send a subscriber notice once: SendDataSetNotification on this data set alone (its resource
 * type is `data-sets`, "Actions, resources, and condition keys for AWS Data Exchange",
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsdataexchange.html), and to create, read
 * and rewrite its records under SUBSCRIBER_NOTICE_RECORD_PREFIX. NotifySuccess also reads its revision's
 * finalization time with GetRevision. DataSet and DataBucket have no typed grant for these yet.
 */
function grantSubscriberNotices(grantee: iam.IGrantable, dataSet: DataSet, bucket: s3.IBucket, options: { readonly readRevisions: boolean }): void {
  iam.Grant.addToPrincipal({ grantee, actions: ['dataexchange:SendDataSetNotification'], resourceArns: [dataSet.dataSetArn] });
  const records = bucket.arnForObjects(`${SUBSCRIBER_NOTICE_RECORD_PREFIX}*`);
  iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject', 's3:GetObject'], resourceArns: [records] });
  acknowledgeWildcardResources(grantee, [records], `Notice records are named after each data set, run and notice type; the grant is limited to ${SUBSCRIBER_NOTICE_RECORD_PREFIX}* in this one bucket.`);
  if (!options.readRevisions) return;
  const revisions = `${dataSet.dataSetArn}/revisions/*`;
  iam.Grant.addToPrincipal({ grantee, actions: ['dataexchange:GetRevision'], resourceArns: [revisions] });
  acknowledgeWildcardResources(grantee, [revisions], 'The revision announced is created at run time; the grant is limited to the revisions of this one data set.');
}

function mapValues<K extends string, A, B>(record: Readonly<Record<K, A>>, f: (value: A) => B): Record<K, B> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value as A)])) as Record<K, B>;
}
