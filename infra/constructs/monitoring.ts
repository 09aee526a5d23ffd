import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { alarmOnAny } from './alarms';

export interface MonitoringProps {
  readonly stateMachine: sfn.StateMachine;
  /**
   * State machines the publish state machine runs and waits for (`startExecution.sync`), by name: the import-batch
   * one. Only their ExecutionThrottled alarms, and each gets a dashboard graph. A child execution that fails, times
   * out or is stopped fails the parent's state that waits for it, and the parent's own alarm fires; an alarm on the
   * child too would page twice for one run. Throttling fails nothing, and the child's transitions (the poll loop)
   * are not the parent's, so only the child's own metric shows it.
   * @default none
   */
  readonly childStateMachines?: Readonly<Record<string, sfn.IStateMachine>>;
  /**
   * The functions the state machines invoke, by task name: a dashboard row each, and no alarm. Their errors are
   * retried by design (throttling, the 10-import-jobs limit) or fail the execution, which alarms.
   */
  readonly taskFunctions: Readonly<Record<string, lambda.IFunction>>;
  /**
   * Functions that EventBridge invokes, by name (the Data Exchange event handler, the status-change notifier):
   * nothing retries them beyond Lambda's own asynchronous retries, so any error alarms. Each gets a dashboard row too.
   */
  readonly eventHandlers: Readonly<Record<string, lambda.IFunction>>;
  /** Dead-letter queues, by what they serve: any message visible in one alarms. */
  readonly deadLetterQueues: Readonly<Record<string, sqs.IQueue>>;
  /**
   * The operations topic every alarm (and its recovery) is sent to; not the run-notification topic.
   * @default none: no alarms, the dashboard only
   */
  readonly topic?: sns.ITopic;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
  /** @default 'dx-flow' */
  readonly dashboardName?: string;
}

/**
 * Alarms on what an operator must act on: a run that ended badly, an event handler that failed, an event that
 * could not be delivered. All go to one operations topic. One dashboard shows every function, alarmed or not.
 */
export class Monitoring extends Construct {
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const action = props.topic === undefined ? undefined : new actions.SnsAction(props.topic);
    const alarmOn = (alarmId: string, metric: cloudwatch.IMetric, description: string): void => {
      if (action !== undefined) this.alarms.push(alarmOnAny(this, alarmId, metric, description, action));
    };

    const sm = props.stateMachine;
    const executionMetrics = {
      ExecutionsFailed: sm.metricFailed({ period, statistic: 'Sum' }),
      ExecutionsTimedOut: sm.metricTimedOut({ period, statistic: 'Sum' }),
      ExecutionsAborted: sm.metricAborted({ period, statistic: 'Sum' }),
      ExecutionThrottled: sm.metricThrottled({ period, statistic: 'Sum' }),
    };
    for (const [name, metric] of Object.entries(executionMetrics)) {
      alarmOn(name, metric, `dx-flow publish state machine: ${name} in the last ${period.toMinutes()} minutes`);
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { dashboardName: props.dashboardName ?? 'dx-flow' });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Publish executions',
        width: 24,
        left: [sm.metricStarted({ period }), sm.metricSucceeded({ period }), ...Object.values(executionMetrics)],
      }),
    );

    for (const [name, child] of Object.entries(props.childStateMachines ?? {})) {
      const throttled = child.metricThrottled({ period, statistic: 'Sum' });
      alarmOn(`${name}ExecutionThrottled`, throttled, `dx-flow ${name} state machine: ExecutionThrottled in the last ${period.toMinutes()} minutes`);
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: `${name} executions`,
          width: 24,
          left: [
            child.metricStarted({ period }),
            child.metricSucceeded({ period }),
            child.metricFailed({ period, statistic: 'Sum' }),
            child.metricTimedOut({ period, statistic: 'Sum' }),
            child.metricAborted({ period, statistic: 'Sum' }),
            throttled,
          ],
        }),
      );
    }

    for (const [name, fn] of Object.entries(props.eventHandlers)) {
      alarmOn(
        `${name}Errors`,
        fn.metricErrors({ period, statistic: 'Sum' }),
        `dx-flow ${name}: the event handler failed in the last ${period.toMinutes()} minutes; events Lambda gives up on go to its dead-letter queue`,
      );
    }

    const undelivered = Object.entries(props.deadLetterQueues).map(([name, queue]) => {
      const visible = queue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' });
      alarmOn(`${name}DeadLetters`, visible, `dx-flow ${name}: events that could not be delivered wait in its dead-letter queue`);
      // A label would render the alarm's metric as metric math; the graph alone needs it, to tell the queues apart.
      return visible.with({ label: name });
    });
    this.dashboard.addWidgets(new cloudwatch.GraphWidget({ title: 'Undelivered events (dead-letter queues)', width: 24, left: undelivered }));

    for (const [task, fn] of Object.entries({ ...props.taskFunctions, ...props.eventHandlers })) {
      const errors = fn.metricErrors({ period, statistic: 'Sum' });
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({ title: `${task} errors`, width: 12, left: [errors, fn.metricThrottles({ period })] }),
        new cloudwatch.GraphWidget({
          title: `${task} duration`,
          width: 12,
          left: [fn.metricDuration({ period, statistic: 'p50' }), fn.metricDuration({ period, statistic: 'p99' })],
        }),
      );
    }
  }
}
