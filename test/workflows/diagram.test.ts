import type { AslDefinition, AslState } from '../../workflows/asl';
import { describeCondition, mermaidFlowchart } from '../../workflows/diagram';
import { STATE } from '../../workflows/state-names';
import { synthesizeRunnableAsl } from './harness';

const ID = '[A-Za-z_][A-Za-z0-9_]*';
const LABEL = '"[^"]*"';
/** The statements the generator may write: each line of its output must be one of them. */
const STATEMENTS = [
  /^flowchart TD$/,
  new RegExp(`^ *${ID}(\\(\\(\\(${LABEL}\\)\\)\\)|\\(\\(${LABEL}\\)\\)|\\(\\[${LABEL}\\]\\)|\\{\\{${LABEL}\\}\\}|\\[${LABEL}\\]|\\(${LABEL}\\)|\\{${LABEL}\\}|>${LABEL}\\])$`),
  new RegExp(`^ *subgraph ${ID}\\[${LABEL}\\]$`),
  /^ *end$/,
  new RegExp(`^ *${ID} (-->|-\\.->)(\\|${LABEL}\\|)? ${ID}$`),
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
  readonly edges: { from: string; to: string; dashed: boolean; label?: string }[];
}

function parse(diagram: string): Drawn {
  const nodes = new Map<string, string[]>();
  const subgraphs = new Map<string, string[]>();
  const edges: Drawn['edges'] = [];
  const open: string[] = [];
  for (const line of diagram.split('\n').map((l) => l.trim())) {
    const edge = /^(\w+) (-->|-\.->)(?:\|"([^"]*)"\|)? (\w+)$/.exec(line);
    const subgraph = /^subgraph (\w+)\["([^"]*)"\]$/.exec(line);
    const node = /^(\w+)[([{>]+"([^"]*)"[)\]}]+$/.exec(line);
    if (edge !== null) {
      edges.push({ from: edge[1], to: edge[4], dashed: edge[2] === '-.->', label: edge[3] === undefined ? undefined : decode(edge[3]).join('\n') });
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

describe('mermaidFlowchart of the synthesized state machine', () => {
  const { definition } = synthesizeRunnableAsl();
  const diagram = mermaidFlowchart(definition);
  const drawn = parse(diagram);
  const edge = (from: string, to: string) => drawn.edges.filter((e) => e.from === from && e.to === to);

  it('writes only valid flowchart statements, with every subgraph closed', () => {
    const lines = diagram.split('\n');

    expect(lines.filter((line) => !STATEMENTS.some((statement) => statement.test(line)))).toEqual([]);
    expect(lines.filter((line) => line.trim().startsWith('subgraph ')).length).toBe(lines.filter((line) => line.trim() === 'end').length);
  });

  it('draws every state, nested ones included, once, under its own name', () => {
    const states = allStates(definition).map(([name]) => name);

    expect(states).toEqual(expect.arrayContaining(Object.values(STATE)));
    for (const name of states) expect(drawn.nodes.get(name)?.[0]).toBe(name);
    const declared = diagram.split('\n').flatMap((line) => /^ *(?:subgraph )?(\w+)[([{>]/.exec(line)?.[1] ?? []);
    expect(new Set(declared).size).toBe(declared.length);
  });

  it('labels every Choice branch with its condition and the default branch as such', () => {
    const choices = allStates(definition).filter(([, state]) => state.Type === 'Choice');

    expect(choices.length).toBeGreaterThanOrEqual(3);
    for (const [name, state] of choices) {
      for (const rule of state.Choices as { Next: string }[]) {
        expect(edge(name, rule.Next).map((e) => e.label)).toContain(describeCondition(rule));
      }
      expect(edge(name, state.Default as string).map((e) => e.label)).toContain('default');
    }
    expect(edge(STATE.isImportDone, STATE.batchImported)[0].label).toBe('$.status.state == "COMPLETED"');
    expect(edge(STATE.isImportDone, STATE.waitForImport)[0].label).toBe('$.status.state == "WAITING" or $.status.state == "IN_PROGRESS"');
  });

  it('draws every Catch as a dashed edge labelled with its error names, and the failure path to the Fail state', () => {
    const catching = allStates(definition).filter(([, state]) => Array.isArray(state.Catch));

    expect(catching.map(([name]) => name)).toEqual(expect.arrayContaining([STATE.planRevision, STATE.importBatches, STATE.finalizeRevision, STATE.notifyFailure]));
    for (const [name, state] of catching) {
      for (const catcher of state.Catch as { ErrorEquals: string[]; Next: string }[]) {
        expect(edge(name, catcher.Next)).toContainEqual({ from: name, to: catcher.Next, dashed: true, label: `catch ${catcher.ErrorEquals.join(', ')}` });
      }
    }
    expect(edge(STATE.notifyFailure, STATE.publishFailed)).toContainEqual({ from: STATE.notifyFailure, to: STATE.publishFailed, dashed: false, label: undefined });
    expect(drawn.nodes.get(STATE.publishFailed)).toEqual([STATE.publishFailed, 'error from $.failure.Error']);
  });

  it('draws the Map body as a subgraph that the flow enters and leaves', () => {
    const body = Object.keys(definition.States[STATE.importBatches].ItemProcessor?.States ?? {});

    expect(body).toContain(STATE.checkImport);
    expect(drawn.subgraphs.get(STATE.importBatches)).toEqual(expect.arrayContaining(body));
    expect(drawn.nodes.get(STATE.importBatches)).toEqual([STATE.importBatches, 'Map over $.plan.part.batches, 10 at a time']);
    expect(drawn.edges.some((e) => e.to === STATE.importBatches && !e.dashed)).toBe(true);
    expect(edge(STATE.importBatches, STATE.finalizeRevision)).toHaveLength(1);
    expect(edge(`${STATE.importBatches}_start`, STATE.uploadBatch)).toHaveLength(1);
    expect(drawn.subgraphs.get(STATE.importBatches)).not.toContain(STATE.finalizeRevision);
  });

  it('shows each retrier compactly on its state: attempts and errors', () => {
    expect(drawn.nodes.get(STATE.startImport)).toContain('retry 15x: TransientAwsError, Lambda.TooManyRequestsException');
    expect(drawn.nodes.get(STATE.checkImport)).toContain('retry 6x: TransientAwsError, Lambda.TooManyRequestsException');
    expect(drawn.nodes.get(STATE.checkImport)).toContain('retry 6x: Lambda.ClientExecutionTimeoutException +3');
    expect(drawn.nodes.get(STATE.waitForImport)).toEqual([STATE.waitForImport, 'wait $.status.waitSeconds s']);
  });

  it('is deterministic: the same definition, even parsed anew, gives the same text', () => {
    expect(mermaidFlowchart(JSON.parse(JSON.stringify(definition)) as AslDefinition)).toBe(diagram);
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
        Next: 'done',
      },
      done: { Type: 'Succeed' },
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

  it('rejects a Choice rule it cannot draw, naming it', () => {
    expect(() => describeCondition({ Variable: '$.x', StringSomething: 'y', Next: 'z' })).toThrow(/Cannot draw the Choice rule .*StringSomething/);
  });

  it('draws a JSONata condition as written', () => {
    expect(describeCondition({ Condition: '{% $states.input.n > 1 %}', Next: 'z' })).toBe('{% $states.input.n > 1 %}');
  });
});
