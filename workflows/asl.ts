import * as z from 'zod';
import { ENV_KEYS } from '../shared/env';
import { TASK_NAMES, type TaskName } from '../tasks/registry';

/*
 * Turns the synthesized template's state machine into runnable ASL. CDK renders the definition as an
 * Fn::Join of strings and Ref/GetAtt tokens; those are resolved to stand-in ARNs, with each Lambda function
 * named after the task it runs, so that every Lambda state can be mapped back to its task.
 */

export interface AslOptions {
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default '000000000000' */
  readonly accountId?: string;
  /** The value of a Ref to one of the template's resources, where the caller has one (the sandbox's bucket name). */
  readonly resolveRef?: (logicalId: string) => string | undefined;
}

export interface RunnableAsl {
  /** The definition, with every token resolved. */
  readonly definition: AslDefinition;
  /** The logical id of the state machine in the template. */
  readonly stateMachineLogicalId: string;
  /** Its name: the one its StartExecution states start again. */
  readonly stateMachineName: string;
  /** Every Lambda-invoking state, by name, with the task it invokes. */
  readonly taskOfState: Readonly<Record<string, TaskName>>;
  /** The names of the state machines its StartExecution states start (itself included, for a run's next part). */
  readonly startsStateMachines: readonly string[];
}

export interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Parameters?: { readonly FunctionName?: string; readonly [key: string]: unknown };
  readonly ItemProcessor?: AslDefinition;
  readonly Iterator?: AslDefinition;
  readonly Branches?: readonly AslDefinition[];
  readonly [key: string]: unknown;
}

export interface AslDefinition {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
  readonly TimeoutSeconds?: number;
  readonly [key: string]: unknown;
}

const TemplateResource = z.object({
  Type: z.string(),
  Properties: z.record(z.string(), z.unknown()).optional(),
});
const Template = z.object({ Resources: z.record(z.string(), TemplateResource) });
type TemplateResource = z.infer<typeof TemplateResource>;

const FunctionProperties = z.object({
  Environment: z.object({ Variables: z.record(z.string(), z.unknown()) }).optional(),
});

const TASK_NAME_SET: ReadonlySet<string> = new Set(TASK_NAMES);

export function lambdaArnForTask(task: TaskName, options: AslOptions = {}): string {
  return `arn:aws:lambda:${options.region ?? 'us-east-1'}:${options.accountId ?? '000000000000'}:function:dx-flow-${task}`;
}

function taskOfFunction(resource: TemplateResource): TaskName | undefined {
  const task = FunctionProperties.parse(resource.Properties ?? {}).Environment?.Variables[ENV_KEYS.task];
  return typeof task === 'string' && TASK_NAME_SET.has(task) ? (task as TaskName) : undefined;
}

function fakeArn(logicalId: string, resource: TemplateResource | undefined, options: ResolvedOptions): string {
  const where = `${options.region}:${options.accountId}`;
  switch (resource?.Type) {
    case 'AWS::Lambda::Function': {
      const task = taskOfFunction(resource);
      return task === undefined ? `arn:aws:lambda:${where}:function:${logicalId}` : lambdaArnForTask(task, options);
    }
    case 'AWS::SNS::Topic':
      return `arn:aws:sns:${where}:${logicalId}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${logicalId.toLowerCase()}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${where}:stateMachine:${stateMachineName(logicalId, resource)}`;
    default:
      return `arn:aws:${resource?.Type.split('::')[1]?.toLowerCase() ?? 'unknown'}:${where}:${logicalId}`;
  }
}

type ResolvedOptions = Required<Omit<AslOptions, 'resolveRef'>> & Pick<AslOptions, 'resolveRef'>;

function resolveToken(token: unknown, resources: Record<string, TemplateResource>, options: ResolvedOptions): string {
  if (typeof token === 'string') return token;
  const t = token as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const given = t.Ref === undefined ? undefined : options.resolveRef?.(t.Ref);
  if (given !== undefined) return given;
  if (t.Ref !== undefined && resources[t.Ref]?.Type === 'AWS::StepFunctions::StateMachine') {
    // A state machine's Ref is its ARN.
    return fakeArn(t.Ref, resources[t.Ref], options);
  }
  if (t.Ref !== undefined) {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': options.region,
      'AWS::AccountId': options.accountId,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    return pseudo[t.Ref] ?? t.Ref;
  }
  if (t['Fn::GetAtt'] !== undefined) {
    const [logicalId] = t['Fn::GetAtt'];
    return fakeArn(logicalId, resources[logicalId], options);
  }
  throw new Error(`Cannot resolve the token ${JSON.stringify(token)} in the state machine definition`);
}

function resolveString(raw: unknown, resources: Record<string, TemplateResource>, options: ResolvedOptions): string {
  const join = (raw as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (join === undefined) return resolveToken(raw, resources, options);
  const [separator, parts] = join;
  return parts.map((part) => resolveString(part, resources, options)).join(separator);
}

function collectLambdaStates(definition: AslDefinition, into: Record<string, TaskName>): void {
  for (const [name, state] of Object.entries(definition.States)) {
    const functionName = state.Parameters?.FunctionName;
    if (state.Type === 'Task' && state.Resource?.endsWith(':lambda:invoke') && typeof functionName === 'string') {
      const task = /:function:dx-flow-([a-z-]+)$/.exec(functionName)?.[1];
      if (task === undefined || !TASK_NAME_SET.has(task)) {
        throw new Error(`State ${name} invokes ${functionName}, which is no task of the registry`);
      }
      into[name] = task as TaskName;
    }
    for (const nested of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]) {
      if (nested !== undefined) collectLambdaStates(nested, into);
    }
  }
}

function stateMachineName(logicalId: string, resource: TemplateResource): string {
  const name = resource.Properties?.StateMachineName;
  return typeof name === 'string' ? name : logicalId;
}

/** `arn:aws:states:::states:startExecution`, with or without `.sync` or `.sync:2`. */
export const START_EXECUTION_RESOURCE = /^arn:aws:states:::states:startExecution(\.sync(:2)?)?$/;

function collectStartedStateMachines(definition: AslDefinition, into: Set<string>): void {
  for (const state of Object.values(definition.States)) {
    const arn = state.Parameters?.StateMachineArn;
    if (state.Type === 'Task' && START_EXECUTION_RESOURCE.test(state.Resource ?? '') && typeof arn === 'string') {
      into.add(arn.slice(arn.indexOf(':stateMachine:') + ':stateMachine:'.length));
    }
    for (const nested of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]) {
      if (nested !== undefined) collectStartedStateMachines(nested, into);
    }
  }
}

/** Every state machine of a synthesized template as runnable ASL. */
export function extractRunnableAsls(template: unknown, options: AslOptions = {}): RunnableAsl[] {
  const resolved = { region: options.region ?? 'us-east-1', accountId: options.accountId ?? '000000000000' };
  const { Resources: resources } = Template.parse(template);
  return Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine')
    .map(([stateMachineLogicalId, machine]) => {
      const definition = JSON.parse(resolveString(machine.Properties?.DefinitionString, resources, resolved)) as AslDefinition;
      const taskOfState: Record<string, TaskName> = {};
      collectLambdaStates(definition, taskOfState);
      const starts = new Set<string>();
      collectStartedStateMachines(definition, starts);
      return { definition, stateMachineLogicalId, stateMachineName: stateMachineName(stateMachineLogicalId, machine), taskOfState, startsStateMachines: [...starts] };
    });
}

/**
 * The template's entry state machine: the one no other state machine starts (the publish state machine starts
 * itself for a run's next part, and the import-batch state machine once per batch).
 */
export function extractRunnableAsl(template: unknown, options: AslOptions = {}): RunnableAsl {
  const machines = extractRunnableAsls(template, options);
  const started = (name: string) => machines.some((m) => m.stateMachineName !== name && m.startsStateMachines.includes(name));
  const roots = machines.filter((m) => !started(m.stateMachineName));
  if (roots.length !== 1) throw new Error(`Expected one state machine that no other starts in the template, found ${roots.length}`);
  return roots[0];
}

/** The task a template's Lambda function runs, by the function's logical id; undefined for any other resource. */
export function taskOfFunctionInTemplate(template: unknown, logicalId: string): TaskName | undefined {
  const resource = Template.parse(template).Resources[logicalId];
  return resource?.Type === 'AWS::Lambda::Function' ? taskOfFunction(resource) : undefined;
}

/**
 * Each task's environment variables as the stack sets them, with tokens resolved the same way as in the
 * definition: what the sandbox gives the handlers it runs.
 */
export function taskEnvironments(template: unknown, options: AslOptions = {}): Partial<Record<TaskName, Record<string, string>>> {
  const resolved = { region: options.region ?? 'us-east-1', accountId: options.accountId ?? '000000000000', resolveRef: options.resolveRef };
  const { Resources: resources } = Template.parse(template);
  const environments: Partial<Record<TaskName, Record<string, string>>> = {};
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const task = taskOfFunction(resource);
    const variables = FunctionProperties.parse(resource.Properties ?? {}).Environment?.Variables ?? {};
    if (task === undefined) continue;
    environments[task] = Object.fromEntries(
      Object.entries(variables).map(([key, value]) => [key, resolveString(value, resources, resolved)]),
    );
  }
  return environments;
}

/** The value at a simple `$.a.b` path (the ItemsPath and SecondsPath forms the definitions use); undefined if absent. */
export function valueAtPath(path: string, input: unknown): unknown {
  let value: unknown = input;
  for (const part of path.replace(/^\$\.?/, '').split('.').filter(Boolean)) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
  }
  return value;
}
