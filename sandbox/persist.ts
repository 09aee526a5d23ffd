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

/** A fresh temporary name beside `file`: no two writes, in this process or another, share one. For a write that streams its content, as writeFileAtomic does not. */
export function temporaryFor(file: string): string {
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

/** Writes all of `data` to the open file `fd` and flushes it to the disk. */
function writeAllSync(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd, bytes, offset, bytes.length - offset);
  fsyncSync(fd);
}

/** Replaces `file` with `data` whole, or leaves it as it was: temporary file, fsync, rename. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  const temporary = temporaryFor(file);
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    const fd = openSync(temporary, 'wx');
    try {
      writeAllSync(fd, data);
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

/**
 * Appends `data` to `file` (made if missing) and flushes it: for a log, whose reader drops a last line a crash cut
 * short, since an append, unlike a rename, can be torn.
 */
export function appendFileDurableSync(file: string, data: string): void {
  const fd = openSync(file, 'a');
  try {
    writeAllSync(fd, data);
  } finally {
    closeSync(fd);
  }
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

/** Saves of in-memory state: debounced, one at a time; a failed background save is reported by the next flush. */
class Saves {
  private timer: NodeJS.Timeout | undefined;
  private writes: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly file: string,
    /** Writes the state as of now; it reads the state when its turn comes, so the last write holds the latest. */
    private readonly write: () => Promise<void>,
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

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.save();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Resolves once every change so far is on disk: saves now if one is pending, else waits for any in flight. */
  async flushPending(): Promise<void> {
    if (this.timer !== undefined) return this.flush();
    await this.writes;
    if (this.failure !== undefined) throw this.failure;
  }

  private save(): Promise<void> {
    this.writes = this.writes.then(async () => {
      try {
        await this.write();
        this.failure = undefined;
      } catch (error) {
        this.failure = new Error(`Cannot save the sandbox state to ${this.file}: ${(error as Error).message}`, { cause: error });
        process.emitWarning(this.failure);
      }
    });
    return this.writes;
  }
}

/**
 * A JSON file that mirrors in-memory state. changed() schedules one write `debounceMs` later, so a burst of
 * changes costs one; flush() writes now and resolves once the file holds the state of that moment. Writes run
 * one at a time, each atomic; a failed background write is reported by the next flush.
 */
export class StateFile {
  private readonly saves: Saves;

  constructor(
    file: string,
    /** The state's text as of now. */
    serialize: () => string,
    debounceMs: number,
  ) {
    this.saves = new Saves(file, () => writeFileAtomic(file, serialize()), debounceMs);
  }

  changed(): void {
    this.saves.changed();
  }

  /** Writes the current state now; throws if that write fails. */
  flush(): Promise<void> {
    return this.saves.flush();
  }
}

/*
 * A state too large to rewrite on every change is kept as an index file and part files in a folder beside it
 * (`dataexchange.json` and `dataexchange/`): a save writes only the parts that changed, and the cost of a change
 * grows with what changed, not with the state's age.
 *
 * - A part is written under a new name (`<key>.<generation>.json`), never over the file the index lists; the index,
 *   rewritten atomically last, is the commit: it names the current file of every part. A crash before it leaves the
 *   previous index, whose files are all still there; the files it does not list are removed at the next start.
 * - The files the new index no longer lists go once it is written.
 * - A file holding the whole state, with no part listing, is read as it is: the owner's first save writes its parts.
 */

/** What one save writes: the index's own content, and each changed part's content (undefined: the part is gone). */
export interface PartedChanges {
  readonly index: object;
  readonly parts: ReadonlyMap<string, unknown>;
  /** Called once the index naming these parts is written: the owner may then read them back (readPartSync). */
  readonly committed?: () => void;
}

/** The parts the index on disk lists: part key to file name in the folder, and the generation that wrote it. */
export interface PartListing {
  readonly generation: number;
  readonly files: ReadonlyMap<string, string>;
}

/** A parted state as read back: the index (without its listing), each part's content, and the listing. */
export interface PartedState {
  readonly index: unknown;
  readonly parts: ReadonlyMap<string, unknown>;
  readonly listing: PartListing;
}

export type FileWriter = (file: string, data: string) => Promise<void>;

/** A part key or file name: no separator, and no leading dot, so never `..`. */
const PART_KEY = /^\w[\w.-]*$/;

/** The folder of `file`'s parts: `dataexchange.json` keeps them in `dataexchange/`, beside it. */
export function partFolderOf(file: string): string {
  return file.endsWith('.json') ? file.slice(0, -'.json'.length) : `${file}.parts`;
}

/** The index's listing, checked: a key or name that could leave the folder is damage. */
function listingOf(json: unknown): PartListing {
  const { generation, partFiles } = json as { generation?: unknown; partFiles?: unknown };
  if (partFiles === undefined) return { generation: 0, files: new Map() };
  if (typeof generation !== 'number' || typeof partFiles !== 'object' || partFiles === null) throw new Error('its part listing is not a generation and files');
  const files = new Map(Object.entries(partFiles));
  for (const [key, name] of files) {
    if (!PART_KEY.test(key) || typeof name !== 'string' || !PART_KEY.test(name)) throw new Error(`part ${key} is listed as ${String(name)}`);
  }
  return { generation, files: files as Map<string, string> };
}

/**
 * The state of `file` and its part folder, or undefined when there is none; a damaged index or part throws
 * DamagedStateFileError naming that file. The owner's start: it also removes what a crash left, the temporary
 * files and the parts the index does not list.
 */
export async function loadPartedState(file: string, parsePart: (json: unknown) => unknown): Promise<PartedState | undefined> {
  const folder = partFolderOf(file);
  removeTemporaryFilesOf(file);
  let listing: PartListing = { generation: 0, files: new Map() };
  const index = await readStateFile(file, (json) => {
    if (typeof json !== 'object' || json === null) throw new Error('it is not a JSON object');
    listing = listingOf(json);
    const { generation: _generation, partFiles: _partFiles, ...rest } = json as Record<string, unknown>;
    return rest;
  });
  const listed = new Set(listing.files.values());
  removeMatching(folder, (name) => !listed.has(name));
  if (index === undefined) return undefined;
  const parts = new Map<string, unknown>();
  for (const [key, name] of listing.files) {
    const partFile = path.join(folder, name);
    const part = await readStateFile(partFile, parsePart);
    if (part === undefined) throw new DamagedStateFileError(partFile, `it is missing, though ${file} lists it`);
    parts.set(key, part);
  }
  return { index, parts, listing };
}

/**
 * A parted state on disk that mirrors in-memory state, saved as StateFile saves (debounced, flush() now, one write at
 * a time). Each save asks `capture` for what changed since the last; the parts of a failed save are written again by
 * the next.
 */
export class PartedStateFile {
  private readonly saves: Saves;
  private readonly folder: string;
  private listing: PartListing;
  /** Captured parts' text not yet committed: a failed save's, which a later capture of the same part replaces. */
  private readonly pending = new Map<string, string | undefined>();

  constructor(
    private readonly file: string,
    listing: PartListing | undefined,
    private readonly capture: () => PartedChanges,
    debounceMs: number,
    /** @default writeFileAtomic */
    private readonly writeFile: FileWriter = writeFileAtomic,
  ) {
    this.folder = partFolderOf(file);
    this.listing = listing ?? { generation: 0, files: new Map() };
    this.saves = new Saves(file, () => this.save(), debounceMs);
  }

  changed(): void {
    this.saves.changed();
  }

  /** Writes the changed parts and the index now; throws if that write fails. */
  flush(): Promise<void> {
    return this.saves.flush();
  }

  /** Resolves once every change so far is on disk, writing nothing when nothing changed. */
  flushPending(): Promise<void> {
    return this.saves.flushPending();
  }

  /**
   * A part as the index on disk has it, read now; undefined when the index lists none. For an owner that keeps a part
   * only on disk once committed; a damaged or missing file throws DamagedStateFileError naming it.
   */
  readPartSync<T>(key: string, parse: (json: unknown) => T): T | undefined {
    const name = this.listing.files.get(key);
    if (name === undefined) return undefined;
    const partFile = path.join(this.folder, name);
    const part = readStateFileSync(partFile, parse);
    if (part === undefined) throw new DamagedStateFileError(partFile, `it is missing, though ${this.file} lists it`);
    return part;
  }

  private async save(): Promise<void> {
    // All of one save is serialized before its first write, so that its parts and index are of one moment: records
    // keep changing while the files are written, and a part written later would hold a state the index never saw.
    const { index, parts, committed } = this.capture();
    for (const [key, content] of parts) {
      if (!PART_KEY.test(key)) throw new Error(`${key} cannot name a part file`);
      this.pending.set(key, content === undefined ? undefined : JSON.stringify(content));
    }
    const generation = this.listing.generation + 1;
    const files = new Map(this.listing.files);
    const writes: { name: string; text: string }[] = [];
    for (const [key, text] of this.pending) {
      if (text === undefined) {
        files.delete(key);
        continue;
      }
      const name = `${key}.${generation}.json`;
      writes.push({ name, text });
      files.set(key, name);
    }
    const indexText = JSON.stringify({ ...index, generation, partFiles: Object.fromEntries(files) });

    for (const { name, text } of writes) await this.writeFile(path.join(this.folder, name), text);
    await this.writeFile(this.file, indexText);
    const current = new Set(files.values());
    const superseded = [...this.listing.files.values()].filter((name) => !current.has(name));
    this.listing = { generation, files };
    this.pending.clear();
    committed?.();
    await Promise.all(superseded.map((name) => rm(path.join(this.folder, name), { force: true })));
  }
}
