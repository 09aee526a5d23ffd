import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resetSandbox } from '../../sandbox/directory';
import { claimDirectory, lockFileOf, processStartOf, SandboxInUseError } from '../../sandbox/ownership';

/*
 * One owner per sandbox directory, between real processes: each child claims the directory through the same
 * module a sandbox start does, says what happened on one line, and holds what it claimed until it is killed.
 */

const REPO = path.resolve(__dirname, '../..');

/** What a lock of process `pid` holds: its pid, and its start time where /proc tells it. */
const lockText = (pid: number) => [pid, processStartOf(pid)].filter((part) => part !== undefined).join(' ');

interface Claim {
  readonly pid: number;
  readonly claimed: boolean;
  readonly name?: string;
  readonly message?: string;
}

/** A node process that claims `directory` at `startAt` (ms since the epoch), reports, and then holds on. */
function claimer(directory: string, startAt = 0): { child: ChildProcessWithoutNullStreams; claim: Promise<Claim> } {
  const script = `
    require('tsx/cjs/api').register();
    const { claimDirectory } = require('./sandbox/ownership.ts');
    setTimeout(() => {
      let claim;
      try {
        claimDirectory(${JSON.stringify(directory)});
        claim = { pid: process.pid, claimed: true };
      } catch (error) {
        claim = { pid: process.pid, claimed: false, name: error.name, message: error.message };
      }
      process.stdout.write(JSON.stringify(claim) + '\\n');
      setInterval(() => undefined, 1000);
    }, Math.max(0, ${startAt} - Date.now()));`;
  const child = spawn(process.execPath, ['-e', script], { cwd: REPO });
  const claim = new Promise<Claim>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(JSON.parse(stdout) as Claim);
    });
    child.on('exit', (code) => reject(new Error(`the claiming process exited (${code}) before it reported`)));
  });
  return { child, claim };
}

function kill(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('one owner per sandbox directory', () => {
  let directory: string;
  const children: ChildProcessWithoutNullStreams[] = [];

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-ownership-'));
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map(kill));
    rmSync(directory, { recursive: true, force: true });
  });

  it('of two processes that claim one directory at the same moment, grants exactly one and names it to the other', async () => {
    const startAt = Date.now() + 1_000;
    const contenders = [claimer(directory, startAt), claimer(directory, startAt)];
    children.push(...contenders.map(({ child }) => child));

    const claims = await Promise.all(contenders.map(({ claim }) => claim));

    const winners = claims.filter((claim) => claim.claimed);
    const losers = claims.filter((claim) => !claim.claimed);
    expect(winners).toHaveLength(1);
    expect(losers).toEqual([
      {
        pid: expect.any(Number) as number,
        claimed: false,
        name: 'SandboxInUseError',
        message: `The sandbox directory ${directory} is in use by process ${winners[0].pid}: wait for it to end, or use another directory.`,
      },
    ]);
    expect(readFileSync(lockFileOf(directory), 'utf8').trim()).toBe(lockText(winners[0].pid));
  });

  it('refuses this process while another holds the directory, and takes it over once that process is killed', async () => {
    const holder = claimer(directory);
    children.push(holder.child);
    const { pid } = await holder.claim;

    const refused = (() => {
      try {
        return claimDirectory(directory);
      } catch (error) {
        return error;
      }
    })();
    await kill(holder.child);
    const lock = claimDirectory(directory);
    const owner = readFileSync(lockFileOf(directory), 'utf8').trim();
    lock.release();

    expect(refused).toBeInstanceOf(SandboxInUseError);
    expect(refused).toMatchObject({ directory, pid });
    expect(owner).toBe(lockText(process.pid));
    expect(existsSync(lockFileOf(directory))).toBe(false);
  });

  it('refuses a second claim in this process until the first is released', () => {
    const first = claimDirectory(directory);

    expect(() => claimDirectory(directory)).toThrow(`The sandbox directory ${directory} is already in use by this process`);
    first.release();
    first.release();
    expect(() => claimDirectory(directory).release()).not.toThrow();
  });

  it("takes over a lock that names this process's pid but that it does not hold: a former process's, as in a container", () => {
    writeFileSync(lockFileOf(directory), `${process.pid}\n`);

    const lock = claimDirectory(directory);

    expect(readFileSync(lockFileOf(directory), 'utf8').trim()).toBe(lockText(process.pid));
    lock.release();
  });

  it("takes over a lock whose pid now belongs to another process, one that started after the lock's owner", async () => {
    // Arrange: a live process, and a lock naming its pid with another start time, as a dead owner's pid reused.
    mkdirSync(path.join(directory, 'elsewhere'));
    const other = claimer(path.join(directory, 'elsewhere'));
    children.push(other.child);
    const { pid } = await other.claim;
    const startedAt = processStartOf(pid);
    writeFileSync(lockFileOf(directory), `${pid} ${Number(startedAt ?? 0) - 1}\n`);

    // Act
    const lock = claimDirectory(directory);

    // Assert
    expect(startedAt).toMatch(/^\d+$/);
    expect(readFileSync(lockFileOf(directory), 'utf8').trim()).toBe(lockText(process.pid));
    lock.release();
  });

  it('still honours a lock naming only a pid, as one written before start times were', async () => {
    mkdirSync(path.join(directory, 'elsewhere'));
    const holder = claimer(path.join(directory, 'elsewhere'));
    children.push(holder.child);
    const { pid } = await holder.claim;
    writeFileSync(lockFileOf(directory), `${pid}\n`);

    expect(() => claimDirectory(directory)).toThrow(SandboxInUseError);
  });

  it('keeps reset from deleting a directory another process holds', async () => {
    const holder = claimer(directory);
    children.push(holder.child);
    const { pid } = await holder.claim;
    mkdirSync(path.join(directory, 'executions'));

    expect(() => resetSandbox(directory)).toThrow(new SandboxInUseError(directory, pid));
    expect(existsSync(path.join(directory, 'executions'))).toBe(true);
  });
});
