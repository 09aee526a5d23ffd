import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';

/*
 * How every sandbox service keeps its state on disk: one helper, so that a crash at any moment leaves each
 * file whole.
 *
 * - A write goes to a temporary file beside the target (the same file system, so the rename is atomic), is
 *   flushed to the disk (fsync), and is then renamed over the target; the folder is flushed too, so the rename
 *   itself lasts. A reader sees the old content or the new, never a part.
 * - A temporary file is named `<target>.<pid>-<n>.tmp`: one a crash left behind is known by its name, and the
 *   owner of the target removes it at its next start (removeTemporaryFilesOf).
 * - A file that is cut short, not JSON, or not the expected shape is said in one sentence that names it
 *   (DamagedStateFileError), which the CLI turns into one line.
 * - StateFile mirrors an in-memory state: a burst of changes costs one write, and flush() writes now. The order
 *   of flushes across services is the caller's: one service's record that refers to another's state is written
 *   after that state is flushed.
 */

/** A state file that cannot be read back as what was written. */
export class DamagedStateFileError extends Error {
  constructor(
    readonly file: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`The sandbox file ${file} is damaged (${reason}): move it aside, or clear the sandbox with \`dx-flow sandbox reset\`.`, options);
    this.name = 'DamagedStateFileError';
  }
}

let writes = 0;

/** A fresh temporary name beside `file`: no two writes, in this process or another, share one. */
function temporaryFor(file: string): string {
  writes += 1;
  return `${file}.${process.pid}-${writes}.tmp`;
}

/** `<name>.<pid>-<n>.tmp`, and the `<name>.<pid>.tmp` of the helpers this one replaced. */
const TEMPORARY_SUFFIX = /\.\d+(-\d+)?\.tmp$/;

/** Whether `name`, a file name, is a temporary file of an atomic write (of any target). */
export function isTemporaryFileName(name: string): boolean {
  return TEMPORARY_SUFFIX.test(name);
}

/** Makes a rename in `directory` survive a power loss; where a folder cannot be flushed (some platforms), the rename still stands. */
function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // Best effort: the file's own content is flushed already.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Replaces `file` with `data` whole, or leaves it as it was: temporary file, fsync, rename. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const temporary = temporaryFor(file);
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    const fd = openSync(temporary, 'wx');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(path.dirname(file));
}

/** writeFileAtomicSync, without blocking the event loop. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temporary = temporaryFor(file);
  await mkdir(path.dirname(file), { recursive: true });
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  syncDirectory(path.dirname(file));
}

/** Removes the temporary files that writes of `file` left behind; call it before writing `file` again. */
export function removeTemporaryFilesOf(file: string): string[] {
  const base = path.basename(file);
  return removeMatching(path.dirname(file), (name) => name.startsWith(`${base}.`) && TEMPORARY_SUFFIX.test(name.slice(base.length)));
}

/** Removes every temporary file of an atomic write in `directory` (not below it): for a folder of state files one owner writes. */
export function removeTemporaryFilesIn(directory: string): string[] {
  return removeMatching(directory, isTemporaryFileName);
}

function removeMatching(directory: string, matches: (name: string) => boolean): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const removed = names.filter(matches).map((name) => path.join(directory, name));
  for (const file of removed) rmSync(file, { force: true });
  return removed;
}

/** Parses a state file's text; `parse` checks its shape, and whatever it throws is the damage. */
function parseStateText<T>(file: string, text: string, parse: (json: unknown) => T): T {
  if (text.trim() === '') throw new DamagedStateFileError(file, 'it is empty');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DamagedStateFileError(file, `not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  try {
    return parse(json);
  } catch (error) {
    // One sentence: a shape error may list several problems, on several lines.
    throw new DamagedStateFileError(file, (error as Error).message.replace(/\s*\n\s*/g, '; '), { cause: error });
  }
}

const asIs = <T>(json: unknown) => json as T;

/** A JSON state file's content, or undefined when there is none; a damaged one throws DamagedStateFileError. */
export function readStateFileSync<T>(file: string, parse: (json: unknown) => T = asIs): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseStateText(file, text, parse);
}

/** readStateFileSync, without blocking the event loop. */
export async function readStateFile<T>(file: string, parse: (json: unknown) => T = asIs): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseStateText(file, text, parse);
}

/**
 * A JSON file that mirrors in-memory state. changed() schedules one write `debounceMs` later, so a burst of
 * changes costs one; flush() writes now and resolves once the file holds the state of that moment. Writes run
 * one at a time, each atomic; a failed background write is reported by the next flush.
 */
export class StateFile {
  private timer: NodeJS.Timeout | undefined;
  private writes: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly file: string,
    /** The state's text as of now. */
    private readonly serialize: () => string,
    private readonly debounceMs: number,
  ) {}

  changed(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save();
    }, this.debounceMs);
    // A pending write must not keep a process alive; close() flushes it.
    this.timer.unref();
  }

  /** Writes the current state now; throws if that write fails. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.save();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Each write serializes the state when its turn comes, so the last write holds the latest state. */
  private save(): Promise<void> {
    this.writes = this.writes.then(async () => {
      try {
        await writeFileAtomic(this.file, this.serialize());
        this.failure = undefined;
      } catch (error) {
        this.failure = new Error(`Cannot save the sandbox state to ${this.file}: ${(error as Error).message}`, { cause: error });
        process.emitWarning(this.failure);
      }
    });
    return this.writes;
  }
}
