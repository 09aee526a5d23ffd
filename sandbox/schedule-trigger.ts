import { randomUUID } from 'node:crypto';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from './accounts';
import { deliverInTurn, type RefResolver, rulesFromTemplate } from './event-rules';
import type { ExecutionStore } from './stepfunctions/executions';

/*
 * The deployed schedule, replayed on demand: the sandbox has no clock of its own to fire it, so a caller names
 * the tick, and the data set's scheduled rule of the synthesized template (one per data set with a schedule) turns
 * EventBridge's "Scheduled Event" into the execution input with its own input transformer. A tick may be delivered
 * more than once, as EventBridge delivers at least once.
 */

export interface ScheduleRule {
  readonly logicalId: string;
  /** `rate(...)` or `cron(...)`, as deployed. */
  readonly expression: string;
  /** The configured name of the data set the rule publishes to: its target input's `dataSet`. */
  readonly dataSet: string;
  /** The execution input the rule's target gives StartExecution for an event. */
  readonly input: (event: unknown) => string;
}

/** Every scheduled rule of the template, one per data set with a schedule, with its tokens resolved for the sandbox. */
export function scheduleRulesFromTemplate(template: unknown, ref: RefResolver): ScheduleRule[] {
  return rulesFromTemplate(template, ref, ({ ScheduleExpression }) => ScheduleExpression !== undefined).map((rule) => {
    // The target input is constant but for the tick's time, so any tick's shows which data set the rule publishes.
    const { dataSet } = JSON.parse(rule.input(scheduledEvent(rule, new Date(0)))) as { dataSet?: unknown };
    if (typeof dataSet !== 'string') throw new Error(`Scheduled rule ${rule.logicalId}'s input names no dataSet, so the sandbox cannot tell which data set it publishes`);
    return { logicalId: rule.logicalId, expression: rule.properties.ScheduleExpression ?? '', dataSet, input: rule.input };
  });
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

/**
 * Fires the target of the data set's schedule for the tick `at`, `deliveries` times (the same event each time). A
 * data set with no scheduled rule throws, naming the sandbox's data sets and those that have one.
 */
export async function fireSchedule(
  rules: readonly ScheduleRule[],
  target: { readonly executions: ExecutionStore; readonly dataSets: readonly string[] },
  at: Date,
  deliveries = 1,
  dataSet = target.dataSets[0],
): Promise<string[]> {
  const rule = rules.find((candidate) => candidate.dataSet === dataSet);
  if (rule === undefined) {
    const quoted = (names: readonly string[]) => (names.length === 0 ? 'none' : names.map((name) => `"${name}"`).join(', '));
    throw new Error(
      `No schedule publishes data set "${dataSet}": the sandbox's data sets are ${quoted(target.dataSets)}, and those with a schedule ${quoted(rules.map((r) => r.dataSet))}`,
    );
  }
  return deliverInTurn(target.executions, rule.input(scheduledEvent(rule, at)), deliveries);
}
