import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EXECUTION_STATUS_CHANGE, NOTIFIED_STATUSES, STATES_EVENT_SOURCE } from '../../shared/schemas/status-change-event';
import { type DeliveryRetryProps, targetDelivery } from './delivery';
import { TaskFunction, type TaskFunctionProps } from './task-function';

export interface StatusNotificationsProps extends DeliveryRetryProps {
  /** The state machine whose executions are announced when they end badly. */
  readonly stateMachine: sfn.IStateMachine;
  /**
   * The handler's configuration, keyed by the shared env constants: the topic it announces on and the bucket of its
   * records. Its grants are the caller's to give, by the typed methods of the constructs that own those resources.
   * @default none
   */
  readonly environment?: TaskFunctionProps['environment'];
}

/**
 * Announces a publish run that failed, timed out or was stopped: EventBridge's "Step Functions Execution Status
 * Change" event for this state machine, with one of those statuses, invokes the handle-status-change task with the
 * whole event. Events the rule cannot deliver, and invocations that fail after Lambda's own async retries, land in
 * one dead-letter queue.
 *
 * AWS delivers Step Functions status-change events on a best-effort basis ("Delivery type: Best effort",
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-states.html), so a run may end with no event and no
 * message: the ExecutionsFailed, ExecutionsTimedOut and ExecutionsAborted alarms stay the durable signal, and this
 * notification is for whoever publishes.
 */
export class StatusNotifications extends Construct {
  public readonly handler: TaskFunction;
  public readonly rule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StatusNotificationsProps) {
    super(scope, id);
    // EventBridge retries a target that fails to take the event (8 times over 2 hours by default), then dead-letters
    // it. That covers the event from the rule on; whether Step Functions puts it on the bus at all is best effort.
    const delivery = targetDelivery(this, props);
    this.deadLetterQueue = delivery.deadLetterQueue;
    this.handler = new TaskFunction(this, 'Handler', {
      task: 'handle-status-change',
      environment: props.environment,
      deadLetterQueue: this.deadLetterQueue,
    });
    // A plain pattern and one Lambda target with no input transformer: the handler reads the whole event, and the
    // sandbox replays this rule from the synthesized template.
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Failed, timed-out and aborted dx-flow publish executions to the status-change notifier',
      eventPattern: {
        source: [STATES_EVENT_SOURCE],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: { stateMachineArn: [props.stateMachine.stateMachineArn], status: [...NOTIFIED_STATUSES] },
      },
    });
    this.rule.addTarget(new targets.LambdaFunction(this.handler.function, { ...delivery }));
  }
}
