import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { sandboxFiles, type SandboxInfo } from '../../sandbox/directory';
import { lockFileOf } from '../../sandbox/ownership';
import { startHttpServer } from '../../sandbox/http';
import { EXECUTION_INPUT_MAX_BYTES } from '../../shared/limits';
import { cli, type CliResult, spawnCli } from './harness';

/*
 * What goes wrong around a run, said in one sentence on stderr (`dx-flow: …`) instead of a stack trace: exit 2
 * for what the user gave (a flag, a file), exit 1 for what happened (a port taken, a sandbox up, or gone).
 */

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:publish';
const DATA_SET_ID = 'a'.repeat(32);

function writePlan(directory: string, plan: unknown): string {
  const file = path.join(directory, 'faults.json');
  writeFileSync(file, JSON.stringify(plan));
  return file;
}

/** One `dx-flow: …` line on stderr and nothing else there, with this exit code. */
function expectOneSentence(result: CliResult, code: number, sentence: string): void {
  expect(result.code).toBe(code);
  expect(result.stderr).toBe(`dx-flow: ${sentence}\n`);
}

describe('the CLI on what went wrong', () => {
  let directory: string;

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-cli-failures-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  /**
   * Marks `directory` as served by a `sandbox up` (`shared`), or by another run's own sandbox, in another live
   * process: by default, this test's parent.
   */
  function sandboxUpElsewhere(endpoints: Partial<SandboxInfo['endpoints']> = {}, pid = process.ppid, shared = true): void {
    const info: SandboxInfo = {
      directory,
      endpoints: { s3: '', dataexchange: '', sns: '', sfn: '', ...endpoints },
      bucket: 'dx-flow-sandbox-data',
      dataSetId: DATA_SET_ID,
      dataSets: { default: DATA_SET_ID },
      topicArn: '',
      stateMachineArn: STATE_MACHINE_ARN,
      pid,
      shared,
    };
    writeFileSync(sandboxFiles(directory).running, JSON.stringify(info));
    writeFileSync(lockFileOf(directory), `${pid}\n`);
  }

  describe('what the user gave: exit 2 (and with --json, the REJECTED summary)', () => {
    const runArgs = ['run', '--state-machine-arn', STATE_MACHINE_ARN, '--bucket', 'b', '--dataset', DATA_SET_ID, '--run-id', 'r1'];

    it.each([
      ['a missing --input file', (dir: string) => `@${dir}/missing.json`, (dir: string) => `--input ${dir}/missing.json: there is no such file.`],
      ['an --input folder', (dir: string) => `@${dir}`, (dir: string) => `--input ${dir}: it is a folder, not a file.`],
      [
        'an --input that never ends',
        () => '@/dev/zero',
        () => `--input /dev/zero is over ${EXECUTION_INPUT_MAX_BYTES} bytes, the most Step Functions takes as an execution's input.`,
      ],
    ])('%s', async (_, input, sentence) => {
      const argv = [...runArgs, '--input', input(directory)];

      const result = await cli(argv);
      const json = await cli([...argv, '--json']);

      expectOneSentence(result, 2, sentence(directory));
      expect(json.code).toBe(2);
      expect(json.json()).toMatchObject({ status: 'REJECTED', error: 'CliError', cause: sentence(directory) });
    });

    it.each([
      ['a missing --faults file', (dir: string) => `${dir}/missing.json`, 'there is no such file.'],
      ['a --faults folder', (dir: string) => dir, 'it is a folder, not a file.'],
      ['a --faults file that is no plan', (dir: string) => writePlan(dir, [{ service: 's3' }]), 'fault plan'],
    ])('%s', async (_, faults, reason) => {
      const file = faults(directory);

      const result = await cli(['run', '--local', '--sandbox-dir', directory, '--run-id', 'r1', '--assets', '1', '--faults', file]);

      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^dx-flow: --faults ${file}: .*${reason}[^\n]*\n$`));
    });

    it.each([
      ['--faults', ['run', '--local', '--sandbox-dir', '<dir>', '--run-id', 'r1', '--assets', '1', '--faults', '/dev/zero'], '--faults /dev/zero is over 1048576 bytes, more than a fault plan holds.'],
      ['--outputs-file', ['run', '--outputs-file', '/dev/zero', '--run-id', 'r1'], '--outputs-file /dev/zero is over 1048576 bytes, more than stack outputs hold.'],
    ])('a %s that never ends, read no further than its bound', async (_, argv, sentence) => {
      const result = await cli(argv.map((arg) => (arg === '<dir>' ? directory : arg)));

      expectOneSentence(result, 2, sentence);
    });

    it('a --port-base whose four ports do not all exist', async () => {
      const result = await cli(['sandbox', 'up', '--sandbox-dir', directory, '--port-base', '65533']);

      expectOneSentence(
        result,
        2,
        "option '--port-base <n>' argument '65533' is invalid. must be from 1024 to 65532: the sandbox takes ports N to N+3",
      );
    });
  });

  describe('what happened: exit 1 (and with --json, the FAILED summary)', () => {
    it('sandbox up on a port in use', async () => {
      const taken: Server = createServer();
      await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
      const { port } = taken.address() as { port: number };
      try {
        const result = await cli(['sandbox', 'up', '--sandbox-dir', directory, '--port-base', String(port)]);

        expectOneSentence(result, 1, `Port ${port} is in use: give another --port-base, or stop the process that listens there.`);
      } finally {
        taken.close();
      }
    });

    it('sandbox up on a directory a sandbox already serves', async () => {
      sandboxUpElsewhere();

      const result = await cli(['sandbox', 'up', '--sandbox-dir', directory]);

      expectOneSentence(result, 1, `The sandbox in ${directory} is up, in process ${process.ppid}: use it, or stop it before starting another.`);
    });

    it('a run on a directory whose sandbox.json a crash damaged', async () => {
      const file = sandboxFiles(directory).persisted;
      writeFileSync(file, '{"dataSetId":"a89597');

      const result = await cli(['run', '--local', '--sandbox-dir', directory, '--run-id', 'r1', '--assets', '1', '--json']);

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`^dx-flow: The sandbox file ${file} is damaged \\(not valid JSON: [^\n]+\\): move it aside, or clear the sandbox with \`dx-flow sandbox reset\`\\.\n$`));
      expect(result.json()).toMatchObject({ status: 'FAILED', error: 'DamagedStateFileError' });
    });

    it("a run on a directory another process's run serves: it would end ABORTED with that run, so it is refused", async () => {
      sandboxUpElsewhere({}, process.ppid, false);

      const result = await cli(['run', '--local', '--sandbox-dir', directory, '--run-id', 'r1', '--assets', '1', '--json']);

      expectOneSentence(
        result,
        1,
        `The sandbox in ${directory} belongs to the run in process ${process.ppid}, and stops when that run ends: wait for it, or start \`dx-flow sandbox up\` for runs to share.`,
      );
      expect(result.json()).toMatchObject({ status: 'FAILED', error: 'SandboxInUseError', executionArn: null });
    });

    it('a run on a directory another process holds while its sandbox starts', async () => {
      writeFileSync(lockFileOf(directory), `${process.ppid}\n`);

      const result = await cli(['run', '--local', '--sandbox-dir', directory, '--run-id', 'r1', '--assets', '1']);

      expectOneSentence(result, 1, `The sandbox directory ${directory} is in use by process ${process.ppid}: wait for it to end, or use another directory.`);
      expect(readdirSync(directory)).toEqual(['sandbox.lock']);
    });

    it('sandbox reset while it is up, which keeps its state', async () => {
      sandboxUpElsewhere();
      mkdirSync(path.join(directory, 'executions'));

      const result = await cli(['sandbox', 'reset', '--sandbox-dir', directory]);

      expectOneSentence(result, 1, `The sandbox in ${directory} is up, in process ${process.ppid}: stop it before resetting it.`);
      expect(() => mkdirSync(path.join(directory, 'executions'))).toThrow(/EEXIST/);
    });

    it("sandbox reset while another process's run holds the directory", async () => {
      sandboxUpElsewhere({}, process.ppid, false);

      const result = await cli(['sandbox', 'reset', '--sandbox-dir', directory]);

      expectOneSentence(result, 1, `The sandbox in ${directory} belongs to the run in process ${process.ppid}: wait for that run to end.`);
      expect(readdirSync(directory).sort()).toEqual(['running.json', 'sandbox.lock']);
    });

    // A process of its own: in this one, the SDK would see Node's network error from another realm, and wrap it.
    it('a run whose sandbox stops answering once the execution started', async () => {
      const executionArn = `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:r1`;
      // Step Functions of a sandbox that dies right after it starts the execution.
      const sfn = await startHttpServer(async (request, response) => {
        request.resume();
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify({ executionArn, startDate: Date.now() / 1000 }));
        void sfn.close();
      });
      sandboxUpElsewhere({ sfn: sfn.endpoint }, process.pid);
      const sentence = `Nothing answers at 127.0.0.1:${new URL(sfn.endpoint).port} (connection refused): the sandbox has stopped, or the endpoint is wrong.`;

      const result = await spawnCli(['run', '--local', '--sandbox-dir', directory, '--run-id', 'r1', '--assets', '1', '--json']);

      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n').at(-1)).toBe(`dx-flow: ${sentence}`);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(result.json()).toMatchObject({ status: 'FAILED', error: 'ECONNREFUSED', cause: sentence });
    });
  });
});
