import { RemovalPolicy } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type DeliveryRetryProps, targetDelivery } from './delivery';
import { TaskFunction, type TaskFunctionProps } from './task-function';

/** The log group Data Exchange event handlers write to. */
export const EXCHANGE_EVENTS_LOG_GROUP_NAME = '/aws/dataexchange/operations';

export interface ExchangeEventsProps extends DeliveryRetryProps {
  /** The handler's configuration, keyed by the shared env constants. @default none */
  readonly environment?: TaskFunctionProps['environment'];
  /** @default logs.RetentionDays.ONE_MONTH (30 days) */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * Every `aws.dataexchange` event, delivered to the handle-exchange-event task. The function logs to
 * `/aws/dataexchange/operations`, created here so the stack owns its retention. Events the rule cannot
 * deliver, and invocations that fail after Lambda's own async retries, land in one dead-letter queue.
 */
export class ExchangeEvents extends Construct {
  public readonly handler: TaskFunction;
  public readonly rule: events.Rule;
  public readonly logGroup: logs.LogGroup;
  public readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ExchangeEventsProps = {}) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: EXCHANGE_EVENTS_LOG_GROUP_NAME,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });
    const delivery = targetDelivery(this, props);
    this.deadLetterQueue = delivery.deadLetterQueue;
    this.handler = new TaskFunction(this, 'Handler', {
      task: 'handle-exchange-event',
      environment: props.environment,
      logGroup: this.logGroup,
      deadLetterQueue: this.deadLetterQueue,
    });
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Data Exchange events to the dx-flow event handler',
      eventPattern: { source: ['aws.dataexchange'] },
    });
    this.rule.addTarget(
      new targets.LambdaFunction(this.handler.function, {
        ...delivery,
      }),
    );
  }
}
