import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { S3Client } from '@aws-sdk/client-s3';
import { CONCURRENT_IMPORT_JOBS_LIMIT_NAME, MAX_CONCURRENT_IMPORT_JOBS } from '../../shared/limits';
import { accountOfRequest } from '../accounts';
import type { FaultInjector } from '../faults';
import { type InternalErrorAnswer, readRequestBody, sleep, startHttpServer } from '../http';
import { DamagedStateFileError, loadPartedState, type PartedState, PartedStateFile } from '../persist';
import { DataExchangeApiError, invalid } from './errors';
import { ExportRunner, s3ClientsByAccount } from './exports';
import { ImportRunner, type ImportRunnerOptions, s3SourceReader, type SourceReader } from './jobs';
import { removeOrphanAssetFiles } from './asset-cleanup';
import { buildRoutes, decodeParams, matchRoute } from './routes';
import { DataExchangeStore, type ExchangeEventRecord, type JobClock, revisionPartOf, snapshotOfSaved } from './store';

export interface DataExchangeEmulatorOptions {
  /** @default 0, a free port */
  readonly port?: number;
  /**
   * JSON state: loaded at start when present, saved (debounced) after changes, on flush() and on close. It is the
   * index; each revision is saved apart, in the folder of the same name without `.json` (persist.ts's
   * PartedStateFile). A state file an older sandbox saved whole is read, and saved in parts from then on. A published
   * revision's assets are kept only in its part once it is saved, and read back from it when asked for.
   */
  readonly stateFile: string;
  /** Where imported assets' bytes are kept. At start, files no asset of the state refers to (a crashed import's) are removed. */
  readonly assetDir: string;
  readonly faults: FaultInjector;
  /**
   * A client of the embedded S3, which import jobs read their sources through. Export jobs write with a client
   * like it, signed with the keys of the account that runs the export.
   */
  readonly s3: S3Client;
  /** How import jobs read their sources. @default GetObject and HeadObject with `s3` */
  readonly sourceReader?: SourceReader;
  /** @default 50 — from StartJob to the job's work, in milliseconds */
  readonly jobDelayMs?: number;
  /** @default 8 — object reads (and, apart, object writes) in flight across all import (export) jobs */
  readonly transferConcurrency?: number;
  /** @default none — real milliseconds from StartJob before an import job of a size completes (ImportRunnerOptions.jobDurationMs) */
  readonly importDurationMs?: ImportRunnerOptions['jobDurationMs'];
  /** @default AWS_JOB_CLOCK — how a job's UpdatedAt counts the time since its CreatedAt */
  readonly jobClock?: JobClock;
}

export interface RunningDataExchangeEmulator {
  readonly endpoint: string;
  /**
   * Writes the state as it is now, without waiting for the debounce: what a caller saw (a finalized revision,
   * a completed job) is on disk once this resolves. Rejects if the write fails.
   */
  flush(): Promise<void>;
  /**
   * The Data Exchange events delivered to an account (revocations, notifications, deleted grants), oldest first. The
   * sandbox has no EventBridge; this is what the account's default bus would have received.
   */
  deliveredEvents(accountId: string): readonly ExchangeEventRecord[];
  /** Stops serving, aborts running imports (they resume on the next start) and saves the state. */
  close(): Promise<void>;
}

const SAVE_DEBOUNCE_MS = 250;

/** What AWS sends beside an injected error: StartJob's one quota is the import jobs in progress, named as AWS names it. */
function injectedErrorMembers(operation: string, code: string): Record<string, string | number> {
  if (operation !== 'StartJob' || code !== 'ServiceLimitExceededException') return {};
  return { LimitName: CONCURRENT_IMPORT_JOBS_LIMIT_NAME, LimitValue: MAX_CONCURRENT_IMPORT_JOBS };
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(payload);
}

function sendError(response: ServerResponse, status: number, code: string, body: Record<string, unknown>): void {
  send(response, status, body, { 'x-amzn-errortype': code });
}

/** ADX's 500 for a failure of its own, as its InternalServerException. */
const internalServerError: InternalErrorAnswer = (_request, response, error) =>
  sendError(response, 500, 'InternalServerException', { Message: `The sandbox failed: ${error.message}` });

/** Past the bound, a body is the request's fault, as a member past its own bound is. */
const tooLarge = (maxBytes: number) => invalid(`The request body is over ${maxBytes} bytes, more than any request the emulator serves can carry.`);

async function readJson(request: IncomingMessage, response: ServerResponse): Promise<unknown> {
  const text = (await readRequestBody(request, response, tooLarge)).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw invalid('The request body is not valid JSON.');
  }
}

/** The snapshot the index and parts hold; one that does not add up is the index's damage. */
function savedSnapshot(stateFile: string, loaded: PartedState): ReturnType<typeof snapshotOfSaved> {
  try {
    return snapshotOfSaved(loaded.index, loaded.parts);
  } catch (error) {
    throw new DamagedStateFileError(stateFile, (error as Error).message, { cause: error });
  }
}

/** Starts the Data Exchange emulator on 127.0.0.1, with the state of `stateFile` if there is one. */
export async function startDataExchangeEmulator(options: DataExchangeEmulatorOptions): Promise<RunningDataExchangeEmulator> {
  const loaded = await loadPartedState(options.stateFile, revisionPartOf);
  const saved = loaded === undefined ? undefined : savedSnapshot(options.stateFile, loaded);
  const stateFile: PartedStateFile = new PartedStateFile(options.stateFile, loaded?.listing, () => store.changes(), SAVE_DEBOUNCE_MS);
  const store = new DataExchangeStore(() => stateFile.changed(), saved?.snapshot, options.jobClock, (key) => stateFile.readPartSync(key, revisionPartOf));
  if (saved?.whole === true) store.changedAll();
  // Before any job runs again: a job still IN_PROGRESS copies its sources anew, under new ids.
  await removeOrphanAssetFiles(options.assetDir, store.allAccounts());
  // After the clean-up, which reads every asset: until then, published revisions' assets are still in memory.
  if (saved?.whole === false) store.loadedFromParts();
  const imports = new ImportRunner({
    sources: options.sourceReader ?? s3SourceReader(options.s3),
    assetDir: options.assetDir,
    jobDelayMs: options.jobDelayMs ?? 50,
    transferConcurrency: options.transferConcurrency ?? 8,
    jobDurationMs: options.importDurationMs,
  });
  const exports = new ExportRunner({
    s3ForAccount: s3ClientsByAccount(options.s3),
    assetDir: options.assetDir,
    jobDelayMs: options.jobDelayMs ?? 50,
    transferConcurrency: options.transferConcurrency ?? 8,
  });
  let importJobsStarted = 0;
  const routes = buildRoutes({
    imports,
    exports,
    nextImportOutcome: () => {
      importJobsStarted += 1;
      return options.faults.importJobOutcome(importJobsStarted);
    },
  });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://sandbox');
    const match = matchRoute(routes, request.method ?? 'GET', url.pathname);
    if (match === undefined) {
      sendError(response, 404, 'UnknownOperationException', { Message: `The sandbox serves no ${request.method} ${url.pathname}.` });
      return;
    }
    const fault = options.faults.onRequest('dataexchange', match.route.operation);
    if (fault?.delayMs !== undefined) await sleep(fault.delayMs);
    if (fault?.error !== undefined) {
      sendError(response, fault.error.status, fault.error.code, {
        Message: fault.error.message,
        ...injectedErrorMembers(match.route.operation, fault.error.code),
      });
      return;
    }
    try {
      const reply = match.route.handle({
        account: store.account(accountOfRequest(request.headers.authorization).accountId),
        params: decodeParams(match.params),
        query: url.searchParams,
        body: await readJson(request, response),
      });
      // What AWS answered has happened: a change, or a job's progress a read reveals, is on disk before the answer, so
      // a sandbox killed after answering (UpdateRevision's Finalized, say) does not come back without it.
      await stateFile.flushPending();
      send(response, reply.status, reply.body);
    } catch (error) {
      if (!(error instanceof DataExchangeApiError)) throw error;
      sendError(response, error.status, error.code, { Message: error.message, ...error.fields });
    }
  };

  const server = await startHttpServer(handle, options.port ?? 0, internalServerError);
  for (const account of store.allAccounts()) {
    for (const job of account.jobsInProgress()) {
      // A fault plan belongs to the sandbox run it was given to: a restart lets a stuck job finish.
      delete job.forcedOutcome;
      imports.schedule(account, job);
    }
    for (const job of account.exportJobsInProgress()) exports.schedule(account, job);
  }

  return {
    endpoint: server.endpoint,
    flush: () => stateFile.flush(),
    deliveredEvents: (accountId) => store.account(accountId).deliveredEvents(),
    close: async () => {
      await server.close();
      await Promise.all([imports.close(), exports.close()]);
      await stateFile.flush();
    },
  };
}
