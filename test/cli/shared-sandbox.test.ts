import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { lockFileOf } from '../../sandbox/ownership';
import { startSandbox } from '../../sandbox/sandbox';
import { cli } from './harness';

/*
 * Two processes on one sandbox directory: `dx-flow sandbox up` in a child process owns it; this process can
 * neither start a second sandbox there nor take it over, and a `dx-flow run --local` here attaches to the
 * child's sandbox, which outlives the run. Ctrl-C gives the directory back.
 */

const REPO = path.resolve(__dirname, '../..');

/** Two data sets: "default", and "weather", with no schedule. */
const CONFIG = path.join(__dirname, 'fixtures', 'data-sets.json');

/** `dx-flow sandbox up --config` in its own process, resolved once it has printed its environment. */
function sandboxUp(directory: string): { child: ChildProcessWithoutNullStreams; up: Promise<string> } {
  const child = spawn(process.execPath, ['cli/dx-flow.js', 'sandbox', 'up', '--sandbox-dir', directory, '--config', CONFIG], { cwd: REPO });
  const up = new Promise<string>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('export DX_FLOW_STATE_MACHINE_ARN=')) resolve(stdout);
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`sandbox up exited (${code}) before it was up: ${stderr}`)));
  });
  return { child, up };
}

describe('a sandbox directory shared by two processes', () => {
  let directory: string;
  let up: ReturnType<typeof sandboxUp>;
  let printed: string;

  beforeAll(async () => {
    directory = path.join(mkdtempSync(path.join(tmpdir(), 'dx-flow-shared-')), 'sandbox');
    up = sandboxUp(directory);
    printed = await up.up;
  });

  it("prints the config file's data sets' ids, by name, as one shell word of JSON", () => {
    const ids = JSON.parse(readFileSync(path.join(directory, 'running.json'), 'utf8')).dataSets as Record<string, string>;

    const line = printed.split('\n').find((printedLine) => printedLine.startsWith('export DX_FLOW_DATA_SET_IDS=')) ?? '';

    expect(Object.keys(ids)).toEqual(['default', 'weather']);
    expect(line).toBe(`export DX_FLOW_DATA_SET_IDS='${JSON.stringify(ids)}'`);
    expect(execFileSync('sh', ['-c', `${line}\nprintf %s "$DX_FLOW_DATA_SET_IDS"`], { encoding: 'utf8' })).toBe(JSON.stringify(ids));
  });
  afterAll(() => {
    if (up.child.exitCode === null) up.child.kill('SIGKILL');
    rmSync(path.dirname(directory), { recursive: true, force: true });
  });

  it("refuses a second sandbox in this process while `sandbox up` owns the directory, leaving the owner's files as they were", async () => {
    const owned = ['sandbox.lock', 'sandbox.json', 'running.json'].map((name) => path.join(directory, name));
    const before = owned.map((file) => readFileSync(file, 'utf8'));

    const started = startSandbox({ directory });

    await expect(started).rejects.toMatchObject({ name: 'SandboxInUseError', pid: up.child.pid });
    await expect(started).rejects.toThrow(`The sandbox directory ${directory} is in use by process ${up.child.pid}: wait for it to end, or use another directory.`);
    expect(owned.map((file) => readFileSync(file, 'utf8'))).toEqual(before);
  });

  it('attaches `run --local` to the sandbox that outlives it, which keeps serving after the run', async () => {
    const result = await cli(['run', '--local', '--sandbox-dir', directory, '--run-id', 'shared-1', '--assets', '1', '--json']);

    expect(result.stderr).not.toContain('in use');
    expect(result.json()).toMatchObject({ status: 'SUCCEEDED', finalized: true, runId: 'shared-1' });
    expect(up.child.exitCode).toBeNull();
  });

  it('attaches `run --local --dataset <name>` to it, publishing to that data set', async () => {
    const ids = JSON.parse(readFileSync(path.join(directory, 'running.json'), 'utf8')).dataSets as Record<string, string>;

    const result = await cli(['run', '--local', '--sandbox-dir', directory, '--dataset', 'weather', '--run-id', 'shared-w', '--assets', '1', '--json']);

    expect(result.json()).toMatchObject({ status: 'SUCCEEDED', runId: 'shared-w', datasetId: ids.weather });
  });

  it("refuses `run --local --config` there, in one sentence: the sandbox's data sets are those it started with", async () => {
    const result = await cli(['run', '--local', '--sandbox-dir', directory, '--config', CONFIG, '--assets', '1']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `dx-flow: --config needs the CLI's own sandbox, but ${directory} is served by process ${up.child.pid}, whose data sets (default, weather) its \`sandbox up\` set: leave --config out.\n`,
    );
  });

  it('gives the directory back when `sandbox up` stops on Ctrl-C', async () => {
    const exited = new Promise<number | null>((resolve) => up.child.once('exit', resolve));

    up.child.kill('SIGINT');

    expect(await exited).toBe(0);
    expect(existsSync(lockFileOf(directory))).toBe(false);
    expect(existsSync(path.join(directory, 'running.json'))).toBe(false);
  });
});
