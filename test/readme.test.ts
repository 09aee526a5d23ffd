import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ERROR_NAMES } from '../shared/errors';
import { mermaidFlowchart } from '../workflows/diagram';
import { synthesizeRunnableAsl, synthesizeRunnableAsls } from './workflows/harness';

const README = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

/** The text between two marker comments, without the newlines that surround it. */
function between(start: string, end: string): string | undefined {
  const from = README.indexOf(start);
  const to = README.indexOf(end);
  return from === -1 || to < from ? undefined : README.slice(from + start.length, to).replace(/^\n|\n$/g, '');
}

function section(heading: string): string {
  const from = README.indexOf(`\n## ${heading}`);
  const next = README.indexOf('\n## ', from + 1);
  return from === -1 ? '' : README.slice(from, next === -1 ? undefined : next);
}

describe('README.md', () => {
  it('embeds exactly the diagram `dx-flow diagram` prints (regenerate it with `npx dx-flow diagram`)', () => {
    const expected = ['```mermaid', mermaidFlowchart(synthesizeRunnableAsl().definition, synthesizeRunnableAsls()), '```'].join('\n');

    expect(between('<!-- diagram:start -->', '<!-- diagram:end -->')).toBe(expected);
  });

  it('explains every named error of the workflow where a failed run is explained', () => {
    const failures = section('5. When a run fails');

    for (const name of Object.values(ERROR_NAMES)) expect(failures).toContain(`\`${name}\``);
  });
});
