import { createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleepFor } from 'node:timers/promises';
import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ImportJobSize } from './import-duration';
import { type AssetSource, type ImportJobRecord, type JobError, newId } from './model';
import type { AccountState, ImportedAsset } from './store';

/** Where a revision's assets live under the emulator's asset directory. */
function revisionDirectory(assetDir: string, accountId: string, revisionId: string): string {
  return join(assetDir, accountId, revisionId);
}

/** Where an asset's bytes live under the emulator's asset directory. */
export function assetFile(assetDir: string, accountId: string, revisionId: string, assetId: string): string {
  return join(revisionDirectory(assetDir, accountId, revisionId), assetId);
}

/** At most `limit` tasks at once; the rest queue in order. */
export class Limiter {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active += 1;
    // A finishing task hands its slot straight to the next in line, so `active` stays put.
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.queue.shift();
      if (next === undefined) this.active -= 1;
      else next();
    }
  }
}

/** The job error ADX reports for a source object it could not read. */
function sourceError(source: AssetSource, error: unknown): JobError {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const where = `s3://${source.Bucket}/${source.Key}`;
  const [Code, Message] =
    status === 404
      ? ['RESOURCE_NOT_FOUND_EXCEPTION', `The object ${where} does not exist.`]
      : status === 403
        ? ['ACCESS_DENIED_EXCEPTION', `Access to ${where} was denied.`]
        : ['INTERNAL_SERVER_EXCEPTION', `Reading ${where} failed: ${(error as Error).name}: ${(error as Error).message}`];
  return { Code, Message, ResourceId: source.Key, ResourceType: 'ASSET', Details: { ImportAssetsFromS3JobErrorDetails: [source] } };
}

async function removeFiles(files: readonly string[]): Promise<void> {
  // Best effort: a file that cannot be removed is an orphan under the asset directory, never an asset.
  await Promise.allSettled(files.map((file) => rm(file, { force: true })));
}

/**
 * Where an import job reads its sources. Each call rejects as S3's GetObject would, with the status in
 * `$metadata.httpStatusCode` (404: no such bucket or key; 403: access denied).
 */
export interface SourceReader {
  /** Writes an independent copy of the object's bytes to `file`: a later overwrite of the object leaves it as it is. */
  copyTo(source: AssetSource, file: string, signal: AbortSignal): Promise<void>;
  /** Fails as copyTo would, and reads no bytes. */
  check(source: AssetSource, signal: AbortSignal): Promise<void>;
}

/** Reads sources with GetObject and HeadObject: any S3, over HTTP. */
export function s3SourceReader(s3: S3Client): SourceReader {
  return {
    async copyTo(source, file, signal) {
      const object = await s3.send(new GetObjectCommand({ ...source }), { abortSignal: signal });
      if (!(object.Body instanceof Readable)) throw new Error(`GetObject of s3://${source.Bucket}/${source.Key} returned no stream`);
      await pipeline(object.Body, createWriteStream(file), { signal });
    },
    async check(source, signal) {
      await s3.send(new HeadObjectCommand({ ...source }), { abortSignal: signal });
    },
  };
}

export interface ImportRunnerOptions {
  readonly sources: SourceReader;
  readonly assetDir: string;
  /** From StartJob to the import's work. */
  readonly jobDelayMs: number;
  /** Object reads in flight across every job. */
  readonly transferConcurrency: number;
  /**
   * Real milliseconds from StartJob before a job of this size may complete (./import-duration.ts models AWS's):
   * its copy runs as it would without it, and its completion waits for the rest. A failing job fails as soon as
   * its failure is found. @default none: a job completes as soon as its copy ends, `jobDelayMs` after StartJob
   */
  readonly jobDurationMs?: (size: ImportJobSize) => number;
}

/**
 * Background work that starts `delayMs` after it is scheduled. close() cancels what has not begun, aborts `signal`
 * and waits for the rest; work must never reject.
 */
export class JobQueue {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  readonly signal = this.abort.signal;

  constructor(private readonly delayMs: number) {}

  later(work: () => Promise<void>): void {
    if (this.signal.aborted) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = work().finally(() => this.running.delete(run));
      this.running.add(run);
    }, this.delayMs);
    this.timers.add(timer);
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.abort.abort();
    await Promise.all(this.running);
  }
}

/**
 * Runs started IMPORT_ASSETS_FROM_S3 jobs in the background: after `jobDelayMs`, it streams each source object
 * into the asset directory and adds all the job's assets at once (with `jobDurationMs`, no sooner than the job's
 * modeled duration after StartJob); if any source fails, the job fails with an
 * error per failed source, and its copies are removed. Runs never reject; close() aborts them and leaves their jobs
 * IN_PROGRESS, to be run again on the next start.
 */
export class ImportRunner {
  private readonly queue: JobQueue;
  private readonly abort: { readonly signal: AbortSignal };
  private readonly transfers: Limiter;

  constructor(private readonly options: ImportRunnerOptions) {
    this.queue = new JobQueue(options.jobDelayMs);
    this.abort = { signal: this.queue.signal };
    this.transfers = new Limiter(options.transferConcurrency);
  }

  schedule(account: AccountState, job: ImportJobRecord): void {
    if (job.forcedOutcome === 'STUCK') return;
    const startedAt = performance.now();
    this.queue.later(() => this.run(account, job, startedAt));
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  private async run(account: AccountState, job: ImportJobRecord, startedAt: number): Promise<void> {
    const written: string[] = [];
    try {
      const errors = await this.importAssets(account, job, written, startedAt);
      if (errors.length > 0) {
        await removeFiles(written);
        account.failJob(job, errors);
      }
    } catch (error) {
      await removeFiles(written);
      if (this.abort.signal.aborted) return;
      const Message = `The sandbox failed to run the import: ${(error as Error).message}`;
      account.failJob(job, [{ Code: 'INTERNAL_SERVER_EXCEPTION', Message }]);
    }
  }

  /** Imports the job's sources, or returns why the job fails; it completes the job itself on success. */
  private async importAssets(account: AccountState, job: ImportJobRecord, written: string[], startedAt: number): Promise<JobError[]> {
    if (job.forcedOutcome === 'ERROR') {
      return [{ Code: 'INTERNAL_SERVER_EXCEPTION', Message: `Import job ${job.Id} was forced to ERROR by the sandbox's fault plan.` }];
    }
    const { AssetSources: sources, RevisionId } = job.Details.ImportAssetsFromS3;
    const refusal = account.importRefusal(job, sources.length);
    if (refusal !== undefined) return [refusal];

    const imported: ImportedAsset[] = [];
    const failures: JobError[] = [];
    await mkdir(revisionDirectory(this.options.assetDir, account.accountId, RevisionId), { recursive: true });
    await Promise.all(
      sources.map((source, index) =>
        this.transfers.run(async () => {
          if (this.abort.signal.aborted) return;
          try {
            // Once the job is bound to fail, the other sources are only checked, so that every missing key is reported.
            if (failures.length > 0) await this.options.sources.check(source, this.abort.signal);
            else imported[index] = await this.copy(account.accountId, RevisionId, source, written);
          } catch (error) {
            failures.push(sourceError(source, error));
          }
        }),
      ),
    );
    this.abort.signal.throwIfAborted();
    if (failures.length > 0) return failures;
    await this.untilModeledEnd(startedAt, { assets: sources.length, bytes: imported.reduce((sum, asset) => sum + asset.size, 0) });

    // Checked again: another job may have filled, or someone finalized, the revision while this one copied.
    const late = account.importRefusal(job, sources.length);
    if (late !== undefined) return [late];
    account.completeImport(job, imported);
    return [];
  }

  /** Waits out what is left of the job's modeled duration, if there is a model; close() cuts it short. */
  private async untilModeledEnd(startedAt: number, size: ImportJobSize): Promise<void> {
    if (this.options.jobDurationMs === undefined) return;
    const left = startedAt + this.options.jobDurationMs(size) - performance.now();
    if (left > 0) await sleepFor(left, undefined, { signal: this.abort.signal });
  }

  /** Copies one object into the revision's asset directory; the file is listed in `written` before its first byte. */
  private async copy(accountId: string, revisionId: string, source: AssetSource, written: string[]): Promise<ImportedAsset> {
    const id = newId();
    const file = assetFile(this.options.assetDir, accountId, revisionId, id);
    written.push(file);
    await this.options.sources.copyTo(source, file, this.abort.signal);
    return { id, name: source.Key, size: (await stat(file)).size };
  }
}
