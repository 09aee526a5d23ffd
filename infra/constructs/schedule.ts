import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { WorkflowInputRequest } from '../../shared/schemas/workflow-input';
import { type ScheduledSource, scheduledRunSource } from '../scheduled-source';
import { type DeliveryRetryProps, targetDelivery } from './delivery';

export interface PublishScheduleProps extends DeliveryRetryProps {
  readonly stateMachine: sfn.IStateMachine;
  /** An EventBridge schedule expression, `rate(...)` or `cron(...)`. */
  readonly expression: string;
  /** The workflow input's `bucket`. */
  readonly bucketName: string;
  /** The workflow input's `datasetId`. */
  readonly dataSetId: string;
  /** The data set's configured name: the workflow input's `dataSet`, which names the scheduled runIds. */
  readonly dataSetName: string;
  /** What each tick publishes. */
  readonly source: ScheduledSource;
}

/** Starts a publish run of one data set on a schedule; a start that keeps failing lands in a dead-letter queue. */
export class PublishSchedule extends Construct {
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: PublishScheduleProps) {
    super(scope, id);
    const delivery = targetDelivery(this, props);
    this.deadLetterQueue = delivery.deadLetterQueue;
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Starts a dx-flow publish run',
      schedule: events.Schedule.expression(props.expression),
    });
    this.rule.addTarget(
      new targets.SfnStateMachine(props.stateMachine, {
        // The tick's time makes the runId (see scheduledRunId), so a repeated delivery of one tick publishes once.
        // A scheduled rule's event carries it as `time`; EventBridge Scheduler's <aws.scheduler.scheduled-time>
        // would too, but needs a role and a schedule resource of its own, and this rule is what stacks have deployed.
        input: events.RuleTargetInput.fromObject({
          bucket: props.bucketName,
          datasetId: props.dataSetId,
          dataSet: props.dataSetName,
          scheduledAt: events.EventField.time,
          source: scheduledRunSource(props.source),
        } satisfies WorkflowInputRequest),
        ...delivery,
      }),
    );
  }
}
