import { randomUUID } from 'node:crypto';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from './accounts';
import { deliverInTurn, type RefResolver, ruleFromTemplate } from './event-rules';
import type { ExecutionStore } from './stepfunctions/executions';

/*
 * The deployed schedule, replayed on demand: the sandbox has no clock of its own to fire it, so a caller names
 * the tick, and the scheduled rule of the synthesized template turns EventBridge's "Scheduled Event" into the
 * execution input with its own input transformer. A tick may be delivered more than once, as EventBridge
 * delivers at least once.
 */

export interface ScheduleRule {
  readonly logicalId: string;
  /** `rate(...)` or `cron(...)`, as deployed. */
  readonly expression: string;
  /** The execution input the rule's target gives StartExecution for an event. */
  readonly input: (event: unknown) => string;
}

/** The one scheduled rule of the template, with its tokens resolved for the sandbox. */
export function scheduleRuleFromTemplate(template: unknown, ref: RefResolver): ScheduleRule {
  const rule = ruleFromTemplate(template, ref, 'scheduled rule', ({ ScheduleExpression }) => ScheduleExpression !== undefined);
  return { logicalId: rule.logicalId, expression: rule.properties.ScheduleExpression ?? '', input: rule.input };
}

/** A scheduled rule's event, in the shape of AWS's documentation: `time` is when the tick fired, to the second. */
export function scheduledEvent(rule: Pick<ScheduleRule, 'logicalId'>, at: Date): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: PROVIDER_ACCOUNT.accountId,
    time: at.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: SANDBOX_REGION,
    resources: [`arn:aws:events:${SANDBOX_REGION}:${PROVIDER_ACCOUNT.accountId}:rule/${rule.logicalId}`],
    detail: {},
  };
}

/** Fires the schedule's target for the tick `at`, `deliveries` times (the same event each time). */
export function fireSchedule(rule: ScheduleRule, executions: ExecutionStore, at: Date, deliveries = 1): Promise<string[]> {
  return deliverInTurn(executions, rule.input(scheduledEvent(rule, at)), deliveries);
}
