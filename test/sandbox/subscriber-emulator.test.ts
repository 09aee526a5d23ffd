import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AcceptDataGrantCommand,
  ConflictException,
  CreateDataGrantCommand,
  CreateDataSetCommand,
  CreateEventActionCommand,
  CreateJobCommand,
  CreateRevisionCommand,
  DataExchangeClient,
  DeleteEventActionCommand,
  GetDataGrantCommand,
  GetDataSetCommand,
  GetEventActionCommand,
  GetJobCommand,
  type GetJobCommandOutput,
  GetReceivedDataGrantCommand,
  ListDataSetRevisionsCommand,
  ListEventActionsCommand,
  ListJobsCommand,
  ListReceivedDataGrantsCommand,
  ListRevisionAssetsCommand,
  ResourceNotFoundException,
  StartJobCommand,
  ThrottlingException,
  UpdateRevisionCommand,
  ValidationException,
} from '@aws-sdk/client-dataexchange';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../shared/clients/s3';
import { PROVIDER_ACCOUNT, SANDBOX_REGION, type SandboxAccount, SUBSCRIBER_ACCOUNT } from '../../sandbox/accounts';
import { type RunningDataExchangeEmulator, startDataExchangeEmulator } from '../../sandbox/dataexchange/server';
import { FaultInjector } from '../../sandbox/faults';
import { type RunningS3, startS3 } from '../../sandbox/s3/server';

/*
 * The subscriber's side of the Data Exchange emulator, over the embedded S3: a provider and a subscriber, each a
 * real client signing with its own account's keys, reaching the sandbox through the AWS_ENDPOINT_URL_* variables.
 */

const PROVIDER_BUCKET = 'dx-flow-sandbox-data';
const SUBSCRIBER_BUCKET = 'dx-flow-subscriber-data';
const KEY_PATTERN = '${Revision.CreatedAt}/${Revision.Id}/${Asset.Name}';
const OTHER_ACCOUNT = '333333333333';

const savedEnv = { ...process.env };
let directory: string;
let faults: FaultInjector;
let s3Server: RunningS3;
let emulator: RunningDataExchangeEmulator;
let provider: DataExchangeClient;
let subscriber: DataExchangeClient;
let providerS3: S3Client;
let subscriberS3: S3Client;

const credentialsOf = (account: SandboxAccount) => ({ accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey });
const dataExchangeAs = (account: SandboxAccount) => new DataExchangeClient({ maxAttempts: 1, credentials: credentialsOf(account) });
const s3As = (account: SandboxAccount) =>
  new S3Client({ maxAttempts: 1, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', credentials: credentialsOf(account) });

function startEmulator(): Promise<RunningDataExchangeEmulator> {
  return startDataExchangeEmulator({
    stateFile: join(directory, 'dataexchange.json'),
    assetDir: join(directory, 'assets'),
    faults,
    s3: createS3Client({ maxAttempts: 1, checksums: 'WHEN_REQUIRED' }),
    jobDelayMs: 5,
  });
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'dx-flow-subscriber-'));
  faults = new FaultInjector();
  s3Server = await startS3({ directory: join(directory, 's3'), faults });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3Server.endpoint,
    AWS_REGION: SANDBOX_REGION,
    AWS_ACCESS_KEY_ID: PROVIDER_ACCOUNT.accessKeyId,
    AWS_SECRET_ACCESS_KEY: PROVIDER_ACCOUNT.secretAccessKey,
  });
  emulator = await startEmulator();
  process.env.AWS_ENDPOINT_URL_DATAEXCHANGE = emulator.endpoint;
  provider = dataExchangeAs(PROVIDER_ACCOUNT);
  subscriber = dataExchangeAs(SUBSCRIBER_ACCOUNT);
  providerS3 = s3As(PROVIDER_ACCOUNT);
  subscriberS3 = s3As(SUBSCRIBER_ACCOUNT);
  await providerS3.send(new CreateBucketCommand({ Bucket: PROVIDER_BUCKET }));
  await subscriberS3.send(new CreateBucketCommand({ Bucket: SUBSCRIBER_BUCKET }));
});

afterAll(async () => {
  for (const client of [provider, subscriber, providerS3, subscriberS3]) client.destroy();
  await emulator.close();
  await s3Server.close();
  await rm(directory, { recursive: true, force: true });
  process.env = savedEnv;
});

beforeEach(() => faults.clear());

async function waitForJob(client: DataExchangeClient, jobId: string): Promise<GetJobCommandOutput> {
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const job = await client.send(new GetJobCommand({ JobId: jobId }));
    if (job.State !== 'WAITING' && job.State !== 'IN_PROGRESS') return job;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`job ${jobId} did not end`);
}

async function providerDataSet(): Promise<string> {
  const dataSet = await provider.send(new CreateDataSetCommand({ Name: 'sales', Description: 'daily sales', AssetType: 'S3_SNAPSHOT' }));
  return dataSet.Id!;
}

/** Imports `assets` into a new revision of the provider's data set; finalizes it unless told not to. */
async function publish(dataSetId: string, assets: Record<string, Buffer>, finalize = true): Promise<string> {
  await Promise.all(Object.entries(assets).map(([Key, Body]) => providerS3.send(new PutObjectCommand({ Bucket: PROVIDER_BUCKET, Key, Body }))));
  const revision = await provider.send(new CreateRevisionCommand({ DataSetId: dataSetId }));
  const job = await provider.send(
    new CreateJobCommand({
      Type: 'IMPORT_ASSETS_FROM_S3',
      Details: {
        ImportAssetsFromS3: {
          DataSetId: dataSetId,
          RevisionId: revision.Id,
          AssetSources: Object.keys(assets).map((Key) => ({ Bucket: PROVIDER_BUCKET, Key })),
        },
      },
    }),
  );
  await provider.send(new StartJobCommand({ JobId: job.Id }));
  expect((await waitForJob(provider, job.Id!)).State).toBe('COMPLETED');
  if (finalize) await provider.send(new UpdateRevisionCommand({ DataSetId: dataSetId, RevisionId: revision.Id, Finalized: true }));
  return revision.Id!;
}

async function grant(dataSetId: string, receiver = SUBSCRIBER_ACCOUNT.accountId): Promise<string> {
  const created = await provider.send(
    new CreateDataGrantCommand({ Name: `to ${receiver}`, GrantDistributionScope: 'NONE', ReceiverPrincipal: receiver, SourceDataSetId: dataSetId }),
  );
  return created.Arn!;
}

/** A provider's data set granted to and accepted by the subscriber; returns both ids. */
async function entitled(): Promise<{ source: string; entitledId: string }> {
  const source = await providerDataSet();
  const accepted = await subscriber.send(new AcceptDataGrantCommand({ DataGrantArn: await grant(source) }));
  return { source, entitledId: accepted.DataSetId! };
}

async function autoExportTo(entitledId: string, KeyPattern = KEY_PATTERN): Promise<string> {
  const action = await subscriber.send(
    new CreateEventActionCommand({
      Event: { RevisionPublished: { DataSetId: entitledId } },
      Action: { ExportRevisionToS3: { RevisionDestination: { Bucket: SUBSCRIBER_BUCKET, KeyPattern } } },
    }),
  );
  return action.Arn!;
}

async function subscriberObjects(prefix = ''): Promise<Map<string, Buffer>> {
  const listed = await subscriberS3.send(new ListObjectsV2Command({ Bucket: SUBSCRIBER_BUCKET, Prefix: prefix }));
  const objects = new Map<string, Buffer>();
  for (const { Key } of listed.Contents ?? []) {
    const object = await subscriberS3.send(new GetObjectCommand({ Bucket: SUBSCRIBER_BUCKET, Key }));
    objects.set(Key!, Buffer.from(await object.Body!.transformToByteArray()));
  }
  return objects;
}

const assetsNamed = (...names: string[]): Record<string, Buffer> =>
  Object.fromEntries(names.map((name, i) => [`${name}-${randomBytes(4).toString('hex')}.csv`, randomBytes(100 + i * 37)]));

/** The export job an event action started on the entitled data set, once it ended. */
async function autoExportJob(entitledId: string, revisionId: string): Promise<GetJobCommandOutput> {
  const { Jobs } = await subscriber.send(new ListJobsCommand({ DataSetId: entitledId, RevisionId: revisionId }));
  expect(Jobs).toHaveLength(1);
  return waitForJob(subscriber, Jobs![0].Id!);
}

describe('received data grants', () => {
  it('shows a grant only to its receiver, and accepting it gives the receiver an ENTITLED data set of its own', async () => {
    const source = await providerDataSet();
    const toSubscriber = await grant(source);
    const toOther = await grant(source, OTHER_ACCOUNT);

    const pending = await subscriber.send(new ListReceivedDataGrantsCommand({ AcceptanceState: ['PENDING_RECEIVER_ACCEPTANCE'] }));
    expect(pending.DataGrantSummaries?.map((g) => g.Arn)).toContain(toSubscriber);
    expect(pending.DataGrantSummaries?.map((g) => g.Arn)).not.toContain(toOther);
    expect((await provider.send(new ListReceivedDataGrantsCommand({}))).DataGrantSummaries).toEqual([]);
    await expect(subscriber.send(new GetReceivedDataGrantCommand({ DataGrantArn: toOther }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(subscriber.send(new AcceptDataGrantCommand({ DataGrantArn: toOther }))).rejects.toBeInstanceOf(ResourceNotFoundException);

    const accepted = await subscriber.send(new AcceptDataGrantCommand({ DataGrantArn: toSubscriber }));
    expect(accepted).toMatchObject({ AcceptanceState: 'ACCEPTED', SenderPrincipal: PROVIDER_ACCOUNT.accountId, ReceiverPrincipal: SUBSCRIBER_ACCOUNT.accountId });
    expect(accepted.AcceptedAt).toBeInstanceOf(Date);
    expect(accepted.DataSetId).not.toBe(source);

    const copy = await subscriber.send(new GetDataSetCommand({ DataSetId: accepted.DataSetId }));
    expect(copy).toMatchObject({ Origin: 'ENTITLED', Name: 'sales', OriginDetails: { DataGrantId: accepted.Id } });
    expect(copy.Arn).toContain(`:${SUBSCRIBER_ACCOUNT.accountId}:data-sets/${accepted.DataSetId}`);
    await expect(provider.send(new GetDataSetCommand({ DataSetId: accepted.DataSetId }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect((await provider.send(new GetDataGrantCommand({ DataGrantId: accepted.Id }))).AcceptanceState).toBe('ACCEPTED');
    expect((await subscriber.send(new GetReceivedDataGrantCommand({ DataGrantArn: toSubscriber }))).DataSetId).toBe(accepted.DataSetId);

    const again = subscriber.send(new AcceptDataGrantCommand({ DataGrantArn: toSubscriber }));
    await expect(again).rejects.toBeInstanceOf(ConflictException);
    await expect(again).rejects.toThrow('already accepted');
  });

  it('shows the receiver the provider\'s finalized revisions and their assets, and lets it change nothing', async () => {
    const { source, entitledId } = await entitled();
    const assets = assetsNamed('a', 'b');
    const published = await publish(source, assets);
    const draft = await publish(source, assetsNamed('c'), false);

    const { Revisions } = await subscriber.send(new ListDataSetRevisionsCommand({ DataSetId: entitledId }));
    expect(Revisions?.map((r) => [r.Id, r.DataSetId, r.Finalized])).toEqual([[published, entitledId, true]]);
    const listed = await subscriber.send(new ListRevisionAssetsCommand({ DataSetId: entitledId, RevisionId: published }));
    expect(listed.Assets?.map((a) => a.Name).sort()).toEqual(Object.keys(assets).sort());
    expect(listed.Assets?.every((a) => a.DataSetId === entitledId)).toBe(true);

    await expect(subscriber.send(new ListRevisionAssetsCommand({ DataSetId: entitledId, RevisionId: draft }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(subscriber.send(new CreateRevisionCommand({ DataSetId: entitledId }))).rejects.toBeInstanceOf(ValidationException);
    await expect(subscriber.send(new UpdateRevisionCommand({ DataSetId: entitledId, RevisionId: published, Comment: 'x' }))).rejects.toBeInstanceOf(
      ValidationException,
    );
  });

  it('passes its calls through the fault plan', async () => {
    const arn = await grant(await providerDataSet());
    faults.add([{ service: 'dataexchange', operation: 'AcceptDataGrant', error: 'ThrottlingException', times: 1, after: 0 }]);
    await expect(subscriber.send(new AcceptDataGrantCommand({ DataGrantArn: arn }))).rejects.toBeInstanceOf(ThrottlingException);
    expect((await subscriber.send(new AcceptDataGrantCommand({ DataGrantArn: arn }))).AcceptanceState).toBe('ACCEPTED');
  });
});

describe('event actions', () => {
  it('are refused on an owned data set, as ADX refuses them', async () => {
    const owned = await providerDataSet();
    const create = provider.send(
      new CreateEventActionCommand({
        Event: { RevisionPublished: { DataSetId: owned } },
        Action: { ExportRevisionToS3: { RevisionDestination: { Bucket: PROVIDER_BUCKET } } },
      }),
    );
    await expect(create).rejects.toBeInstanceOf(ValidationException);
    await expect(create).rejects.toThrow('entitled');
  });

  it('are created, listed by data set, and deleted on an entitled data set', async () => {
    const { entitledId } = await entitled();
    const arn = await autoExportTo(entitledId);
    const id = arn.split('/').pop()!;

    const { EventActions } = await subscriber.send(new ListEventActionsCommand({ EventSourceId: entitledId }));
    expect(EventActions).toEqual([
      expect.objectContaining({
        Arn: arn,
        Event: { RevisionPublished: { DataSetId: entitledId } },
        Action: { ExportRevisionToS3: { RevisionDestination: { Bucket: SUBSCRIBER_BUCKET, KeyPattern: KEY_PATTERN } } },
      }),
    ]);
    await subscriber.send(new DeleteEventActionCommand({ EventActionId: id }));
    await expect(subscriber.send(new GetEventActionCommand({ EventActionId: id }))).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect((await subscriber.send(new ListEventActionsCommand({ EventSourceId: entitledId }))).EventActions).toEqual([]);
  });

  it('refuse a key pattern with an unknown reference or without the asset', async () => {
    const { entitledId } = await entitled();
    await expect(autoExportTo(entitledId, '${Revision.Nope}/${Asset.Name}')).rejects.toThrow('${Revision.Nope}');
    await expect(autoExportTo(entitledId, '${Revision.Id}/data.csv')).rejects.toThrow('${Asset.Name} or ${Asset.Id}');
  });
});

describe('exports to the subscriber\'s bucket', () => {
  it('auto-exports each published revision, byte for byte, beside the earlier ones', async () => {
    const { source, entitledId } = await entitled();
    const actionArn = await autoExportTo(entitledId);

    const first = assetsNamed('orders', 'customers', 'items');
    const firstId = await publish(source, first);
    const job = await autoExportJob(entitledId, firstId);
    expect(job).toMatchObject({ State: 'COMPLETED', Type: 'EXPORT_REVISIONS_TO_S3' });
    expect(job.Details?.ExportRevisionsToS3).toMatchObject({ DataSetId: entitledId, EventActionArn: actionArn });
    const revision = (await subscriber.send(new ListDataSetRevisionsCommand({ DataSetId: entitledId }))).Revisions![0];
    const prefix = `${revision.CreatedAt!.toISOString()}/${firstId}/`;
    const exported = await subscriberObjects(prefix);
    expect(new Map([...exported].map(([key, bytes]) => [key.slice(prefix.length), bytes]))).toEqual(new Map(Object.entries(first)));

    // The same asset names again: the revision id keeps them apart.
    const second = Object.fromEntries(Object.keys(first).map((name) => [name, randomBytes(64)]));
    const secondId = await publish(source, second);
    expect((await autoExportJob(entitledId, secondId)).State).toBe('COMPLETED');
    expect(await subscriberObjects(prefix)).toEqual(exported);
    const all = await subscriberObjects();
    expect([...all.keys()].filter((key) => key.includes(`/${secondId}/`))).toHaveLength(3);
  });

  it('runs an export job the subscriber creates, with the date parts of the revision in its keys', async () => {
    const { source, entitledId } = await entitled();
    const assets = assetsNamed('daily');
    const revisionId = await publish(source, assets);
    const job = await subscriber.send(
      new CreateJobCommand({
        Type: 'EXPORT_REVISIONS_TO_S3',
        Details: {
          ExportRevisionsToS3: {
            DataSetId: entitledId,
            RevisionDestinations: [{ Bucket: SUBSCRIBER_BUCKET, RevisionId: revisionId, KeyPattern: 'manual/${Revision.CreatedAt.Year}/${Revision.Id}/${Asset.Name}' }],
          },
        },
      }),
    );
    expect(job.State).toBe('WAITING');
    await subscriber.send(new StartJobCommand({ JobId: job.Id }));
    expect((await waitForJob(subscriber, job.Id!)).State).toBe('COMPLETED');
    const [name, bytes] = Object.entries(assets)[0];
    const year = new Date().getUTCFullYear();
    expect(await subscriberObjects(`manual/${year}/${revisionId}/`)).toEqual(new Map([[`manual/${year}/${revisionId}/${name}`, bytes]]));
  });

  it('reports a failed write and leaves none of the revision\'s objects behind', async () => {
    const { source, entitledId } = await entitled();
    await autoExportTo(entitledId, 'failing/${Revision.Id}/${Asset.Name}');
    const assets = assetsNamed('p', 'q', 'r', 's');
    faults.add([{ service: 's3', operation: 'PutObject', error: 'InternalError', times: 1, after: 4 + 1 }]);
    const revisionId = await publish(source, assets);

    const job = await autoExportJob(entitledId, revisionId);
    expect(job.State).toBe('ERROR');
    expect(job.Errors?.[0]).toMatchObject({ Code: 'INTERNAL_SERVER_EXCEPTION', ResourceType: 'ASSET' });
    expect(job.Errors?.[0].Message).toMatch(new RegExp(`^Writing s3://${SUBSCRIBER_BUCKET}/failing/${revisionId}/`));
    expect(await subscriberObjects(`failing/${revisionId}/`)).toEqual(new Map());
  });
});

describe('the subscriber\'s side across restarts', () => {
  it('keeps the entitled data set and its event actions, which export the next revision published', async () => {
    const { source, entitledId } = await entitled();
    const actionArn = await autoExportTo(entitledId, 'restarted/${Revision.Id}/${Asset.Name}');
    await emulator.close();
    emulator = await startEmulator();
    process.env.AWS_ENDPOINT_URL_DATAEXCHANGE = emulator.endpoint;
    for (const client of [provider, subscriber]) client.destroy();
    provider = dataExchangeAs(PROVIDER_ACCOUNT);
    subscriber = dataExchangeAs(SUBSCRIBER_ACCOUNT);

    expect(await subscriber.send(new GetDataSetCommand({ DataSetId: entitledId }))).toMatchObject({ Origin: 'ENTITLED' });
    expect((await subscriber.send(new ListEventActionsCommand({ EventSourceId: entitledId }))).EventActions?.map((a) => a.Arn)).toEqual([actionArn]);
    const assets = assetsNamed('after-restart');
    const revisionId = await publish(source, assets);
    expect((await autoExportJob(entitledId, revisionId)).State).toBe('COMPLETED');
    const [name, bytes] = Object.entries(assets)[0];
    expect(await subscriberObjects(`restarted/${revisionId}/`)).toEqual(new Map([[`restarted/${revisionId}/${name}`, bytes]]));
  });
});
