import type { AslDefinition, AslState } from '../../workflows/asl';
import { describeCondition, mermaidFlowchart } from '../../workflows/diagram';
import { STATE } from '../../shared/state-names';
import { synthesizeStateMachines } from './harness';

const ID = '[A-Za-z_][A-Za-z0-9_]*';
const LABEL = '"[^"]*"';
/** The statements the generator may write: each line of its output must be one of them. */
const STATEMENTS = [
  /^flowchart TD$/,
  new RegExp(`^ *${ID}(\\(\\(\\(${LABEL}\\)\\)\\)|\\(\\(${LABEL}\\)\\)|\\(\\[${LABEL}\\]\\)|\\{\\{${LABEL}\\}\\}|\\[${LABEL}\\]|\\(${LABEL}\\)|\\{${LABEL}\\}|>${LABEL}\\])$`),
  new RegExp(`^ *subgraph ${ID}\\[${LABEL}\\]$`),
  /^ *end$/,
  new RegExp(`^ *${ID} (-->|-\\.->|==>)(\\|${LABEL}\\|)? ${ID}$`),
  /^ *classDef [a-z]+ [a-z]+:#[0-9a-f]{6},[a-z]+:#[0-9a-f]{6}$/,
  new RegExp(`^ *class ${ID}(,${ID})* [a-z]+$`),
];

/** The labels decoded as Mermaid shows them. */
const decode = (label: string) =>
  label
    .split('<br/>')
    .map((line) => line.replace(/#quot;/g, '"').replace(/#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))));

interface Drawn {
  /** Each node or subgraph id with its decoded label lines. */
  readonly nodes: Map<string, string[]>;
  /** Each subgraph id with the ids declared directly or indirectly inside it. */
  readonly subgraphs: Map<string, string[]>;
  /** Dashed edges are Catch edges; thick ones enter the state machine a `.sync` state runs. */
  readonly edges: { from: string; to: string; dashed: boolean; thick: boolean; label?: string }[];
}

function parse(diagram: string): Drawn {
  const nodes = new Map<string, string[]>();
  const subgraphs = new Map<string, string[]>();
  const edges: Drawn['edges'] = [];
  const open: string[] = [];
  for (const line of diagram.split('\n').map((l) => l.trim())) {
    const edge = /^(\w+) (-->|-\.->|==>)(?:\|"([^"]*)"\|)? (\w+)$/.exec(line);
    const subgraph = /^subgraph (\w+)\["([^"]*)"\]$/.exec(line);
    const node = /^(\w+)[([{>]+"([^"]*)"[)\]}]+$/.exec(line);
    if (edge !== null) {
      edges.push({
        from: edge[1],
        to: edge[4],
        dashed: edge[2] === '-.->',
        thick: edge[2] === '==>',
        label: edge[3] === undefined ? undefined : decode(edge[3]).join('\n'),
      });
    } else if (subgraph !== null) {
      nodes.set(subgraph[1], decode(subgraph[2]));
      open.forEach((outer) => subgraphs.get(outer)?.push(subgraph[1]));
      subgraphs.set(subgraph[1], []);
      open.push(subgraph[1]);
    } else if (line === 'end') {
      open.pop();
    } else if (node !== null) {
      nodes.set(node[1], decode(node[2]));
      open.forEach((outer) => subgraphs.get(outer)?.push(node[1]));
    }
  }
  return { nodes, subgraphs, edges };
}

function allStates(definition: AslDefinition): [string, AslState][] {
  return Object.entries(definition.States).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...[state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])].flatMap((nested) => (nested === undefined ? [] : allStates(nested))),
  ]);
}

describe('mermaidFlowchart of the synthesized state machines', () => {
  const { publish, importBatch, all } = synthesizeStateMachines();
  const diagram = mermaidFlowchart(publish.definition, all);
  const drawn = parse(diagram);
  const edge = (from: string, to: string) => drawn.edges.filter((e) => e.from === from && e.to === to);
  const states = [publish.definition, importBatch.definition].flatMap(allStates);
  /** The id the import-batch state machine's subgraph has: named after the state that runs it. */
  const IMPORT_BATCH_MACHINE = `${STATE.importBatch}_stateMachine`;

  it('writes only valid flowchart statements, with every subgraph closed', () => {
    const lines = diagram.split('\n');

    expect(lines.filter((line) => !STATEMENTS.some((statement) => statement.test(line)))).toEqual([]);
    expect(lines.filter((line) => line.trim().startsWith('subgraph ')).length).toBe(lines.filter((line) => line.trim() === 'end').length);
  });

  it('draws every state of both state machines, nested ones included, once, under its own name', () => {
    const names = states.map(([name]) => name);

    expect([...names].sort()).toEqual(Object.values(STATE).sort());
    for (const name of names) expect(drawn.nodes.get(name)?.[0]).toBe(name);
    const declared = diagram.split('\n').flatMap((line) => /^ *(?:subgraph )?(\w+)[([{>]/.exec(line)?.[1] ?? []);
    expect(new Set(declared).size).toBe(declared.length);
  });

  it('draws no catch path: no Catch, no dashed edge, no notify-on-failure states, and one Fail state, the poll loop\'s', () => {
    expect(states.filter(([, state]) => state.Catch !== undefined).map(([name]) => name)).toEqual([]);
    expect(drawn.edges.filter((e) => e.dashed)).toEqual([]);
    for (const gone of ['NotifyFailure', 'PublishFailed', 'DescribeLostNotification', 'NotificationFailed']) expect(drawn.nodes.has(gone)).toBe(false);
    expect(states.filter(([, state]) => state.Type === 'Fail').map(([name]) => name)).toEqual([STATE.unexpectedImportState]);
    expect(diagram).toContain(`  class ${STATE.unexpectedImportState} failure`);
    expect(drawn.nodes.get(STATE.unexpectedImportState)).toEqual([STATE.unexpectedImportState, 'error ImportJobFailedError']);
  });

  it('labels every Choice branch with its condition and the default branch as such', () => {
    const choices = states.filter(([, state]) => state.Type === 'Choice');

    expect(choices.length).toBeGreaterThanOrEqual(4);
    for (const [name, state] of choices) {
      for (const rule of state.Choices as { Next: string }[]) {
        expect(edge(name, rule.Next).map((e) => e.label)).toContain(describeCondition(rule));
      }
      expect(edge(name, state.Default as string).map((e) => e.label)).toContain('default');
    }
    expect(edge(STATE.isImportDone, STATE.batchImported)[0].label).toBe('$.status.state == "COMPLETED"');
    expect(edge(STATE.isImportDone, STATE.waitForImport)[0].label).toBe('$.status.state == "WAITING" or $.status.state == "IN_PROGRESS"');
  });

  it('draws the Map body, one state that runs a batch\'s execution, as a subgraph that the flow enters and leaves', () => {
    const body = Object.keys(publish.definition.States[STATE.importBatches].ItemProcessor?.States ?? {});

    expect(body).toEqual([STATE.importBatch]);
    expect(drawn.subgraphs.get(STATE.importBatches)).toEqual([`${STATE.importBatches}_start`, STATE.importBatch, `${STATE.importBatches}_end`]);
    expect(drawn.nodes.get(STATE.importBatches)).toEqual([STATE.importBatches, 'Map over $.plan.part.batches, 10 at a time']);
    expect(drawn.nodes.get(STATE.importBatch)).toEqual([STATE.importBatch, 'startExecution.sync:2', 'retry 6x: StepFunctions.ExecutionLimitExceeded']);
    expect(drawn.edges.some((e) => e.to === STATE.importBatches && !e.dashed)).toBe(true);
    expect(edge(STATE.importBatches, STATE.finalizeRevision)).toHaveLength(1);
    expect(edge(`${STATE.importBatches}_start`, STATE.importBatch)).toHaveLength(1);
  });

  it('draws the import-batch state machine below the publish one, as its own subgraph, entered by a thick edge from ImportBatch', () => {
    const lines = diagram.split('\n');
    const declaredAt = (id: string) => lines.findIndex((line) => new RegExp(`^ *(?:subgraph )?${id}[([{>]`).test(line));
    const body = Object.keys(importBatch.definition.States);

    expect(drawn.nodes.get(IMPORT_BATCH_MACHINE)).toEqual([`state machine run by ${STATE.importBatch}`]);
    expect(drawn.subgraphs.get(IMPORT_BATCH_MACHINE)).toEqual([`${IMPORT_BATCH_MACHINE}_start`, ...body]);
    expect(edge(STATE.importBatch, IMPORT_BATCH_MACHINE)).toEqual([{ from: STATE.importBatch, to: IMPORT_BATCH_MACHINE, dashed: false, thick: true, label: 'runs, waits for' }]);
    expect(edge(`${IMPORT_BATCH_MACHINE}_start`, STATE.uploadBatch)).toHaveLength(1);
    expect(Math.min(...body.map(declaredAt))).toBeGreaterThan(Math.max(...Object.keys(publish.definition.States).map(declaredAt)));
    // StartNextPart starts the publish state machine again without waiting: it is drawn once, and only the Map and
    // the import-batch state machine are subgraphs.
    expect(drawn.nodes.get(STATE.startNextPart)).toContain('startExecution');
    expect([...drawn.subgraphs.keys()]).toEqual([STATE.importBatches, IMPORT_BATCH_MACHINE]);
  });

  it('draws the publish state machine alone when it is given no state machine to draw below it', () => {
    const alone = parse(mermaidFlowchart(publish.definition));

    expect([...alone.subgraphs.keys()]).toEqual([STATE.importBatches]);
    expect(alone.nodes.has(STATE.uploadBatch)).toBe(false);
    expect(alone.edges.filter((e) => e.thick)).toEqual([]);
  });

  it('shows each retrier compactly on its state: attempts and errors', () => {
    expect(drawn.nodes.get(STATE.startImport)).toContain('retry 15x: TransientAwsError, Lambda.TooManyRequestsException');
    expect(drawn.nodes.get(STATE.checkImport)).toContain('retry 6x: TransientAwsError, Lambda.TooManyRequestsException');
    expect(drawn.nodes.get(STATE.checkImport)).toContain('retry 6x: Lambda.ClientExecutionTimeoutException +3');
    expect(drawn.nodes.get(STATE.waitForImport)).toEqual([STATE.waitForImport, 'wait $.status.waitSeconds s']);
  });

  it('is deterministic: the same definitions, even parsed anew, give the same text', () => {
    const again = JSON.parse(JSON.stringify(all)) as typeof all;

    expect(mermaidFlowchart(JSON.parse(JSON.stringify(publish.definition)) as AslDefinition, again)).toBe(diagram);
  });
});

describe('mermaidFlowchart of hand-written definitions', () => {
  const awkward: AslDefinition = {
    StartAt: 'say "hi" [1]',
    States: {
      'say "hi" [1]': { Type: 'Pass', Next: 'end' },
      end: {
        Type: 'Choice',
        Choices: [
          { And: [{ Variable: '$.a', IsPresent: true }, { Not: { Variable: '$.b', NumericGreaterThanPath: '$.c' } }], Next: 'fan out' },
          { Variable: '$.s', StringMatches: 'x|{y}*', Next: 'fan out' },
        ],
        Default: 'done',
      },
      'fan out': {
        Type: 'Parallel',
        Branches: [
          { StartAt: 'one', States: { one: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', End: true } } },
          { StartAt: 'two', States: { two: { Type: 'Wait', Seconds: 5, End: true } } },
        ],
        Catch: [{ ErrorEquals: ['States.Timeout', 'States.TaskFailed'], ResultPath: '$.failure', Next: 'failed' }],
        Next: 'done',
      },
      done: { Type: 'Succeed' },
      failed: { Type: 'Fail', ErrorPath: '$.failure.Error' },
    },
  };
  const diagram = mermaidFlowchart(awkward);
  const drawn = parse(diagram);

  it('escapes quotes, brackets and pipes, and gives every state a safe, unique id', () => {
    const lines = diagram.split('\n');

    expect(lines.filter((line) => !STATEMENTS.some((statement) => statement.test(line)))).toEqual([]);
    expect(drawn.nodes.get('say__hi___1_')).toEqual(['say "hi" [1]']);
    expect(drawn.nodes.get('end_2')).toEqual(['end']);
    expect(drawn.edges.find((e) => e.from === 'end_2' && e.to === 'fan_out' && e.label?.includes('matches'))?.label).toBe('$.s matches "x|{y}*"');
  });

  it('writes nested conditions with their grouping', () => {
    expect(drawn.edges.find((e) => e.from === 'end_2' && e.label?.includes('and'))?.label).toBe('$.a is present and not ($.b > $.c)');
  });

  it('draws each Parallel branch as its own subgraph, ending in an end marker', () => {
    expect(drawn.subgraphs.get('fan_out')).toEqual(expect.arrayContaining(['fan_out_branch1', 'fan_out_branch2', 'one', 'two']));
    expect(drawn.subgraphs.get('fan_out_branch1')).toEqual(['branch1_start', 'one', 'branch1_end']);
    expect(drawn.nodes.get('two')).toEqual(['two', 'wait 5 s']);
  });

  it('draws every Catch as a dashed edge labelled with its error names, to a Fail state that says where its error comes from', () => {
    expect(drawn.edges.filter((e) => e.dashed)).toEqual([{ from: 'fan_out', to: 'failed', dashed: true, thick: false, label: 'catch States.Timeout, States.TaskFailed' }]);
    expect(drawn.nodes.get('failed')).toEqual(['failed', 'error from $.failure.Error']);
    expect(diagram).toContain('  class failed failure');
  });

  it('rejects a Choice rule it cannot draw, naming it', () => {
    expect(() => describeCondition({ Variable: '$.x', StringSomething: 'y', Next: 'z' })).toThrow(/Cannot draw the Choice rule .*StringSomething/);
  });

  it('draws a JSONata condition as written', () => {
    expect(describeCondition({ Condition: '{% $states.input.n > 1 %}', Next: 'z' })).toBe('{% $states.input.n > 1 %}');
  });
});

describe('mermaidFlowchart of state machines that run others', () => {
  const arn = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:${name}`;
  const run = (name: string, integration = 'startExecution.sync:2') => ({
    Type: 'Task',
    Resource: `arn:aws:states:::states:${integration}`,
    Parameters: { StateMachineArn: arn(name), 'Input.$': '$' },
  });
  const parent: AslDefinition = {
    StartAt: 'first',
    States: {
      first: { ...run('child'), Next: 'again' },
      again: { ...run('child', 'startExecution.sync'), Next: 'elsewhere' },
      elsewhere: { ...run('unknown'), Next: 'direct' },
      direct: { ...run('grandchild'), Next: 'later' },
      later: { ...run('parent', 'startExecution'), End: true },
    },
  };
  const machines = [
    { stateMachineName: 'parent', definition: parent },
    { stateMachineName: 'child', definition: { StartAt: 'deeper', States: { deeper: { ...run('grandchild'), End: true } } } },
    { stateMachineName: 'grandchild', definition: { StartAt: 'work', States: { work: { Type: 'Pass', End: true } } } },
  ];
  const diagram = mermaidFlowchart(parent, machines);
  const drawn = parse(diagram);

  it('draws each state machine a .sync state runs once, with a thick edge from every state that runs it, and those it runs in turn', () => {
    expect(diagram.split('\n').filter((line) => !STATEMENTS.some((statement) => statement.test(line)))).toEqual([]);
    expect([...drawn.subgraphs.keys()]).toEqual(['first_stateMachine', 'direct_stateMachine']);
    expect(drawn.nodes.get('first_stateMachine')).toEqual(['state machine run by first, again']);
    expect(drawn.subgraphs.get('first_stateMachine')).toEqual(['first_stateMachine_start', 'deeper', 'first_stateMachine_end']);
    expect(drawn.nodes.get('direct_stateMachine')).toEqual(['state machine run by direct, deeper']);
    expect(drawn.subgraphs.get('direct_stateMachine')).toEqual(['direct_stateMachine_start', 'work', 'direct_stateMachine_end']);
    expect(drawn.edges.filter((e) => e.thick).map((e) => [e.from, e.to])).toEqual([
      ['first', 'first_stateMachine'],
      ['again', 'first_stateMachine'],
      ['direct', 'direct_stateMachine'],
      ['deeper', 'direct_stateMachine'],
    ]);
  });

  it('names the integration on the state, and draws no state machine it was not given or that is only started', () => {
    expect(drawn.nodes.get('again')).toEqual(['again', 'startExecution.sync']);
    expect(drawn.nodes.get('elsewhere')).toEqual(['elsewhere', 'startExecution.sync:2']);
    expect(drawn.nodes.get('later')).toEqual(['later', 'startExecution']);
    expect(drawn.edges.filter((e) => e.from === 'elsewhere' || e.from === 'later').map((e) => e.to)).toEqual(['direct', 'end_2']);
  });
});
