import * as z from 'zod';
import type { ExecutionStore } from './stepfunctions/executions';

/*
 * EventBridge rules of the synthesized template, replayed in the sandbox: their event patterns, the tokens in
 * them, and their targets' input transformers. Only the pattern operators and transformer forms CDK renders are
 * understood; anything else fails at sandbox start instead of matching differently from AWS.
 */

/** Resolves a Ref in the template to the sandbox's value for it (its bucket name, for the data bucket). */
export type RefResolver = (logicalId: string) => string;

export const TemplateRules = z.object({
  Resources: z.record(
    z.string(),
    z.object({
      Type: z.string(),
      Properties: z
        .object({
          EventPattern: z.record(z.string(), z.unknown()).optional(),
          ScheduleExpression: z.string().optional(),
          Targets: z.array(z.object({ Arn: z.unknown(), InputTransformer: z.unknown().optional(), Input: z.string().optional() }).loose()).optional(),
        })
        .loose()
        .optional(),
    }),
  ),
});

export const InputTransformer = z.object({
  InputPathsMap: z.record(z.string(), z.string().regex(/^\$(\.[A-Za-z0-9_-]+)+$/, 'must be a dotted JSONPath')),
  InputTemplate: z.unknown(),
});

export function resolveTokens(value: unknown, ref: RefResolver): unknown {
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

export type Matcher = (event: unknown) => boolean;

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
export function compileInputTransformer(logicalId: string, transformer: z.infer<typeof InputTransformer>): (event: unknown) => string {
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

type RuleProperties = NonNullable<z.infer<typeof TemplateRules>['Resources'][string]['Properties']>;

export interface TemplateRule {
  readonly logicalId: string;
  readonly properties: RuleProperties;
  /** The logical id of the resource the rule's one target names (by Ref or Fn::GetAtt). */
  readonly targetLogicalId: string | undefined;
  /** What the rule's one target receives for an event: its transformer's output, its constant Input, or the event. */
  readonly input: (event: unknown) => string;
}

function targetInput(logicalId: string, target: { InputTransformer?: unknown; Input?: string }, ref: RefResolver): (event: unknown) => string {
  if (target.InputTransformer !== undefined) {
    return compileInputTransformer(logicalId, InputTransformer.parse(resolveTokens(target.InputTransformer, ref)));
  }
  const constant = target.Input;
  return constant === undefined ? (event) => JSON.stringify(event) : () => constant;
}

function logicalIdOf(token: unknown): string | undefined {
  const t = token as { Ref?: unknown; 'Fn::GetAtt'?: unknown[] } | null;
  const named = t?.Ref ?? t?.['Fn::GetAtt']?.[0];
  return typeof named === 'string' ? named : undefined;
}

/** Every rule of the template that `select` picks, each with its one target and that target's input. */
export function rulesFromTemplate(template: unknown, ref: RefResolver, select: (properties: RuleProperties) => boolean): TemplateRule[] {
  return Object.entries(TemplateRules.parse(template).Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Events::Rule' && resource.Properties !== undefined && select(resource.Properties))
    .map(([logicalId, rule]) => {
      const properties = rule.Properties ?? {};
      const targets = properties.Targets ?? [];
      if (targets.length !== 1) throw new Error(`Rule ${logicalId} has ${targets.length} targets; the sandbox replays exactly one`);
      return { logicalId, properties, targetLogicalId: logicalIdOf(targets[0].Arn), input: targetInput(logicalId, targets[0], ref) };
    });
}

/** The template's one rule that `select` picks (`what` names it in errors). */
export function ruleFromTemplate(template: unknown, ref: RefResolver, what: string, select: (properties: RuleProperties) => boolean): TemplateRule {
  const rules = rulesFromTemplate(template, ref, select);
  if (rules.length !== 1) throw new Error(`Expected one ${what} in the template, found ${rules.length}`);
  return rules[0];
}

/**
 * Starts an execution for each delivery of `input`, each under a fresh name as EventBridge gives it, one after
 * the other: a repeated delivery arrives once the execution before it has ended, as a late one would.
 */
export async function deliverInTurn(executions: ExecutionStore, input: string, times: number, stopped: () => boolean = () => false): Promise<string[]> {
  const started: string[] = [];
  for (let delivered = 0; delivered < times && !stopped(); delivered += 1) {
    const record = executions.startChecked({ input });
    started.push(record.executionArn);
    await executions.settled(record.executionArn);
  }
  return started;
}
