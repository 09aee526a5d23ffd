import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';

/*
 * The layering rule of eslint.layers.cjs: a lower folder importing a higher one fails lint, and so `npm test`.
 * GIVEN a file in one layer, WHEN it imports from another, THEN the rule says whether that is allowed.
 */

// eslint.layers.cjs is CommonJS so that ESLint's config and this test read the one list.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LAYERS, ABOVE_ALL, layerRules } = require('../eslint.layers.cjs') as {
  LAYERS: string[];
  ABOVE_ALL: string[];
  layerRules: () => Linter.Config[];
};

const REPO = path.resolve(__dirname, '..');
const linter = new Linter({ configType: 'flat', cwd: REPO });
const config: Linter.Config[] = [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser as Linter.Parser } }, ...layerRules()];

function layerErrors(filename: string, code: string): string[] {
  return linter
    .verify(code, config, { filename: path.join(REPO, filename) })
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => message.message);
}

describe('the layering rule', () => {
  it.each([
    ['shared/errors.ts', "import { TASKS } from '../tasks/registry';"],
    ['shared/schemas/payloads/batch.ts', "import type { STATE } from '../../../workflows/state-names';"],
    ['shared/manifest.ts', "import { GENERATORS } from '../generators';"],
    ['generators/sample.ts', "import { uploadBatch } from '../tasks/upload-batch/core';"],
    ['tasks/notify/core.ts', "import { buildApp } from '../../infra/build-app';"],
    ['workflows/asl.ts', "export * from '../infra/config';"],
    ['infra/constructs/schedule.ts', "import { startSandbox } from '../../sandbox/sandbox';"],
    ['sandbox/s3/server.ts', "import { main } from '../../cli/main';"],
    ['sandbox/sns/server.ts', "import { startConsole } from '../../console/server';"],
    ['console/server.ts', "import { main } from '../cli/main';"],
    ['cli/main.ts', "import { cli } from '../test/cli/harness';"],
  ])('refuses an upward import from %s', (filename, code) => {
    const errors = layerErrors(filename, code);

    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/a lower layer must not import a higher one/);
  });

  it.each([
    ['tasks/notify/core.ts', "import { ERROR_NAMES } from '../../shared/errors';"],
    ['generators/sample.ts', "import { seedFor } from '../shared/sample-data';"],
    ['tasks/upload-batch/core.ts', "import { generatorNamed } from '../../generators';"],
    ['workflows/asl.ts', "import { TASK_NAMES } from '../tasks/registry';"],
    ['infra/constructs/publish-workflow.ts', "import { STATE } from '../../workflows/state-names';"],
    ['sandbox/sandbox.ts', "import { buildApp } from '../infra/build-app';"],
    ['cli/main.ts', "import { startSandbox } from '../sandbox/sandbox';"],
    ['console/server.ts', "import { startHttpServer } from '../sandbox/http';"],
    ['cli/main.ts', "import type * as ConsoleServer from '../console/server';"],
    ['sandbox/s3/server.ts', "import { sleep } from '../http';"],
    ['bench/bench.ts', "import { main } from '../cli/main';"],
  ])('allows a downward or sideways import from %s', (filename, code) => {
    expect(layerErrors(filename, code)).toEqual([]);
  });

  it('is exact on this tree: no sub-folder of a layer is named like a layer', () => {
    const folders = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
      .split('\n')
      .map((file) => file.split('/'))
      .filter(([top]) => LAYERS.includes(top))
      .flatMap((segments) => segments.slice(1, -1));
    const layerNames = new Set([...LAYERS, ...ABOVE_ALL]);

    expect(folders.filter((folder) => layerNames.has(folder))).toEqual([]);
  });
});
