import { randomUUID } from 'node:crypto';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from './accounts';
import { compileEventPattern, deliverInTurn, type Matcher, type RefResolver, resolveTokens, ruleFromTemplate } from './event-rules';
import type { FaultInjector } from './faults';
import type { ExecutionStore } from './stepfunctions/executions';

/*
 * The deployed manifest trigger, replayed: S3 "Object Created" events as EventBridge shapes them, matched
 * against the event pattern of the rule in the synthesized template and turned into the execution input by
 * that rule's own input transformer (./event-rules.ts).
 */

/** An object S3 has just created, as its Object Created event names it. */
export interface CreatedObject {
  readonly bucket: string;
  readonly key: string;
  /** As S3 answered the request, quoted or not; the event carries it bare. */
  readonly etag: string;
  readonly reason: 'PutObject' | 'CompleteMultipartUpload';
}

/** An EventBridge S3 "Object Created" event, in the shape of AWS's documentation. */
export function objectCreatedEvent(object: CreatedObject, now = new Date()): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: PROVIDER_ACCOUNT.accountId,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: SANDBOX_REGION,
    resources: [`arn:aws:s3:::${object.bucket}`],
    detail: {
      version: '0',
      bucket: { name: object.bucket },
      object: { key: object.key, etag: object.etag.replace(/^"(.*)"$/, '$1'), sequencer: now.getTime().toString(16).toUpperCase() },
      'request-id': randomUUID(),
      requester: PROVIDER_ACCOUNT.accountId,
      reason: object.reason,
    },
  };
}

export interface S3EventRule {
  readonly logicalId: string;
  readonly matches: Matcher;
  /** The execution input the rule's target gives StartExecution for an event. */
  readonly input: (event: unknown) => string;
}

/** The one rule that starts runs from S3 events, with its tokens resolved for the sandbox. */
export function s3EventRuleFromTemplate(template: unknown, ref: RefResolver): S3EventRule {
  const rule = ruleFromTemplate(template, ref, 'rule on aws.s3 events', ({ EventPattern }) => Array.isArray(EventPattern?.source) && EventPattern.source.includes('aws.s3'));
  return {
    logicalId: rule.logicalId,
    matches: compileEventPattern(resolveTokens(rule.properties.EventPattern, ref) as Record<string, unknown>),
    input: rule.input,
  };
}

export interface ManifestTriggerOptions {
  readonly rule: S3EventRule;
  readonly executions: ExecutionStore;
  readonly faults: FaultInjector;
}

/**
 * Delivers each created object's event to the rule, and starts an execution for each match, under a fresh
 * name as EventBridge does. A fault may deliver an event again: each extra delivery starts once the previous
 * execution has ended, as a late re-delivery would.
 */
export class ManifestTrigger {
  private readonly deliveries = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly options: ManifestTriggerOptions) {}

  onObjectCreated(object: CreatedObject): void {
    const event = objectCreatedEvent(object);
    if (this.closed || !this.options.rule.matches(event)) return;
    const input = this.options.rule.input(event);
    const delivery = this.deliver(input, this.options.faults.eventDeliveries('ObjectCreated'))
      .catch((error: unknown) => {
        // Where AWS would dead-letter the event: said once, and the S3 request that caused it still succeeds.
        process.stderr.write(`dx-flow sandbox: the event for s3://${object.bucket}/${object.key} started no execution: ${(error as Error).message}\n`);
      })
      .finally(() => this.deliveries.delete(delivery));
    this.deliveries.add(delivery);
  }

  private async deliver(input: string, times: number): Promise<void> {
    await deliverInTurn(this.options.executions, input, times, () => this.closed);
  }

  /**
   * Starts nothing more. The returned promise settles once pending deliveries have given up, which waits for
   * the executions they follow: stop those first.
   */
  close(): Promise<void> {
    this.closed = true;
    return Promise.all(this.deliveries).then(() => undefined);
  }
}
