import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { alarmOnAny } from './alarms';

export interface MonitoringProps {
  readonly stateMachine: sfn.StateMachine;
  /** Each task's function, by task name; every one gets an Errors alarm and a dashboard row. */
  readonly functions: Readonly<Record<string, lambda.IFunction>>;
  /** Where every alarm (and its recovery) is sent. */
  readonly topic: sns.ITopic;
  /** @default Duration.minutes(5) */
  readonly period?: Duration;
  /** @default 'dx-flow' */
  readonly dashboardName?: string;
}

/** Alarms on every way a run can end badly and on every task's errors, all to SNS, plus one dashboard. */
export class Monitoring extends Construct {
  public readonly alarms: cloudwatch.Alarm[] = [];
  public readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const period = props.period ?? Duration.minutes(5);
    const action = new actions.SnsAction(props.topic);
    const alarmOn = (alarmId: string, metric: cloudwatch.IMetric, description: string): void => {
      this.alarms.push(alarmOnAny(this, alarmId, metric, description, action));
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

    for (const [task, fn] of Object.entries(props.functions)) {
      const errors = fn.metricErrors({ period, statistic: 'Sum' });
      alarmOn(`${task}Errors`, errors, `dx-flow task ${task}: Lambda errors in the last ${period.toMinutes()} minutes`);
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
