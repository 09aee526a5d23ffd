import { randomUUID } from 'node:crypto';
import type { TaskName } from '../tasks/registry';
import type { TaskHandlers } from '../workflows/local-runner';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from './accounts';
import { compileEventPattern, type Matcher, type RefResolver, resolveTokens, ruleFromTemplate } from './event-rules';
import type { FaultInjector } from './faults';
import type { ExecutionRecord } from './stepfunctions/executions';

/*
 * The deployed status-change rule, replayed: each change of an execution's status becomes EventBridge's
 * "Step Functions Execution Status Change" event, is matched against the rule's pattern from the synthesized
 * template, and invokes the task its one target names, as EventBridge invokes a Lambda function.
 */

/** The event's shape as AWS documents it; like AWS's, it carries no error or cause: readers ask DescribeExecution. */
export function statusChangeEvent(record: Readonly<ExecutionRecord>, now = new Date()): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: PROVIDER_ACCOUNT.accountId,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: SANDBOX_REGION,
    resources: [record.executionArn],
    detail: {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: record.startDate,
      stopDate: record.stopDate ?? null,
      input: record.input,
      output: record.output ?? null,
      inputDetails: { included: true },
      outputDetails: record.output === undefined ? null : { included: true },
      redriveCount: record.redriveCount,
      redriveDate: record.redriveDate ?? null,
    },
  };
}

export interface StatusChangeRule {
  readonly logicalId: string;
  readonly matches: Matcher;
  /** The task of the Lambda function the rule's target invokes. */
  readonly task: TaskName;
  readonly input: (event: unknown) => string;
}

/** The one rule on aws.states events, with its tokens resolved for the sandbox and its target's task. */
export function statusChangeRuleFromTemplate(template: unknown, ref: RefResolver, taskOfFunction: (logicalId: string) => TaskName | undefined): StatusChangeRule {
  const rule = ruleFromTemplate(template, ref, 'rule on aws.states events', ({ EventPattern }) => Array.isArray(EventPattern?.source) && EventPattern.source.includes('aws.states'));
  const task = rule.targetLogicalId === undefined ? undefined : taskOfFunction(rule.targetLogicalId);
  if (task === undefined) throw new Error(`Rule ${rule.logicalId}'s target is no task function the sandbox runs`);
  return {
    logicalId: rule.logicalId,
    matches: compileEventPattern(resolveTokens(rule.properties.EventPattern, ref) as Record<string, unknown>),
    task,
    input: rule.input,
  };
}

export interface StatusChangeTriggerOptions {
  readonly rule: StatusChangeRule;
  readonly handlers: TaskHandlers;
  readonly faults: FaultInjector;
  /** Milliseconds between EventBridge's attempts at a target that failed. @default 50 */
  readonly retryMs?: number;
}

/**
 * EventBridge's retries of a failed target, shortened: AWS retries for up to 24 hours and 185 times by default
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-retry-policy.html); the stack lowers that,
 * and the sandbox tries three times, then reports the event where AWS would dead-letter it.
 */
const ATTEMPTS = 3;

/** Delivers each status change that matches the rule to its task, as many times as the fault plan says. */
export class StatusChangeTrigger {
  constructor(private readonly options: StatusChangeTriggerOptions) {}

  async deliver(record: Readonly<ExecutionRecord>): Promise<void> {
    const event = statusChangeEvent(record);
    if (!this.options.rule.matches(event)) return;
    const input = JSON.parse(this.options.rule.input(event)) as unknown;
    const deliveries = this.options.faults.eventDeliveries('ExecutionStatusChange');
    for (let delivery = 0; delivery < deliveries; delivery += 1) await this.invoke(input, record);
  }

  private async invoke(input: unknown, record: Readonly<ExecutionRecord>): Promise<void> {
    const handler = this.options.handlers[this.options.rule.task];
    for (let attempt = 1; ; attempt += 1) {
      try {
        await handler(input);
        return;
      } catch (error) {
        if (attempt >= ATTEMPTS) {
          process.stderr.write(`dx-flow sandbox: the ${record.status} status of ${record.name} reached no notifier after ${ATTEMPTS} attempts: ${(error as Error).message}\n`);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, this.options.retryMs ?? 50));
      }
    }
  }
}
