import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import * as path from 'node:path';

/*
 * One owner per sandbox directory. Two processes that both served one directory would each keep its state in
 * memory and overwrite the other's files (one data set and one notification left of two runs), so a sandbox
 * takes `sandbox.lock` in its directory before it reads any state, and gives it up when it closes.
 *
 * - The lock is created with O_EXCL (`open(..., 'wx')`) and holds the owner's pid, and on Linux its start time
 *   (field 22 of /proc/<pid>/stat): of two processes that start at once, exactly one creates it.
 * - A lock whose pid is dead (a crash, a kill -9) is stale and taken over. The takeover renames the lock to a
 *   name of its own before reading it again, so that of two processes taking over one stale lock, only one
 *   removes it; the other finds it gone and races for the new one by O_EXCL again.
 * - A lock that names this process but that this process does not hold is stale too: in a container the same
 *   pid comes back run after run.
 * - A lock whose pid is alive but started at another time than the lock says is stale: the owner died and an
 *   unrelated process got its pid. Where /proc is missing (macOS), the pid alone decides, and such a process
 *   keeps the directory locked until it ends or the lock file is removed by hand.
 */

const LOCK_FILE = 'sandbox.lock';
/** How long a lock may be empty or unreadable (its owner between creating and writing it) before it counts as a crash's. */
const UNWRITTEN_GRACE_MS = 2_000;
const RETRY_MS = 25;

export const lockFileOf = (directory: string) => path.join(directory, LOCK_FILE);

/** The directory another process, or this one, serves now. */
export class SandboxInUseError extends Error {
  constructor(
    readonly directory: string,
    readonly pid: number,
  ) {
    super(
      pid === process.pid
        ? `The sandbox directory ${directory} is already in use by this process: close its sandbox before starting another there.`
        : `The sandbox directory ${directory} is in use by process ${pid}: wait for it to end, or use another directory.`,
    );
    this.name = 'SandboxInUseError';
  }
}

/** Whether a process with this pid exists; EPERM means it does, as another user's. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Directories this process holds the lock of: its own pid in a lock it does not hold is a former process's. */
const held = new Set<string>();

/** Who a lock names: a pid, and the process's start time where the system tells it. */
interface LockOwner {
  readonly pid: number;
  readonly startedAt?: string;
}

/**
 * When a process started, in clock ticks since boot (/proc/<pid>/stat's field 22, which never changes for the life
 * of the process), or undefined where /proc does not say. The command name, field 2, may hold spaces and
 * parentheses, so the fields are counted from the last ')'.
 */
export function processStartOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** What a lock file holds for this process. */
const ownLockText = (): string => [process.pid, processStartOf(process.pid)].filter((part) => part !== undefined).join(' ');

/** Who a lock file names, or undefined while it names no one (being written, or cut short by a crash). */
function ownerIn(file: string): LockOwner | undefined {
  const match = /^(\d+)(?: (\d+))?$/.exec(readFileSync(file, 'utf8').trim());
  return match === null ? undefined : { pid: Number(match[1]), startedAt: match[2] };
}

function isLive(owner: LockOwner, directory: string): boolean {
  if (owner.pid === process.pid) return held.has(directory);
  if (!isAlive(owner.pid)) return false;
  const startedAt = owner.startedAt === undefined ? undefined : processStartOf(owner.pid);
  return startedAt === undefined || startedAt === owner.startedAt;
}

/** The live process that holds the directory's lock, if one does. */
export function lockOwner(directory: string): number | undefined {
  const absolute = path.resolve(directory);
  let owner: LockOwner | undefined;
  try {
    owner = ownerIn(lockFileOf(absolute));
  } catch {
    return undefined;
  }
  return owner !== undefined && isLive(owner, absolute) ? owner.pid : undefined;
}

function tryCreate(file: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, `${ownLockText()}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Moves a stale lock out of the way, unless it turns out to be live after all (taken over by another process since it was read). */
function takeOver(file: string, directory: string): void {
  const aside = `${file}.${process.pid}.stale`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // another process moved it first
    throw error;
  }
  const owner = (() => {
    try {
      return ownerIn(aside);
    } catch {
      return undefined;
    }
  })();
  if (owner !== undefined && isLive(owner, directory)) {
    // A fresh lock of a process that took over first: put it back, unless yet another lock is there by now.
    try {
      renameSync(aside, file);
      return;
    } catch {
      // Fall through: the aside copy goes, and the lock there decides.
    }
  }
  rmSync(aside, { force: true });
}

export interface DirectoryLock {
  readonly directory: string;
  /** Gives the directory up; again is a no-op. */
  release(): void;
}

/**
 * Takes the directory's lock, or throws SandboxInUseError naming the process that holds it. The directory must
 * exist. A stale lock (its process gone) is taken over.
 */
export function claimDirectory(directory: string): DirectoryLock {
  const absolute = path.resolve(directory);
  const file = lockFileOf(absolute);
  if (held.has(absolute)) throw new SandboxInUseError(absolute, process.pid);
  const deadline = Date.now() + UNWRITTEN_GRACE_MS;
  for (;;) {
    if (tryCreate(file)) break;
    let owner: LockOwner | undefined;
    try {
      owner = ownerIn(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // released in between: try again
      throw error;
    }
    if (owner !== undefined && isLive(owner, absolute)) throw new SandboxInUseError(absolute, owner.pid);
    if (owner === undefined && Date.now() < deadline) {
      // Its owner may be between creating it and writing its pid.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
      continue;
    }
    takeOver(file, absolute);
  }
  held.add(absolute);
  let released = false;
  return {
    directory: absolute,
    release: () => {
      if (released) return;
      released = true;
      held.delete(absolute);
      // Only a lock that still names this process: never one another process has taken since.
      try {
        if (ownerIn(file)?.pid === process.pid) rmSync(file, { force: true });
      } catch {
        // Already gone.
      }
    },
  };
}
