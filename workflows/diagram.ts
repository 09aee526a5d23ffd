import type { AslDefinition, AslState } from './asl';

/*
 * Draws a runnable ASL definition as a Mermaid `flowchart TD`, so the picture in the README is generated from
 * the same definition the stack deploys. Each state machine a `.sync` StartExecution state runs and waits for is
 * drawn below, as a subgraph of its own that a thick edge from that state enters. Deterministic: states are
 * declared in the definitions' order and ids come from state names, so the same definitions always give the
 * same text.
 */

interface Retrier {
  readonly ErrorEquals: readonly string[];
  /** ASL's default is 3. */
  readonly MaxAttempts?: number;
}

interface Catcher {
  readonly ErrorEquals: readonly string[];
  readonly Next: string;
}

type ChoiceRule = Readonly<Record<string, unknown>>;

/** A state machine that a drawn state may run: its name (the end of its ARN) and its definition. */
export interface DrawableStateMachine {
  readonly stateMachineName: string;
  readonly definition: AslDefinition;
}

/** The Step Functions integrations that start an execution: without `.sync`, the state does not wait for it. */
const START_EXECUTION = /^arn:aws:states:::states:(startExecution(?:\.sync(?::2)?)?)$/;

/** Words Mermaid reads as keywords wherever an id may stand. */
const RESERVED_IDS = new Set(['end', 'graph', 'subgraph', 'flowchart', 'style', 'class', 'classdef', 'click', 'linkstyle', 'direction', 'call', 'href', 'default']);

const COMPARISONS: Readonly<Record<string, string>> = {
  Equals: '==',
  LessThan: '<',
  GreaterThan: '>',
  LessThanEquals: '<=',
  GreaterThanEquals: '>=',
  Matches: 'matches',
};
const COMPARISON = /^(String|Numeric|Boolean|Timestamp)(Equals|LessThan|GreaterThan|LessThanEquals|GreaterThanEquals|Matches)(Path)?$/;
const TYPE_TEST = /^Is(Present|Null|String|Numeric|Boolean|Timestamp)$/;

/** Label text: every character Mermaid could read as syntax becomes an entity code (`#quot;`, `#91;`). */
function escapeLabel(text: string): string {
  return text.replace(/[#"<>[\]{}()|]/g, (c) => (c === '"' ? '#quot;' : `#${c.charCodeAt(0)};`));
}

const label = (lines: readonly string[]) => `"${lines.map(escapeLabel).join('<br/>')}"`;

function operand(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** One Choice rule as readable text: `$.status.state == "COMPLETED" or ...`. */
export function describeCondition(rule: ChoiceRule, nested = false): string {
  const wrap = (text: string) => (nested ? `(${text})` : text);
  if (typeof rule.Condition === 'string') return rule.Condition;
  if (Array.isArray(rule.And)) return wrap((rule.And as ChoiceRule[]).map((r) => describeCondition(r, true)).join(' and '));
  if (Array.isArray(rule.Or)) return wrap((rule.Or as ChoiceRule[]).map((r) => describeCondition(r, true)).join(' or '));
  if (rule.Not !== undefined) return `not (${describeCondition(rule.Not as ChoiceRule)})`;
  for (const [key, value] of Object.entries(rule)) {
    const comparison = COMPARISON.exec(key);
    if (comparison !== null) {
      const right = comparison[3] === undefined ? operand(value) : String(value);
      return `${String(rule.Variable)} ${COMPARISONS[comparison[2]]} ${right}`;
    }
    const typeTest = TYPE_TEST.exec(key);
    if (typeTest !== null) return `${String(rule.Variable)} is ${value === true ? '' : 'not '}${typeTest[1].toLowerCase()}`;
  }
  throw new Error(`Cannot draw the Choice rule ${JSON.stringify(rule)}: no comparison this diagram knows`);
}

function describeRetry(retriers: readonly Retrier[]): string[] {
  return retriers.map((retrier) => {
    const [first, ...rest] = retrier.ErrorEquals;
    const names = rest.length > 1 ? `${first} +${rest.length}` : retrier.ErrorEquals.join(', ');
    return `retry ${retrier.MaxAttempts ?? 3}x: ${names}`;
  });
}

/** The second lines of a state's box: what it waits for, what it fails with, how it retries. */
function details(state: AslState): string[] {
  const lines: string[] = [];
  if (state.Type === 'Wait') {
    const { Seconds, SecondsPath, Timestamp, TimestampPath } = state as Record<string, unknown>;
    lines.push(Seconds !== undefined ? `wait ${String(Seconds)} s` : SecondsPath !== undefined ? `wait ${String(SecondsPath)} s` : `wait until ${String(Timestamp ?? TimestampPath)}`);
  }
  if (state.Type === 'Fail') {
    const { Error: error, ErrorPath } = state as Record<string, unknown>;
    if (error !== undefined || ErrorPath !== undefined) lines.push(error !== undefined ? `error ${String(error)}` : `error from ${String(ErrorPath)}`);
  }
  if (state.Type === 'Map') {
    const { ItemsPath, MaxConcurrency } = state as Record<string, unknown>;
    lines.push(`Map over ${String(ItemsPath ?? '$')}${typeof MaxConcurrency === 'number' && MaxConcurrency > 0 ? `, ${MaxConcurrency} at a time` : ''}`);
  }
  if (state.Type === 'Parallel') lines.push('Parallel');
  const startExecution = START_EXECUTION.exec(state.Resource ?? '')?.[1];
  if (state.Type === 'Task' && startExecution !== undefined) lines.push(startExecution);
  return [...lines, ...describeRetry((state.Retry as Retrier[] | undefined) ?? [])];
}

const SHAPES: Readonly<Record<string, readonly [string, string]>> = {
  Task: ['[', ']'],
  Pass: ['(', ')'],
  Wait: ['>', ']'],
  Choice: ['{', '}'],
  Succeed: ['([', '])'],
  Fail: ['{{', '}}'],
};

interface Scope {
  readonly key: string;
  readonly definition: AslDefinition;
}

function nestedDefinitions(state: AslState): AslDefinition[] {
  const processor = state.ItemProcessor ?? state.Iterator;
  return processor !== undefined ? [processor] : [...(state.Branches ?? [])];
}

/** The name of the state machine a `.sync` StartExecution state runs and waits for; undefined for any other state. */
function stateMachineRun(state: AslState): string | undefined {
  const arn = state.Parameters?.StateMachineArn;
  const integration = START_EXECUTION.exec(state.Resource ?? '')?.[1];
  if (state.Type !== 'Task' || integration?.includes('.sync') !== true || typeof arn !== 'string') return undefined;
  const marker = ':stateMachine:';
  return arn.includes(marker) ? arn.slice(arn.indexOf(marker) + marker.length) : undefined;
}

/** Each `.sync` state of a definition, nested ones included, by name, with the state machine it runs. */
function runsIn(definition: AslDefinition): { readonly state: string; readonly stateMachineName: string }[] {
  return Object.entries(definition.States).flatMap(([name, state]) => {
    const run = stateMachineRun(state);
    return [...(run === undefined ? [] : [{ state: name, stateMachineName: run }]), ...nestedDefinitions(state).flatMap(runsIn)];
  });
}

/**
 * The names of the states that run each given state machine, in the definition and in every state machine it
 * runs in turn: what a state machine's subgraph is labelled with.
 */
function runnersOf(definition: AslDefinition, stateMachines: readonly DrawableStateMachine[]): Map<string, string[]> {
  const runners = new Map<string, string[]>();
  const pending = [definition];
  for (let next = pending.shift(); next !== undefined; next = pending.shift()) {
    for (const { state, stateMachineName } of runsIn(next)) {
      const stateMachine = stateMachines.find((m) => m.stateMachineName === stateMachineName);
      if (stateMachine === undefined) continue;
      if (!runners.has(stateMachineName)) pending.push(stateMachine.definition);
      runners.set(stateMachineName, [...(runners.get(stateMachineName) ?? []), state]);
    }
  }
  return runners;
}

class Flowchart {
  private readonly ids = new Map<string, string>();
  private readonly taken = new Set<string>();
  private readonly declarations: string[] = [];
  private readonly edges: string[] = [];
  private readonly failures: string[] = [];
  private readonly successes: string[] = [];
  private readonly endMarkers = new Set<string>();
  /** What a scope's start and end markers are named after, where not its last state name (a Map's). */
  private readonly markerBases = new Map<string, string>();
  /** The `.sync` states drawn so far, by id, with the name of the state machine each runs. */
  private readonly runs: { readonly from: string; readonly stateMachineName: string }[] = [];

  constructor(private readonly stateMachines: readonly DrawableStateMachine[]) {}

  public render(definition: AslDefinition): string {
    this.drawScope({ key: '', definition }, '  ');
    this.drawStateMachinesRun(definition);
    const classes = [
      ...(this.failures.length > 0 ? ['  classDef failure fill:#fde8e8,stroke:#c62828', `  class ${this.failures.join(',')} failure`] : []),
      ...(this.successes.length > 0 ? ['  classDef success fill:#e6f4e6,stroke:#2e7d32', `  class ${this.successes.join(',')} success`] : []),
    ];
    return ['flowchart TD', ...this.declarations, ...this.edges, ...classes].join('\n');
  }

  /** A stable Mermaid id for a state of a scope: its name, made safe and unique. */
  private id(scope: string, name: string): string {
    return this.allocate(`${scope}/${name}`, name);
  }

  /** The start or end marker of a scope: `start`, `<Map state>_start` inside a Map, `<subgraph>_start` in a state machine run. */
  private marker(scope: string, kind: 'start' | 'end'): string {
    const base = this.markerBases.get(scope) ?? scope.split('/').at(-1) ?? '';
    return this.allocate(`${scope}#${kind}`, scope === '' ? kind : `${base}_${kind}`);
  }

  /**
   * Each state machine a drawn `.sync` state runs, once, below everything drawn before it: a subgraph labelled
   * with the states that run it (its name would carry the stack's environment), entered by a thick edge from
   * each. The state machines those run follow in turn.
   */
  private drawStateMachinesRun(definition: AslDefinition): void {
    const runners = runnersOf(definition, this.stateMachines);
    const subgraphs = new Map<string, string>();
    // Drawing a state machine adds its own `.sync` states to the runs this loop goes through.
    for (let index = 0; index < this.runs.length; index += 1) {
      const { from, stateMachineName } = this.runs[index];
      const stateMachine = this.stateMachines.find((m) => m.stateMachineName === stateMachineName);
      if (stateMachine === undefined) continue;
      let id = subgraphs.get(stateMachineName);
      if (id === undefined) {
        const names = runners.get(stateMachineName) ?? [];
        const key = `@${stateMachineName}`;
        id = this.allocate(key, `${names[0]}_stateMachine`);
        subgraphs.set(stateMachineName, id);
        this.markerBases.set(key, id);
        this.declarations.push(`  subgraph ${id}[${label([`state machine run by ${names.join(', ')}`])}]`);
        this.drawScope({ key, definition: stateMachine.definition }, '    ');
        this.declarations.push('  end');
      }
      this.edges.push(`  ${from} ==>|${label(['runs, waits for'])}| ${id}`);
    }
  }

  private allocate(key: string, name: string): string {
    const known = this.ids.get(key);
    if (known !== undefined) return known;
    const base = name.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, 's_');
    let candidate = base;
    for (let n = 2; this.taken.has(candidate) || RESERVED_IDS.has(candidate.toLowerCase()); n += 1) candidate = `${base}_${n}`;
    this.taken.add(candidate);
    this.ids.set(key, candidate);
    return candidate;
  }

  /** Nodes go in their subgraphs; every edge comes after all nodes, so no edge pulls a node into a subgraph. */
  private drawScope(scope: Scope, indent: string): void {
    const start = this.marker(scope.key, 'start');
    this.declarations.push(`${indent}${start}(("start"))`);
    this.edges.push(`  ${start} --> ${this.id(scope.key, scope.definition.StartAt)}`);
    for (const [name, state] of Object.entries(scope.definition.States)) {
      const id = this.id(scope.key, name);
      const nested = nestedDefinitions(state);
      if (nested.length > 0) {
        this.declarations.push(`${indent}subgraph ${id}[${label([name, ...details(state)])}]`);
        nested.forEach((definition, index) => this.drawNested({ key: `${scope.key}/${name}`, definition }, id, index, nested.length, `${indent}  `));
        this.declarations.push(`${indent}end`);
      } else {
        const [open, close] = SHAPES[state.Type] ?? SHAPES.Task;
        this.declarations.push(`${indent}${id}${open}${label([name, ...details(state)])}${close}`);
      }
      if (state.Type === 'Fail') this.failures.push(id);
      if (state.Type === 'Succeed') this.successes.push(id);
      const run = stateMachineRun(state);
      if (run !== undefined) this.runs.push({ from: id, stateMachineName: run });
      this.drawEdges(scope, indent, name, state);
    }
  }

  private drawNested(scope: Scope, parentId: string, index: number, count: number, indent: string): void {
    if (count === 1) {
      this.drawScope(scope, indent);
      return;
    }
    this.declarations.push(`${indent}subgraph ${parentId}_branch${index + 1}[${label([`branch ${index + 1}`])}]`);
    this.drawScope({ key: `${scope.key}/branch${index + 1}`, definition: scope.definition }, `${indent}  `);
    this.declarations.push(`${indent}end`);
  }

  private drawEdges(scope: Scope, indent: string, name: string, state: AslState): void {
    const from = this.id(scope.key, name);
    const to = (next: string) => this.id(scope.key, next);
    if (typeof state.Next === 'string') this.edges.push(`  ${from} --> ${to(state.Next)}`);
    for (const rule of (state.Choices as ChoiceRule[] | undefined) ?? []) {
      this.edges.push(`  ${from} -->|${label([describeCondition(rule)])}| ${to(String(rule.Next))}`);
    }
    if (typeof state.Default === 'string') this.edges.push(`  ${from} -->|${label(['default'])}| ${to(state.Default)}`);
    for (const catcher of (state.Catch as Catcher[] | undefined) ?? []) {
      this.edges.push(`  ${from} -.->|${label([`catch ${catcher.ErrorEquals.join(', ')}`])}| ${to(catcher.Next)}`);
    }
    if (state.End === true) {
      const end = this.marker(scope.key, 'end');
      if (!this.endMarkers.has(end)) this.declarations.push(`${indent}${end}((("end")))`);
      this.endMarkers.add(end);
      this.edges.push(`  ${from} --> ${end}`);
    }
  }
}

/**
 * The definition as a Mermaid `flowchart TD`, with each of the given state machines that one of its `.sync`
 * states runs drawn below it (and any they run in turn): what `dx-flow diagram` prints and README.md embeds.
 * State machines no drawn state runs, the definition's own among them, are left out.
 */
export function mermaidFlowchart(definition: AslDefinition, stateMachines: readonly DrawableStateMachine[] = []): string {
  return new Flowchart(stateMachines).render(definition);
}
