import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { alarmOnAny } from '../alarms';
import { ENV_KEYS } from '../../../shared/env';
import { AUTO_EXPORT_COMPLETED, AUTO_EXPORT_FAILED, PROVIDER_EVENT_TYPES } from '../../../shared/schemas/export-event';
import { EXCHANGE_EVENT_SOURCE } from '../../../shared/schemas/exchange-event';
import { type DeliveryRetryProps, targetDelivery } from '../delivery';
import { TaskFunction } from '../task-function';

export interface ExportWatchProps extends DeliveryRetryProps {
  /** Where the handler announces each export, and where the alarms go. */
  readonly topic: sns.ITopic;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
}

/**
 * The auto-export completed and failed events, each through a rule of its own to the handle-export-event task,
 * so that failures can be counted apart; and, through a third rule to the same task, what the provider's actions
 * send this account (a revision revoked, a notice, its grant's changes), to be logged and announced. Alarms: any failed export, any handler error, and any event that
 * could not be delivered.
 */
export class ExportWatch extends Construct {
  public readonly handler: TaskFunction;
  public readonly completedRule: events.Rule;
  public readonly failedRule: events.Rule;
  public readonly providerEventsRule: events.Rule;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ExportWatchProps) {
    super(scope, id);
    const delivery = targetDelivery(this, props);
    this.deadLetterQueue = delivery.deadLetterQueue;
    this.handler = new TaskFunction(this, 'Handler', {
      task: 'handle-export-event',
      environment: { [ENV_KEYS.notifyTopicArn]: props.topic.topicArn },
      deadLetterQueue: this.deadLetterQueue,
    });
    const rule = (ruleId: string, detailTypes: readonly string[], what = `"${detailTypes.join('", "')}"`): events.Rule => {
      const created = new events.Rule(this, ruleId, {
        description: `Data Exchange ${what} events to the dx-flow subscriber's handler`,
        eventPattern: { source: [EXCHANGE_EVENT_SOURCE], detailType: [...detailTypes] },
      });
      created.addTarget(new targets.LambdaFunction(this.handler.function, { ...delivery }));
      return created;
    };
    this.completedRule = rule('CompletedRule', [AUTO_EXPORT_COMPLETED]);
    this.failedRule = rule('FailedRule', [AUTO_EXPORT_FAILED]);
    this.providerEventsRule = rule('ProviderEventsRule', PROVIDER_EVENT_TYPES, "the provider's revocation, notice and grant");

    const period = props.period ?? Duration.minutes(5);
    const action = new actions.SnsAction(props.topic);
    const alarmOn = (alarmId: string, metric: cloudwatch.IMetric, description: string): void => {
      this.alarms.push(alarmOnAny(this, alarmId, metric, description, action));
    };
    alarmOn(
      'ExportFailedAlarm',
      new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'TriggeredRules',
        dimensionsMap: { RuleName: this.failedRule.ruleName },
        statistic: 'Sum',
        period,
      }),
      'dx-flow subscriber: an auto-export of a received revision failed',
    );
    alarmOn('HandlerErrorsAlarm', this.handler.function.metricErrors({ period, statistic: 'Sum' }), 'dx-flow subscriber: the export event handler failed');
    alarmOn(
      'UndeliveredEventsAlarm',
      this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      'dx-flow subscriber: export events could not be delivered to the handler',
    );
  }
}
