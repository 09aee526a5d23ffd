import { createHash } from 'node:crypto';
import {
  DataExchangeClient,
  type JobEntry,
  paginateListDataSetRevisions,
  paginateListJobs,
  paginateListRevisionAssets,
} from '@aws-sdk/client-dataexchange';
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { isRunComment } from '../../tasks/create-revision/core';
import type { RunningSandbox } from '../../sandbox/sandbox';
import type { RecordedMessage } from '../../sandbox/sns/model';
import type { StateName } from '../../workflows/state-names';
import { fullHistory, openTestSandbox, startRun, waitForEnd } from './sandbox-harness';

/*
 * What a run left behind, read from the emulators' own state through their APIs (and the SNS emulator's
 * record): the execution's end, the runId's revisions with their assets and import jobs, and the
 * notifications that name the execution.
 */

export interface RevisionOutcome {
  readonly id: string;
  readonly finalized: boolean;
  /** Sorted; a name listed twice is an asset imported twice. */
  readonly assetNames: string[];
  /** Every import job of the revision, whatever its state. */
  readonly jobs: JobEntry[];
}

export interface RunOutcome {
  readonly executionName: string;
  readonly status: string | undefined;
  readonly error: string | undefined;
  readonly cause: string | undefined;
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
export function useSandbox(timing?: Parameters<typeof openTestSandbox>[2]) {
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

/** The messages whose `Execution:` field is this execution: the run's notifications. */
export function notificationsOf(sandbox: RunningSandbox, executionName: string): RecordedMessage[] {
  const field = new RegExp(`^Execution:\\s+${executionName}$`, 'm');
  return sandbox.notifications().filter((message) => field.test(message.message));
}

export async function outcomeOf(sandbox: RunningSandbox, sfn: SFNClient, clients: Clients, executionArn: string, runId: string): Promise<RunOutcome> {
  const execution = await waitForEnd(sfn, executionArn);
  const executionName = executionArn.split(':').at(-1) ?? '';
  return {
    executionName,
    status: execution.status,
    error: execution.error,
    cause: execution.cause,
    revisions: await revisionsOfRun(clients.dataExchange, sandbox.dataSetId, runId),
    notifications: notificationsOf(sandbox, executionName),
    history: await fullHistory(sfn, executionArn),
  };
}

/** Starts a run and waits for its outcome. */
export async function run(sandbox: RunningSandbox, sfn: SFNClient, clients: Clients, input: { runId: string } & Record<string, unknown>) {
  return outcomeOf(sandbox, sfn, clients, await startRun(sandbox, sfn, input), input.runId);
}

/** How many times the state machine invoked the task behind a state (first tries and retries). */
export function scheduledCount(history: readonly HistoryEvent[], state: StateName): number {
  let current: string | undefined;
  let count = 0;
  for (const event of history) {
    if (event.stateEnteredEventDetails?.name !== undefined) current = event.stateEnteredEventDetails.name;
    if (event.type === 'TaskScheduled' && current === state) count += 1;
  }
  return count;
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
