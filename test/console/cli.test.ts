import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli } from '../cli/harness';

/*
 * How a user opens the console: `dx-flow sandbox up` serves it beside the sandbox and prints its URL, and
 * `dx-flow console` serves another one for the sandbox that is up; either reads the sandbox through its API.
 */

const REPO = path.resolve(__dirname, '../..');

/** The CLI in its own process, resolved with the first match of `pattern` on its stdout. */
function spawnUntil(argv: string[], pattern: RegExp): { child: ChildProcessWithoutNullStreams; matched: Promise<RegExpExecArray> } {
  const child = spawn(process.execPath, ['cli/dx-flow.js', ...argv], { cwd: REPO });
  const matched = new Promise<RegExpExecArray>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = pattern.exec(stdout);
      if (match !== null) resolve(match);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`dx-flow ${argv.join(' ')} exited (${code}): ${stderr}`)));
  });
  return { child, matched };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  return exited;
}

describe('dx-flow console and sandbox up', () => {
  let directory: string;

  beforeAll(() => {
    directory = path.join(mkdtempSync(path.join(tmpdir(), 'dx-flow-console-')), 'sandbox');
  });
  afterAll(() => rmSync(path.dirname(directory), { recursive: true, force: true }));

  it('says there is no sandbox to show when none is up', async () => {
    // WHEN
    const result = await cli(['console', '--sandbox-dir', directory]);

    // THEN
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`dx-flow: No sandbox is up in ${directory}: start one with \`dx-flow sandbox up\`, which serves the console too.\n`);
  });

  it('serves the console from `sandbox up` and from `console`, each at the URL it prints', async () => {
    // GIVEN
    const up = spawnUntil(['sandbox', 'up', '--sandbox-dir', directory], /# console: (http:\/\/127\.0\.0\.1:\d+\/)\n[\s\S]*export DX_FLOW_STATE_MACHINE_ARN=/);
    let consoleCommand: ReturnType<typeof spawnUntil> | undefined;
    try {
      const [, upUrl] = await up.matched;

      // WHEN
      consoleCommand = spawnUntil(['console', '--sandbox-dir', directory], /^(http:\/\/127\.0\.0\.1:\d+\/)$/m);
      const [, consoleUrl] = await consoleCommand.matched;
      const [page, listed] = await Promise.all([fetch(upUrl), fetch(`${consoleUrl}api/executions`)]);

      // THEN both serve the page and the sandbox's (empty) list of executions.
      expect(consoleUrl).not.toBe(upUrl);
      expect([page.status, await page.text()]).toEqual([200, expect.stringContaining('<script src="/app.js"></script>')]);
      expect(await listed.json()).toEqual({ executions: [] });
      expect(await stop(consoleCommand.child)).toBe(0);
      expect(await stop(up.child)).toBe(0);
    } finally {
      if (consoleCommand?.child.exitCode === null) consoleCommand.child.kill('SIGKILL');
      if (up.child.exitCode === null) up.child.kill('SIGKILL');
    }
  });
});
