import { createHash } from 'node:crypto';
import {
  DataExchangeClient,
  type JobEntry,
  paginateListDataSetRevisions,
  paginateListJobs,
  paginateListRevisionAssets,
} from '@aws-sdk/client-dataexchange';
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, type HistoryEvent, paginateListExecutions, type SFNClient } from '@aws-sdk/client-sfn';
import { originalFailure, totalsOf } from '../../cli/history';
import { isRunComment } from '../../tasks/create-revision/core';
import type { RunningSandbox } from '../../sandbox/sandbox';
import type { RecordedMessage } from '../../sandbox/sns/model';
import type { StateName } from '../../shared/state-names';
import { fullHistory, openTestSandbox, startRun, type TestSandboxOptions, waitForSettled } from './sandbox-harness';

/*
 * What a run left behind, read from the emulators' own state through their APIs (and the SNS emulator's
 * record): the execution's end, the batch executions it started, the runId's revisions with their assets and
 * import jobs, and the notifications that name the execution.
 */

export interface RevisionOutcome {
  readonly id: string;
  readonly finalized: boolean;
  /** Sorted; a name listed twice is an asset imported twice. */
  readonly assetNames: string[];
  /** Every import job of the revision, whatever its state. */
  readonly jobs: JobEntry[];
}

/** One execution of the import-batch state machine that the run started. */
export interface BatchOutcome {
  readonly executionArn: string;
  readonly name: string;
  readonly status: string | undefined;
  /** The batch's index in its part. */
  readonly index: number;
  readonly error: string | undefined;
  /** The state whose failure ended the batch's execution, when it did not succeed. */
  readonly failedState: string | null;
  readonly history: HistoryEvent[];
}

export interface RunOutcome {
  readonly executionArn: string;
  readonly executionName: string;
  readonly status: string | undefined;
  /** DescribeExecution's error: States.TaskFailed when a batch execution failed. */
  readonly executionError: string | undefined;
  /** The error that failed the run: a failed batch execution's own error, else the execution's. */
  readonly error: string | undefined;
  /** The cause of that error, readable: a Lambda error's message rather than its JSON. */
  readonly cause: string | undefined;
  /** The publish state whose failure ended the run (ImportBatch for a batch), when it did not succeed. */
  readonly failedState: string | null;
  /** Every batch execution the run started, oldest first. */
  readonly batches: BatchOutcome[];
  /** The batch execution whose failure failed the run, if one did. */
  readonly failedBatch: BatchOutcome | undefined;
  readonly revisions: RevisionOutcome[];
  readonly notifications: RecordedMessage[];
  readonly history: HistoryEvent[];
}

export interface ObjectState {
  readonly etag: string;
  readonly sha256: string;
  readonly lastModified: number;
}

export const sandboxClients = () => ({
  dataExchange: new DataExchangeClient({ maxAttempts: 1 }),
  s3: new S3Client({ maxAttempts: 1, forcePathStyle: true }),
});

type Clients = ReturnType<typeof sandboxClients>;

/** One sandbox for the describe block it is called in, started before its tests and closed after them. */
export function useSandbox(timing?: TestSandboxOptions) {
  const shared = { clients: sandboxClients() } as { env: Awaited<ReturnType<typeof openTestSandbox>>; clients: Clients };
  beforeAll(async () => {
    shared.env = await openTestSandbox([], undefined, timing);
  });
  afterAll(() => shared.env.close());
  return shared;
}

async function revisionOutcome(dataExchange: DataExchangeClient, dataSetId: string, id: string, finalized: boolean): Promise<RevisionOutcome> {
  const assetNames: string[] = [];
  for await (const page of paginateListRevisionAssets({ client: dataExchange }, { DataSetId: dataSetId, RevisionId: id })) {
    assetNames.push(...(page.Assets ?? []).map((asset) => asset.Name ?? ''));
  }
  const jobs: JobEntry[] = [];
  for await (const page of paginateListJobs({ client: dataExchange }, { DataSetId: dataSetId, RevisionId: id })) jobs.push(...(page.Jobs ?? []));
  return { id, finalized, assetNames: assetNames.sort(), jobs };
}

/**
 * Import jobs the account has started so far: a fault plan's `nth` counts them over the sandbox's life. A job
 * never started is WAITING, or CANCELLED, which only a WAITING job can be.
 */
export async function importJobsStarted(dataExchange: DataExchangeClient): Promise<number> {
  let started = 0;
  for await (const page of paginateListJobs({ client: dataExchange }, {})) {
    started += (page.Jobs ?? []).filter((job) => job.Type === 'IMPORT_ASSETS_FROM_S3' && job.State !== 'WAITING' && job.State !== 'CANCELLED').length;
  }
  return started;
}

/** Every revision of the data set that carries this runId's marker. */
export async function revisionsOfRun(dataExchange: DataExchangeClient, dataSetId: string, runId: string): Promise<RevisionOutcome[]> {
  const found: { id: string; finalized: boolean }[] = [];
  for await (const page of paginateListDataSetRevisions({ client: dataExchange }, { DataSetId: dataSetId })) {
    for (const revision of page.Revisions ?? []) {
      if (isRunComment(revision.Comment, runId)) found.push({ id: revision.Id ?? '', finalized: revision.Finalized === true });
    }
  }
  return Promise.all(found.map(({ id, finalized }) => revisionOutcome(dataExchange, dataSetId, id, finalized)));
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The messages whose `Execution:` field is this execution (given by its ARN or its name): the run's
 * notifications. The success message names the execution, the status-change message gives its ARN.
 */
export function notificationsOf(sandbox: RunningSandbox, execution: string): RecordedMessage[] {
  const name = execution.split(':').at(-1) ?? '';
  const arn = execution.includes(':') ? execution : `${sandbox.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const field = new RegExp(`^Execution:\\s+(${escapeRegExp(name)}|${escapeRegExp(arn)})$`, 'm');
  return sandbox.notifications().filter((message) => field.test(message.message));
}

/** The import-batch state machine: every state machine of the sandbox but the entry one. */
export function importBatchStateMachineArn(sandbox: RunningSandbox): string {
  const [batch] = sandbox.executions.stateMachines.filter((machine) => machine.arn !== sandbox.stateMachineArn);
  if (batch === undefined) throw new Error('The sandbox runs no import-batch state machine');
  return batch.arn;
}

/** The state whose failure ended an execution that did not succeed, read as the CLI's summary reads it. */
const failedStateOf = (status: string | undefined, history: readonly HistoryEvent[]) => (status === 'SUCCEEDED' ? null : totalsOf(history).failedState);

/**
 * The batch executions a publish execution started, oldest first: ListExecutions on the import-batch state
 * machine, kept when DescribeExecution's input names the publish execution as the one that started it.
 */
export async function batchesOf(sandbox: RunningSandbox, sfn: SFNClient, executionArn: string): Promise<BatchOutcome[]> {
  const batches: (BatchOutcome & { startDate: number })[] = [];
  for await (const page of paginateListExecutions({ client: sfn }, { stateMachineArn: importBatchStateMachineArn(sandbox) })) {
    for (const { executionArn: batchArn = '' } of page.executions ?? []) {
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: batchArn }));
      const input = JSON.parse(execution.input ?? '{}') as { AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID?: string; batch?: { index?: number } };
      if (input.AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID !== executionArn) continue;
      const history = await fullHistory(sfn, batchArn);
      batches.push({
        executionArn: batchArn,
        name: execution.name ?? '',
        status: execution.status,
        index: input.batch?.index ?? -1,
        error: execution.error,
        failedState: failedStateOf(execution.status, history),
        history,
        startDate: execution.startDate?.getTime() ?? 0,
      });
    }
  }
  return batches.sort((a, b) => a.startDate - b.startDate).map(({ startDate: _startDate, ...batch }) => batch);
}

/** Resolves once one of the run's batch executions has entered `state`: where a test acts on a run in flight. */
export async function waitForBatchState(sandbox: RunningSandbox, sfn: SFNClient, executionArn: string, state: StateName, timeoutMs = 30_000): Promise<BatchOutcome> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const batches = await batchesOf(sandbox, sfn, executionArn);
    const entered = batches.find((batch) => batch.history.some((event) => event.stateEnteredEventDetails?.name === state));
    if (entered !== undefined) return entered;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`No batch execution of ${executionArn} entered ${state} within ${timeoutMs} ms`);
}

/** The child execution a `.sync:2` state's States.TaskFailed cause names. */
function childArnOf(cause: string | undefined): string | undefined {
  try {
    const arn = (JSON.parse(cause ?? '') as { ExecutionArn?: unknown }).ExecutionArn;
    return typeof arn === 'string' ? arn : undefined;
  } catch {
    return undefined;
  }
}

/** The run's outcome, once its execution has ended and its status change has been delivered. */
export async function outcomeOf(sandbox: RunningSandbox, sfn: SFNClient, clients: Clients, executionArn: string, runId: string): Promise<RunOutcome> {
  const execution = await waitForSettled(sandbox, sfn, executionArn);
  const history = await fullHistory(sfn, executionArn);
  const batches = await batchesOf(sandbox, sfn, executionArn);
  const failedBatchArn = childArnOf(execution.cause);
  const original = originalFailure(execution.error, execution.cause);
  return {
    executionArn,
    executionName: executionArn.split(':').at(-1) ?? '',
    status: execution.status,
    executionError: execution.error,
    error: original.error,
    cause: original.cause,
    failedState: failedStateOf(execution.status, history),
    batches,
    failedBatch: batches.find((batch) => batch.executionArn === failedBatchArn),
    revisions: await revisionsOfRun(clients.dataExchange, sandbox.dataSetId, runId),
    notifications: notificationsOf(sandbox, executionArn),
    history,
  };
}

/** Starts a run and waits for its outcome. */
export async function run(sandbox: RunningSandbox, sfn: SFNClient, clients: Clients, input: { runId: string } & Record<string, unknown>) {
  return outcomeOf(sandbox, sfn, clients, await startRun(sandbox, sfn, input), input.runId);
}

/** How many times the state machine invoked the task behind a state (first tries and retries), in one history. */
export function scheduledCount(history: readonly HistoryEvent[], state: StateName): number {
  let current: string | undefined;
  let count = 0;
  for (const event of history) {
    if (event.stateEnteredEventDetails?.name !== undefined) current = event.stateEnteredEventDetails.name;
    if (event.type === 'TaskScheduled' && current === state) count += 1;
  }
  return count;
}

/** How many times the run's batch executions, all together, invoked the task behind an import-batch state. */
export function scheduledInBatches(outcome: Pick<RunOutcome, 'batches'>, state: StateName): number {
  return outcome.batches.reduce((sum, batch) => sum + scheduledCount(batch.history, state), 0);
}

/** Every object of the bucket, with its ETag, a digest of its bytes and its modification time. */
export async function snapshotBucket(s3: S3Client, bucket: string): Promise<Map<string, ObjectState>> {
  const objects = new Map<string, ObjectState>();
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
    for (const { Key } of page.Contents ?? []) {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      const bytes = await object.Body?.transformToByteArray();
      objects.set(Key ?? '', {
        etag: object.ETag ?? '',
        sha256: createHash('sha256').update(bytes ?? new Uint8Array()).digest('hex'),
        lastModified: object.LastModified?.getTime() ?? 0,
      });
    }
  }
  return objects;
}

/** The objects of `before` that are gone or changed in `after`: what a run must never do to a source. */
export function damagedObjects(before: ReadonlyMap<string, ObjectState>, after: ReadonlyMap<string, ObjectState>): string[] {
  return [...before].filter(([key, state]) => JSON.stringify(after.get(key)) !== JSON.stringify(state)).map(([key]) => key);
}

/** Puts `count` small CSV objects under `prefix`, for an s3Prefix source. */
export async function seedObjects(s3: S3Client, bucket: string, prefix: string, count: number): Promise<string[]> {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}part-${String(i + 1).padStart(3, '0')}.csv`);
  await Promise.all(keys.map((key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `id,value\n${key},1\n` }))));
  return keys;
}
