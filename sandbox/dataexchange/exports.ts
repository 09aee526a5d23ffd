import { createReadStream } from 'node:fs';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { accountOfId } from '../accounts';
import { assetFile, JobQueue, Limiter } from './jobs';
import type { ExportJobRecord, JobError } from './model';
import type { AccountState, ExportedObject } from './store';

/*
 * EXPORT_REVISIONS_TO_S3 jobs: each asset's stored bytes become an object in the destination bucket, written with
 * the keys of the account that runs the job, as AWS writes a subscriber's exports into the subscriber's bucket.
 */

/** S3 clients like `template` (endpoint, region, checksums), one per sandbox account, each signing with its keys. */
const ignore = () => undefined;
const QUIET = { debug: ignore, info: ignore, warn: ignore, error: ignore };

export function s3ClientsByAccount(template: S3Client): (accountId: string) => S3Client {
  const clients = new Map<string, S3Client>();
  return (accountId) => {
    const known = clients.get(accountId);
    if (known !== undefined) return known;
    const account = accountOfId(accountId);
    if (account === undefined) throw new Error(`Account ${accountId} has no sandbox keys to write its exports with`);
    const { region, endpoint, forcePathStyle, maxAttempts, requestChecksumCalculation, responseChecksumValidation } = template.config;
    const client = new S3Client({
      region,
      endpoint,
      forcePathStyle,
      maxAttempts,
      requestChecksumCalculation,
      responseChecksumValidation,
      credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
      // A failed write is reported in its job's errors. Left to itself the SDK also warns on the console for every
      // streamed write that fails, including those the sandbox aborts when it stops, after the CLI's summary.
      logger: QUIET,
    });
    clients.set(accountId, client);
    return client;
  };
}

const where = (object: Pick<ExportedObject, 'Bucket' | 'Key'>): string => `s3://${object.Bucket}/${object.Key}`;

function writeError(object: ExportedObject, error: unknown): JobError {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const Code = status === 403 ? 'ACCESS_DENIED_EXCEPTION' : status === 404 ? 'RESOURCE_NOT_FOUND_EXCEPTION' : 'INTERNAL_SERVER_EXCEPTION';
  const { name, message } = error as Error;
  return { Code, Message: `Writing ${where(object)} failed: ${name}: ${message}`, ResourceId: object.assetId, ResourceType: 'ASSET' };
}

/** The first key two assets of one job would share, which would make one overwrite the other. */
function sharedKey(objects: readonly ExportedObject[]): ExportedObject | undefined {
  const seen = new Set<string>();
  return objects.find((object) => {
    const key = where(object);
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  });
}

export interface ExportRunnerOptions {
  /** The client an account's exports are written with. */
  readonly s3ForAccount: (accountId: string) => S3Client;
  readonly assetDir: string;
  /** From StartJob to the export's work. */
  readonly jobDelayMs: number;
  /** Object writes in flight across every job. */
  readonly transferConcurrency: number;
}

/**
 * Runs started export jobs in the background. A job completes when every object is written. When a write fails,
 * it writes no more, removes what it wrote, and fails with the write's error; an object it could not remove is
 * named in the job's errors, so nothing is left half-written without a record of it. close() aborts runs and
 * leaves their jobs IN_PROGRESS, to be written again (the same bytes, the same keys) on the next start.
 */
export class ExportRunner {
  private readonly queue: JobQueue;
  private readonly transfers: Limiter;

  constructor(private readonly options: ExportRunnerOptions) {
    this.queue = new JobQueue(options.jobDelayMs);
    this.transfers = new Limiter(options.transferConcurrency);
  }

  schedule(account: AccountState, job: ExportJobRecord): void {
    this.queue.later(() => this.run(account, job));
  }

  close(): Promise<void> {
    return this.queue.close();
  }

  private async run(account: AccountState, job: ExportJobRecord): Promise<void> {
    const written: ExportedObject[] = [];
    let errors: JobError[];
    try {
      errors = await this.write(account, job, written);
    } catch (error) {
      if (this.queue.signal.aborted) return;
      errors = [{ Code: 'INTERNAL_SERVER_EXCEPTION', Message: `The sandbox failed to run the export: ${(error as Error).message}` }];
    }
    if (errors.length === 0) account.completeExport(job);
    else account.failJob(job, [...errors, ...(await this.removeWritten(account.accountId, written))]);
  }

  private async write(account: AccountState, job: ExportJobRecord, written: ExportedObject[]): Promise<JobError[]> {
    // Checked as the job runs, not as it is created: a revocation or a deleted grant in between stops it.
    const refusal = account.exportRefusal(job);
    if (refusal !== undefined) return [refusal];
    const objects = account.exportObjects(job);
    const clash = sharedKey(objects);
    if (clash !== undefined) {
      return [{ Code: 'VALIDATION_EXCEPTION', Message: `Two assets of job ${job.Id} would both be written to ${where(clash)}.` }];
    }
    const s3 = this.options.s3ForAccount(account.accountId);
    const { Encryption } = job.Details.ExportRevisionsToS3;
    const failures: JobError[] = [];
    await Promise.all(
      objects.map((object) =>
        this.transfers.run(async () => {
          if (this.queue.signal.aborted || failures.length > 0) return;
          try {
            await s3.send(
              new PutObjectCommand({
                Bucket: object.Bucket,
                Key: object.Key,
                Body: createReadStream(assetFile(this.options.assetDir, object.ownerAccountId, object.revisionId, object.assetId)),
                ContentLength: object.size,
                ServerSideEncryption: Encryption?.Type,
                SSEKMSKeyId: Encryption?.KmsKeyArn,
              }),
              { abortSignal: this.queue.signal },
            );
            written.push(object);
          } catch (error) {
            failures.push(writeError(object, error));
          }
        }),
      ),
    );
    this.queue.signal.throwIfAborted();
    return failures;
  }

  /** Removes the objects a failed job wrote; returns an error naming any that stayed. */
  private async removeWritten(accountId: string, written: readonly ExportedObject[]): Promise<JobError[]> {
    const s3 = this.options.s3ForAccount(accountId);
    const results = await Promise.allSettled(written.map((object) => s3.send(new DeleteObjectCommand({ Bucket: object.Bucket, Key: object.Key }))));
    const left = written.filter((_object, index) => results[index].status === 'rejected');
    if (left.length === 0) return [];
    return [{ Code: 'INTERNAL_SERVER_EXCEPTION', Message: `The failed export left objects it could not remove: ${left.map(where).join(', ')}.` }];
  }
}
