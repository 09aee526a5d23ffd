import type { Template } from 'aws-cdk-lib/assertions';
import { TOPIC_ARN } from '../fixtures/ids';
import { ALARM_TOPIC_ARN } from './fixtures';
import { logicalIdOf, type Synthesized, synthStack } from './synth';

/*
 * The alarm rule: an alarm means an operator must act. Nothing alarms on a metric that the state machines' designed
 * retry path raises (a task's TransientAwsError on a throttle or the 10-import-jobs limit); what is left after the
 * retries ends an execution, and that alarms. A failed, timed-out or aborted import-batch execution fails the publish
 * execution that waits for it, whose alarm fires, so only the import batch's throttling alarms of its own. Everything
 * else that can fail unseen alarms: the event handlers (the Data Exchange event handler, the status-change notifier),
 * which no state machine retries, and every dead-letter queue. All alarms go to the operations topic only.
 */

interface AlarmProperties {
  readonly Namespace?: string;
  readonly MetricName?: string;
  readonly Dimensions?: readonly { Name: string; Value: unknown }[];
  readonly AlarmActions: readonly unknown[];
  readonly OKActions: readonly unknown[];
}

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

function alarmsOf(template: Template): AlarmProperties[] {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => alarm.Properties as AlarmProperties);
}

/** The logical id a `{ "Fn::GetAtt": [id, "Arn"] }` names. */
const getAttId = (value: unknown): string | undefined => (value as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];

/** The functions the state machines' roles may invoke: the ones whose errors the retry path raises. */
function invokedByStateMachines({ stack, template }: Synthesized): string[] {
  const roles = [stack.workflow.stateMachine, stack.workflow.importBatchStateMachine].map((sm) => ({ Ref: logicalIdOf(stack, sm.role) }));
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
    (policy.Properties.Roles as unknown[]).some((role) => roles.some((ref) => JSON.stringify(ref) === JSON.stringify(role))),
  );
  return policies
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: unknown; Resource: unknown }[])
    .filter((statement) => statement.Action === 'lambda:InvokeFunction')
    .flatMap((statement) => [statement.Resource].flat().map(getAttId))
    .filter((id): id is string => id !== undefined);
}

/** Functions that an EventBridge rule invokes directly. */
function eventHandlers(template: Template): string[] {
  const resources = template.toJSON().Resources as Resources;
  return Object.values(template.findResources('AWS::Events::Rule'))
    .flatMap((rule) => rule.Properties.Targets as { Arn: unknown }[])
    .map((target) => getAttId(target.Arn))
    .filter((id): id is string => id !== undefined && resources[id]?.Type === 'AWS::Lambda::Function');
}

/** Every queue something dead-letters into: a rule target's, or an asynchronously invoked function's. */
function deadLetterQueues(template: Template): string[] {
  const ofTargets = Object.values(template.findResources('AWS::Events::Rule'))
    .flatMap((rule) => rule.Properties.Targets as { DeadLetterConfig?: { Arn: unknown } }[])
    .map((target) => getAttId(target.DeadLetterConfig?.Arn));
  const ofFunctions = Object.values(template.findResources('AWS::Lambda::Function')).map((fn) =>
    getAttId((fn.Properties.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn),
  );
  return [...new Set([...ofTargets, ...ofFunctions].filter((id): id is string => id !== undefined))];
}

describe('alarms', () => {
  describe('with no context', () => {
    let synthesized: Synthesized;
    let alarms: AlarmProperties[];
    beforeAll(() => {
      synthesized = synthStack();
      alarms = alarmsOf(synthesized.template);
    });

    it('watch no metric of a function either state machine invokes, as their retries raise those by design', () => {
      const invoked = invokedByStateMachines(synthesized);
      expect(new Set(invoked).size).toBe(8);
      for (const alarm of alarms) {
        const watched = JSON.stringify({ ...alarm, AlarmActions: undefined, OKActions: undefined });
        for (const id of invoked) expect(watched).not.toContain(JSON.stringify({ Ref: id }));
      }
    });

    it.each(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'ExecutionThrottled'])(
      'watch the state machine metric %s, at any occurrence',
      (metricName) => {
        const { template, stack } = synthesized;
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/States',
          MetricName: metricName,
          Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalIdOf(stack, stack.workflow.stateMachine) } }],
          Statistic: 'Sum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
      },
    );

    it('watch the import-batch state machine for throttling only: its failures fail the publish execution, which alarms', () => {
      const { template, stack } = synthesized;
      const importBatch = { Ref: logicalIdOf(stack, stack.workflow.importBatchStateMachine) };
      const watching = alarms.filter((alarm) => JSON.stringify(alarm.Dimensions).includes(JSON.stringify(importBatch)));
      expect(watching.map((alarm) => alarm.MetricName)).toEqual(['ExecutionThrottled']);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/States',
        MetricName: 'ExecutionThrottled',
        Dimensions: [{ Name: 'StateMachineArn', Value: importBatch }],
        Statistic: 'Sum',
        Threshold: 1,
      });
    });

    it('watch the errors of every function an EventBridge rule invokes, which no state machine retries', () => {
      const { template, stack } = synthesized;
      const handlers = eventHandlers(template);
      expect(handlers.sort()).toEqual(
        [stack.exchangeEvents.handler.function, stack.statusNotifications.handler.function].map((fn) => logicalIdOf(stack, fn)).sort(),
      );
      for (const handler of handlers) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: handler } }],
          Threshold: 1,
        });
      }
    });

    it('watch the messages visible in every dead-letter queue', () => {
      const { template, stack } = synthesized;
      const queues = deadLetterQueues(template);
      const expected = [
        ...Object.values(stack.publisher.schedules).map((schedule) => schedule.deadLetterQueue),
        stack.manifestTrigger.deadLetterQueue,
        stack.exchangeEvents.deadLetterQueue,
        stack.statusNotifications.deadLetterQueue,
      ];
      expect(queues.sort()).toEqual(expected.map((queue) => logicalIdOf(stack, queue)).sort());
      for (const queue of queues) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }],
          Statistic: 'Maximum',
          Threshold: 1,
        });
      }
    });

    it('are exactly those, each exposed by the construct', () => {
      // The publish executions, the import batch's throttling, two event handlers, four dead-letter queues.
      expect(alarms).toHaveLength(4 + 1 + 2 + 4);
      expect(synthesized.stack.monitoring.alarms).toHaveLength(alarms.length);
    });

    it('alarm and recover to the operations topic, never to the notification topic', () => {
      const { stack } = synthesized;
      const alarmTopic = { Ref: logicalIdOf(stack, stack.alarmTopic.topic) };
      expect(alarmTopic).not.toEqual({ Ref: logicalIdOf(stack, stack.notifications.topic) });
      for (const alarm of alarms) {
        expect(alarm.AlarmActions).toEqual([alarmTopic]);
        expect(alarm.OKActions).toEqual([alarmTopic]);
      }
    });

    it('go to a topic of their own, encrypted with a key that CloudWatch may use', () => {
      const { template, stack } = synthesized;
      const key = logicalIdOf(stack, stack.alarmTopic.key!);
      template.hasResourceProperties('AWS::SNS::Topic', { DisplayName: 'dx-flow alarms', KmsMasterKeyId: { 'Fn::GetAtt': [key, 'Arn'] } });
      const cloudWatchUse = {
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: '*',
      };
      const keyStatements = (construct: typeof stack.alarmTopic) =>
        template.toJSON().Resources[logicalIdOf(stack, construct.key!)].Properties.KeyPolicy.Statement as unknown[];
      expect(keyStatements(stack.alarmTopic)).toContainEqual(cloudWatchUse);
      // No alarm publishes to the notification topic, so its key grants CloudWatch nothing.
      expect(keyStatements(stack.notifications)).not.toContainEqual(expect.objectContaining({ Principal: cloudWatchUse.Principal }));
      template.hasOutput('AlarmTopicArn', { Value: { Ref: logicalIdOf(stack, stack.alarmTopic.topic) } });
    });
  });

  describe('with existing topics', () => {
    let synthesized: Synthesized;
    beforeAll(() => {
      synthesized = synthStack({ snsTopicArn: TOPIC_ARN, alarmTopicArn: ALARM_TOPIC_ARN });
    });

    it('alarm to the given operations topic only, and create no topic or key', () => {
      const { template } = synthesized;
      const alarms = alarmsOf(template);
      expect(alarms.length).toBeGreaterThan(0);
      for (const alarm of alarms) {
        expect(alarm.AlarmActions).toEqual([ALARM_TOPIC_ARN]);
        expect(alarm.OKActions).toEqual([ALARM_TOPIC_ARN]);
      }
      template.resourceCountIs('AWS::SNS::Topic', 0);
      template.resourceCountIs('AWS::KMS::Key', 0);
      template.hasOutput('AlarmTopicArn', { Value: ALARM_TOPIC_ARN });
      template.hasOutput('TopicArn', { Value: TOPIC_ARN });
    });
  });
});
