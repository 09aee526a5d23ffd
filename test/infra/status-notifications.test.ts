import { ENV_KEYS } from '../../shared/env';
import { type ExecutionStatus, StatusChangeEvent } from '../../shared/schemas/status-change-event';
import { type StatusChangeRule, statusChangeRuleFromTemplate } from '../../sandbox/status-change-trigger';
import { logicalIdOf, type Synthesized, synthStack } from './synth';

const ACCOUNT = '111111111111';
const STATE_MACHINE_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:dx-flow-publish-dev`;
const IMPORT_BATCH_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:dx-flow-import-batch-dev`;

/** A status change as AWS sends it, of an execution of the given state machine. */
function statusChange(status: ExecutionStatus, stateMachineArn = STATE_MACHINE_ARN): Record<string, unknown> {
  const name = stateMachineArn.split(':')[6];
  return {
    version: '0',
    id: '315c1398-40ff-a850-213b-158f73e60175',
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: ACCOUNT,
    time: '2026-11-30T09:05:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:states:us-east-1:${ACCOUNT}:execution:${name}:run-2026-11-30`],
    detail: {
      executionArn: `arn:aws:states:us-east-1:${ACCOUNT}:execution:${name}:run-2026-11-30`,
      stateMachineArn,
      name: 'run-2026-11-30',
      status,
      startDate: 1_796_029_200_000,
      stopDate: status === 'RUNNING' ? null : 1_796_029_500_000,
      input: '{"bucket":"b","datasetId":"d"}',
      output: null,
      redriveCount: 0,
    },
  };
}

describe('StatusNotifications', () => {
  let synthesized: Synthesized;
  let ids: { rule: string; handler: string; dlq: string; stateMachine: string; topic: string; bucket: string };
  let ruleProps: Record<string, unknown>;
  /** The synthesized rule, replayed as the sandbox replays it, with the publish state machine's ARN resolved. */
  let replayed: StatusChangeRule;

  beforeAll(() => {
    synthesized = synthStack();
    const { stack, template } = synthesized;
    ids = {
      rule: logicalIdOf(stack, stack.statusNotifications.rule),
      handler: logicalIdOf(stack, stack.statusNotifications.handler.function),
      dlq: logicalIdOf(stack, stack.statusNotifications.deadLetterQueue),
      stateMachine: logicalIdOf(stack, stack.workflow.stateMachine),
      topic: logicalIdOf(stack, stack.notifications.topic),
      bucket: logicalIdOf(stack, stack.dataBucket.bucket),
    };
    ruleProps = template.toJSON().Resources[ids.rule].Properties;
    replayed = statusChangeRuleFromTemplate(
      template.toJSON(),
      (logicalId) => (logicalId === ids.stateMachine ? STATE_MACHINE_ARN : logicalId),
      (logicalId) => (logicalId === ids.handler ? 'handle-status-change' : undefined),
    );
  });

  describe('rule', () => {
    it("matches the publish state machine's executions that failed, timed out or were aborted", () => {
      expect(ruleProps.EventPattern).toEqual({
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: { stateMachineArn: [{ Ref: ids.stateMachine }], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
      });
    });

    it('invokes the handler alone with the whole event, retrying into its own dead-letter queue', () => {
      // No Input, InputPath or InputTransformer: the handler parses the event as AWS sends it.
      expect(ruleProps.Targets).toEqual([
        {
          Id: expect.any(String),
          Arn: { 'Fn::GetAtt': [ids.handler, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [ids.dlq, 'Arn'] } },
        },
      ]);
      synthesized.template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: { 'Fn::GetAtt': [ids.handler, 'Arn'] },
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [ids.rule, 'Arn'] },
      });
    });

    it.each<[ExecutionStatus, boolean]>([
      ['FAILED', true],
      ['TIMED_OUT', true],
      ['ABORTED', true],
      ['SUCCEEDED', false],
      ['RUNNING', false],
      ['PENDING_REDRIVE', false],
    ])('replayed as the sandbox replays it, on status %s matches: %s', (status, expected) => {
      expect(replayed.matches(statusChange(status))).toBe(expected);
    });

    it('ignores the import-batch executions, whose failure fails the publish execution that waits for them', () => {
      expect(replayed.matches(statusChange('FAILED', IMPORT_BATCH_ARN))).toBe(false);
    });

    it('hands the task an input its event schema accepts, the event unchanged', () => {
      const event = statusChange('FAILED');

      const input = JSON.parse(replayed.input(event)) as unknown;

      expect(replayed.task).toBe('handle-status-change');
      expect(input).toEqual(event);
      expect(StatusChangeEvent.safeParse(input).success).toBe(true);
    });
  });

  describe('handler', () => {
    it('is told the notification topic and the bucket of its records', () => {
      const { stack, template } = synthesized;
      const fn = template.toJSON().Resources[logicalIdOf(stack, stack.statusNotifications.handler.function)].Properties;
      expect(fn.Environment.Variables).toEqual({
        NODE_OPTIONS: '--enable-source-maps',
        [ENV_KEYS.task]: 'handle-status-change',
        [ENV_KEYS.notifyTopicArn]: { Ref: ids.topic },
        [ENV_KEYS.notificationRecordBucket]: { Ref: ids.bucket },
      });
    });

    it('dead-letters the invocations Lambda gives up on into the same queue, kept 14 days and encrypted', () => {
      const { template } = synthesized;
      const resources = template.toJSON().Resources;
      expect(resources[ids.handler].Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [ids.dlq, 'Arn'] } });
      expect(resources[ids.dlq].Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    });
  });
});
