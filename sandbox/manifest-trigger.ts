import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from './accounts';
import type { FaultInjector } from './faults';
import type { ExecutionStore } from './stepfunctions/executions';

/*
 * The deployed manifest trigger, replayed: S3 "Object Created" events as EventBridge shapes them, matched
 * against the event pattern of the rule in the synthesized template and turned into the execution input by
 * that rule's own input transformer. Only the pattern operators and transformer forms CDK renders are
 * understood; anything else fails at sandbox start instead of matching differently from AWS.
 */

/** An object S3 has just created, as its Object Created event names it. */
export interface CreatedObject {
  readonly bucket: string;
  readonly key: string;
  /** As S3 answered the request, quoted or not; the event carries it bare. */
  readonly etag: string;
  readonly reason: 'PutObject' | 'CompleteMultipartUpload';
}

/** Resolves a Ref in the template to the sandbox's value for it (its bucket name, for the data bucket). */
export type RefResolver = (logicalId: string) => string;

const TemplateRules = z.object({
  Resources: z.record(
    z.string(),
    z.object({
      Type: z.string(),
      Properties: z
        .object({
          EventPattern: z.record(z.string(), z.unknown()).optional(),
          Targets: z.array(z.object({ InputTransformer: z.unknown().optional() }).loose()).optional(),
        })
        .loose()
        .optional(),
    }),
  ),
});

const InputTransformer = z.object({
  InputPathsMap: z.record(z.string(), z.string().regex(/^\$(\.[A-Za-z0-9_-]+)+$/, 'must be a dotted JSONPath')),
  InputTemplate: z.unknown(),
});

function resolveTokens(value: unknown, ref: RefResolver): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveTokens(item, ref));
  if (typeof value !== 'object' || value === null) return value;
  const token = value as { Ref?: unknown; 'Fn::Join'?: [string, unknown[]] };
  if (typeof token.Ref === 'string') return ref(token.Ref);
  if (token['Fn::Join'] !== undefined) {
    const [separator, parts] = token['Fn::Join'];
    return parts.map((part) => resolveTokens(part, ref)).join(separator);
  }
  if (Object.keys(value).some((key) => key.startsWith('Fn::'))) {
    throw new Error(`The manifest trigger rule holds a token the sandbox cannot resolve: ${JSON.stringify(value)}`);
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveTokens(item, ref)]));
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

type Matcher = (event: unknown) => boolean;

function wildcardRegExp(wildcard: string): RegExp {
  const parts = wildcard.split(/(?<!\\)\*/).map((part) => part.replace(/\\([*\\])/g, '$1').replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`, 's');
}

function compileCondition(condition: unknown): (value: unknown) => boolean {
  if (condition === null || typeof condition !== 'object') return (value) => value === condition;
  const entries = Object.entries(condition);
  const [operator, operand] = entries[0] ?? [];
  if (entries.length !== 1 || typeof operand !== 'string') {
    throw new Error(`The sandbox does not replay the event pattern condition ${JSON.stringify(condition)}`);
  }
  const operators: Readonly<Record<string, (operand: string) => (value: string) => boolean>> = {
    wildcard: (wildcard) => {
      const regExp = wildcardRegExp(wildcard);
      return (value) => regExp.test(value);
    },
    prefix: (prefix) => (value) => value.startsWith(prefix),
    suffix: (suffix) => (value) => value.endsWith(suffix),
  };
  const compile = operators[operator];
  if (compile === undefined) throw new Error(`The sandbox does not replay the event pattern operator "${operator}"`);
  const check = compile(operand);
  return (value) => typeof value === 'string' && check(value);
}

/**
 * EventBridge matching: every field of the pattern must be in the event, and a list matches when any of its
 * conditions matches the value, or any element of an array value.
 */
export function compileEventPattern(pattern: Record<string, unknown>): Matcher {
  const fields = Object.entries(pattern).map(([field, condition]): [string, Matcher] => {
    if (Array.isArray(condition)) {
      const conditions = condition.map(compileCondition);
      return [field, (value) => (Array.isArray(value) ? value : [value]).some((v) => conditions.some((c) => c(v)))];
    }
    if (typeof condition !== 'object' || condition === null) {
      throw new Error(`Event pattern field "${field}" must be a list or an object, not ${JSON.stringify(condition)}`);
    }
    return [field, compileEventPattern(condition as Record<string, unknown>)];
  });
  return (event) =>
    fields.every(([field, matches]) => {
      const value = typeof event === 'object' && event !== null ? (event as Record<string, unknown>)[field] : undefined;
      return value !== undefined && matches(value);
    });
}

function valueAt(event: unknown, path: string): unknown {
  return path
    .slice(2)
    .split('.')
    .reduce<unknown>((node, field) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[field] : undefined), event);
}

/**
 * The input transformer: each `<name>` of the template replaced by its path's value as JSON (a missing path is
 * null). CDK renders RuleTargetInput.fromObject with placeholders outside quotes, the only form replayed here.
 */
function compileInputTransformer(logicalId: string, transformer: z.infer<typeof InputTransformer>): (event: unknown) => string {
  const template = transformer.InputTemplate;
  if (typeof template !== 'string') throw new Error(`Rule ${logicalId} has an InputTemplate that is not a string`);
  const render = (event: unknown) => {
    const text = template.replace(/<([A-Za-z0-9_.-]+)>/g, (placeholder, name: string) => {
      const path = transformer.InputPathsMap[name];
      if (path === undefined) throw new Error(`Rule ${logicalId}'s InputTemplate names ${placeholder}, which is not in its InputPathsMap`);
      return JSON.stringify(valueAt(event, path) ?? null);
    });
    try {
      return JSON.stringify(JSON.parse(text));
    } catch (error) {
      throw new Error(`Rule ${logicalId}'s InputTemplate does not render to JSON: ${text}`, { cause: error });
    }
  };
  // Renders once now, so that a template form this replay does not understand fails at sandbox start.
  render({});
  return render;
}

export interface S3EventRule {
  readonly logicalId: string;
  readonly matches: Matcher;
  /** The execution input the rule's target gives StartExecution for an event. */
  readonly input: (event: unknown) => string;
}

/** The one rule that starts runs from S3 events, with its tokens resolved for the sandbox. */
export function s3EventRuleFromTemplate(template: unknown, ref: RefResolver): S3EventRule {
  const rules = Object.entries(TemplateRules.parse(template).Resources).filter(([, resource]) => {
    const source = resource.Properties?.EventPattern?.source;
    return resource.Type === 'AWS::Events::Rule' && Array.isArray(source) && source.includes('aws.s3');
  });
  if (rules.length !== 1) throw new Error(`Expected one rule on aws.s3 events in the template, found ${rules.length}`);
  const [logicalId, rule] = rules[0];
  const targets = rule.Properties?.Targets ?? [];
  if (targets.length !== 1) throw new Error(`Rule ${logicalId} has ${targets.length} targets; the sandbox replays exactly one`);
  return {
    logicalId,
    matches: compileEventPattern(resolveTokens(rule.Properties?.EventPattern, ref) as Record<string, unknown>),
    input: compileInputTransformer(logicalId, InputTransformer.parse(resolveTokens(targets[0].InputTransformer, ref))),
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
    for (let delivered = 0; delivered < times && !this.closed; delivered += 1) {
      // EventBridge starts each execution under a name of its own choosing.
      const record = this.options.executions.startChecked({ input });
      await this.options.executions.settled(record.executionArn);
    }
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
