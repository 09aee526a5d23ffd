import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A JSON file that mirrors in-memory state. Saves are debounced, so a burst of requests costs one write, and
 * atomic (write, then rename), so a crash leaves the previous state rather than half a file.
 */
export class StateFile<T> {
  private timer: NodeJS.Timeout | undefined;
  private writes: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly file: string,
    private readonly snapshot: () => T,
    private readonly debounceMs: number,
  ) {}

  /** The saved state, or undefined when there is none yet. */
  static async read<T>(file: string): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return JSON.parse(text) as T;
    } catch (error) {
      throw new Error(`The sandbox state ${file} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }

  changed(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save();
    }, this.debounceMs);
    // A pending save must not keep a process alive; close() flushes it.
    this.timer.unref();
  }

  /** Writes the current state now; throws if that write fails. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.save();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Saves run one at a time, each with the state of its own moment; a failed background save is reported by the next flush. */
  private save(): Promise<void> {
    this.writes = this.writes.then(async () => {
      const temporary = `${this.file}.${process.pid}.tmp`;
      try {
        await mkdir(dirname(this.file), { recursive: true });
        await writeFile(temporary, JSON.stringify(this.snapshot()));
        await rename(temporary, this.file);
        this.failure = undefined;
      } catch (error) {
        this.failure = new Error(`Cannot save the sandbox state to ${this.file}: ${(error as Error).message}`, { cause: error });
        process.emitWarning(this.failure);
      }
    });
    return this.writes;
  }
}
