import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CancelJobCommand,
  ConflictException,
  CreateDataGrantCommand,
  CreateDataSetCommand,
  CreateEventActionCommand,
  CreateJobCommand,
  CreateRevisionCommand,
  DataExchangeClient,
  GetAssetCommand,
  GetDataGrantCommand,
  GetDataSetCommand,
  GetJobCommand,
  GetRevisionCommand,
  type GetJobCommandOutput,
  ListDataGrantsCommand,
  ListDataSetsCommand,
  ListJobsCommand,
  ListRevisionAssetsCommand,
  ListTagsForResourceCommand,
  paginateListDataSetRevisions,
  paginateListJobs,
  paginateListRevisionAssets,
  ResourceNotFoundException,
  ServiceLimitExceededException,
  StartJobCommand,
  TagResourceCommand,
  ThrottlingException,
  UpdateRevisionCommand,
  ValidationException,
} from '@aws-sdk/client-dataexchange';
import { S3Client } from '@aws-sdk/client-s3';
import { PROVIDER_ACCOUNT, SANDBOX_REGION, type SandboxAccount, SUBSCRIBER_ACCOUNT } from '../../sandbox/accounts';
import { assetFile } from '../../sandbox/dataexchange/jobs';
import { type RunningDataExchangeEmulator, startDataExchangeEmulator } from '../../sandbox/dataexchange/server';
import { partKey, type RevisionPart } from '../../sandbox/dataexchange/store/saved-state';
import { FaultInjector } from '../../sandbox/faults';
import { type RunningServer, sleep, startHttpServer } from '../../sandbox/http';
import {
  CONCURRENT_IMPORT_JOBS_LIMIT_NAME,
  MAX_ASSETS_PER_IMPORT_JOB,
  MAX_ASSETS_PER_REVISION,
  MAX_CONCURRENT_IMPORT_JOBS,
} from '../../shared/limits';

/*
 * The Data Exchange emulator driven by the real @aws-sdk/client-dataexchange, configured only through the
 * environment as a user would. Import sources come from a stand-in S3 that serves GET and HEAD from a Map.
 */

const BUCKET = 'dx-flow-sandbox-data';
const JOB_DELAY_MS = 20;
const HEX_ID = /^[0-9a-f]{32}$/;

const objects = new Map<string, Buffer>();
let s3Stub: RunningServer;
let sourceS3: S3Client;
const savedEnv = { ...process.env };

/** Enough of S3 for the emulator's HeadObject and GetObject, path-style. */
function startStubS3(): Promise<RunningServer> {
  return startHttpServer(async (request, response) => {
    const body = objects.get(decodeURIComponent(new URL(request.url ?? '/', 'http://s3').pathname.slice(1)));
    if (body === undefined) {
      response.writeHead(404, { 'content-type': 'application/xml' });
      response.end(request.method === 'HEAD' ? undefined : '<Error><Code>NoSuchKey</Code><Message>No such key.</Message></Error>');
      return;
    }
    response.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': body.length,
      etag: '"stub"',
      'last-modified': new Date().toUTCString(),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  });
}

function putObjects(prefix: string, count: number, size = 64): string[] {
  return Array.from({ length: count }, (_, i) => {
    const key = `${prefix}/part-${String(i).padStart(4, '0')}.csv`;
    objects.set(`${BUCKET}/${key}`, Buffer.alloc(size, `${key},`));
    return key;
  });
}

/** A client of `endpoint` signing as `account`, configured through the environment only. */
async function clientFor(account: SandboxAccount, endpoint: string): Promise<DataExchangeClient> {
  process.env.AWS_ENDPOINT_URL_DATAEXCHANGE = endpoint;
  process.env.AWS_REGION = SANDBOX_REGION;
  process.env.AWS_ACCESS_KEY_ID = account.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = account.secretAccessKey;
  const client = new DataExchangeClient({ maxAttempts: 1 });
  // The SDK reads the environment at its first call and keeps what it read: make that call now.
  await client.send(new ListDataSetsCommand({ MaxResults: 1 }));
  return client;
}

interface Sandbox {
  readonly dir: string;
  readonly faults: FaultInjector;
  readonly emulator: RunningDataExchangeEmulator;
  readonly client: DataExchangeClient;
}

async function startSandbox(dir: string, jobDelayMs = JOB_DELAY_MS): Promise<Sandbox> {
  const faults = new FaultInjector();
  const emulator = await startDataExchangeEmulator({
    stateFile: join(dir, 'dataexchange.json'),
    assetDir: join(dir, 'assets'),
    faults,
    s3: sourceS3,
    jobDelayMs,
  });
  return { dir, faults, emulator, client: await clientFor(PROVIDER_ACCOUNT, emulator.endpoint) };
}

async function stopSandbox(sandbox: Sandbox): Promise<void> {
  sandbox.client.destroy();
  await sandbox.emulator.close();
}

interface RevisionIds {
  readonly dataSetId: string;
  readonly revisionId: string;
}

async function newRevision(client: DataExchangeClient): Promise<RevisionIds> {
  const dataSet = await client.send(new CreateDataSetCommand({ Name: 'sales', Description: 'daily sales', AssetType: 'S3_SNAPSHOT' }));
  const revision = await client.send(new CreateRevisionCommand({ DataSetId: dataSet.Id, Comment: 'run r1' }));
  return { dataSetId: dataSet.Id!, revisionId: revision.Id! };
}

const importDetails = (ids: RevisionIds, keys: readonly string[]) => ({
  DataSetId: ids.dataSetId,
  RevisionId: ids.revisionId,
  AssetSources: keys.map((Key) => ({ Bucket: BUCKET, Key })),
});

async function createImportJob(client: DataExchangeClient, ids: RevisionIds, keys: readonly string[]): Promise<string> {
  const details = { ImportAssetsFromS3: importDetails(ids, keys) };
  const job = await client.send(new CreateJobCommand({ Type: 'IMPORT_ASSETS_FROM_S3', Details: details }));
  return job.Id!;
}

async function waitForJob(client: DataExchangeClient, jobId: string, timeoutMs = 5_000): Promise<GetJobCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.send(new GetJobCommand({ JobId: jobId }));
    if (!['WAITING', 'IN_PROGRESS'].includes(job.State!) || Date.now() > deadline) return job;
    await sleep(10);
  }
}

async function importKeys(client: DataExchangeClient, ids: RevisionIds, keys: readonly string[]): Promise<GetJobCommandOutput> {
  const jobId = await createImportJob(client, ids, keys);
  await client.send(new StartJobCommand({ JobId: jobId }));
  return waitForJob(client, jobId);
}

async function assetNames(client: DataExchangeClient, ids: RevisionIds, pageSize = 200): Promise<string[]> {
  const names: string[] = [];
  const pages = paginateListRevisionAssets({ client, pageSize }, { DataSetId: ids.dataSetId, RevisionId: ids.revisionId });
  for await (const page of pages) names.push(...(page.Assets ?? []).map((asset) => asset.Name!));
  return names;
}

const tempDir = () => mkdtemp(join(tmpdir(), 'dx-flow-adx-'));

beforeAll(async () => {
  s3Stub = await startStubS3();
  sourceS3 = new S3Client({
    endpoint: s3Stub.endpoint,
    forcePathStyle: true,
    region: SANDBOX_REGION,
    credentials: { accessKeyId: PROVIDER_ACCOUNT.accessKeyId, secretAccessKey: PROVIDER_ACCOUNT.secretAccessKey },
  });
});

afterAll(async () => {
  sourceS3.destroy();
  await s3Stub.close();
  process.env = savedEnv;
});

describe('the Data Exchange emulator', () => {
  let sandbox: Sandbox;
  let client: DataExchangeClient;

  beforeAll(async () => {
    sandbox = await startSandbox(await tempDir());
    client = sandbox.client;
  });

  afterAll(async () => {
    await stopSandbox(sandbox);
    await rm(sandbox.dir, { recursive: true, force: true });
  });

  afterEach(() => sandbox.faults.clear());

  describe('data sets and revisions', () => {
    it('creates a data set with every documented field, ids and ARNs shaped like AWS', async () => {
      const created = await client.send(
        new CreateDataSetCommand({ Name: 'sales', Description: 'daily sales', AssetType: 'S3_SNAPSHOT', Tags: { team: 'data' } }),
      );

      expect(created.$metadata.httpStatusCode).toBe(201);
      expect(created).toMatchObject({
        Id: expect.stringMatching(HEX_ID),
        Arn: `arn:aws:dataexchange:${SANDBOX_REGION}:${PROVIDER_ACCOUNT.accountId}:data-sets/${created.Id}`,
        Name: 'sales',
        Description: 'daily sales',
        AssetType: 'S3_SNAPSHOT',
        Origin: 'OWNED',
        Tags: { team: 'data' },
        CreatedAt: expect.any(Date),
        UpdatedAt: expect.any(Date),
      });
      await expect(client.send(new GetDataSetCommand({ DataSetId: created.Id }))).resolves.toMatchObject({ Id: created.Id, Name: 'sales' });
      const listed = await client.send(new ListDataSetsCommand({ Origin: 'OWNED', MaxResults: 200 }));
      expect(listed.DataSets?.[0]).toMatchObject({ Id: created.Id, Origin: 'OWNED' });
    });

    it('refuses an event action on a data set that does not exist with ValidationException, an error its model lists', async () => {
      const missing = '0123456789abcdef0123456789abcdef';

      const creating = client.send(
        new CreateEventActionCommand({
          Event: { RevisionPublished: { DataSetId: missing } },
          Action: { ExportRevisionToS3: { RevisionDestination: { Bucket: 'b', KeyPattern: '${Revision.CreatedAt}/${Asset.Name}' } } },
        }),
      );

      await expect(creating).rejects.toBeInstanceOf(ValidationException);
      await expect(creating).rejects.toThrow(missing);
    });

    it('creates a revision with its tags, and updates its comment', async () => {
      const dataSet = await client.send(new CreateDataSetCommand({ Name: 'd', Description: 'd', AssetType: 'S3_SNAPSHOT' }));
      const revision = await client.send(new CreateRevisionCommand({ DataSetId: dataSet.Id, Comment: 'first', Tags: { runId: 'r1' } }));

      expect(revision).toMatchObject({
        Id: expect.stringMatching(HEX_ID),
        Arn: `${dataSet.Arn}/revisions/${revision.Id}`,
        DataSetId: dataSet.Id,
        Comment: 'first',
        Finalized: false,
        Revoked: false,
        Tags: { runId: 'r1' },
        CreatedAt: expect.any(Date),
      });
      await client.send(new TagResourceCommand({ ResourceArn: revision.Arn, Tags: { stage: 'test' } }));
      await expect(client.send(new ListTagsForResourceCommand({ ResourceArn: revision.Arn }))).resolves.toMatchObject({
        Tags: { runId: 'r1', stage: 'test' },
      });
      const updated = await client.send(new UpdateRevisionCommand({ DataSetId: dataSet.Id, RevisionId: revision.Id, Comment: 'second' }));
      expect(updated).toMatchObject({ Comment: 'second', Finalized: false });
      await expect(client.send(new GetRevisionCommand({ DataSetId: dataSet.Id, RevisionId: revision.Id }))).resolves.toMatchObject({
        Comment: 'second',
      });
    });

    it('pages ListDataSetRevisions with NextToken, newest first', async () => {
      const dataSet = await client.send(new CreateDataSetCommand({ Name: 'd', Description: 'd', AssetType: 'S3_SNAPSHOT' }));
      const ids: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        ids.push((await client.send(new CreateRevisionCommand({ DataSetId: dataSet.Id, Comment: `r${i}` }))).Id!);
      }

      const pages = [];
      for await (const page of paginateListDataSetRevisions({ client, pageSize: 2 }, { DataSetId: dataSet.Id })) pages.push(page);

      expect(pages.map((page) => page.Revisions?.length)).toEqual([2, 2, 1]);
      expect(pages[0].NextToken).toEqual(expect.any(String));
      expect(pages[2].NextToken).toBeUndefined();
      expect(pages.flatMap((page) => page.Revisions!.map((revision) => revision.Id))).toEqual([...ids].reverse());
    });
  });

  describe('import jobs', () => {
    it('keeps a job WAITING until StartJob, then imports every object as an asset named after its key', async () => {
      const ids = await newRevision(client);
      const keys = putObjects('happy', 3, 1000);
      const jobId = await createImportJob(client, ids, keys);

      await sleep(JOB_DELAY_MS * 3);
      const waiting = await client.send(new GetJobCommand({ JobId: jobId }));
      expect(waiting).toMatchObject({
        State: 'WAITING',
        Type: 'IMPORT_ASSETS_FROM_S3',
        Arn: `arn:aws:dataexchange:${SANDBOX_REGION}:${PROVIDER_ACCOUNT.accountId}:jobs/${jobId}`,
        Details: { ImportAssetsFromS3: importDetails(ids, keys) },
        Errors: [],
      });
      const started = await client.send(new StartJobCommand({ JobId: jobId }));
      expect(started.$metadata.httpStatusCode).toBe(202);
      // A loaded machine may already have finished the import by the time this GetJob lands.
      expect(['IN_PROGRESS', 'COMPLETED']).toContain((await client.send(new GetJobCommand({ JobId: jobId }))).State);

      await expect(waitForJob(client, jobId)).resolves.toMatchObject({ State: 'COMPLETED', Errors: [] });
      const { Assets } = await client.send(new ListRevisionAssetsCommand({ DataSetId: ids.dataSetId, RevisionId: ids.revisionId }));
      expect(Assets?.map((asset) => asset.Name)).toEqual([...keys].reverse());
      expect(Assets?.[0]).toMatchObject({
        Id: expect.stringMatching(HEX_ID),
        AssetType: 'S3_SNAPSHOT',
        AssetDetails: { S3SnapshotAsset: { Size: 1000 } },
        DataSetId: ids.dataSetId,
        RevisionId: ids.revisionId,
      });
      const asset = await client.send(
        new GetAssetCommand({ DataSetId: ids.dataSetId, RevisionId: ids.revisionId, AssetId: Assets![0].Id }),
      );
      expect(asset).toMatchObject({ Name: keys[2], Arn: expect.stringContaining(`/revisions/${ids.revisionId}/assets/${asset.Id}`) });
      const copied = await readFile(assetFile(join(sandbox.dir, 'assets'), PROVIDER_ACCOUNT.accountId, ids.revisionId, asset.Id!));
      expect(copied.equals(objects.get(`${BUCKET}/${keys[2]}`)!)).toBe(true);
    });

    it('copies a multi-megabyte object byte for byte', async () => {
      const ids = await newRevision(client);
      const [key] = putObjects('large', 1);
      objects.set(`${BUCKET}/${key}`, randomBytes(6 * 1024 * 1024));

      await expect(importKeys(client, ids, [key])).resolves.toMatchObject({ State: 'COMPLETED' });

      const [asset] = (await client.send(new ListRevisionAssetsCommand({ DataSetId: ids.dataSetId, RevisionId: ids.revisionId }))).Assets!;
      expect(asset.AssetDetails?.S3SnapshotAsset?.Size).toBe(6 * 1024 * 1024);
      const copied = await readFile(assetFile(join(sandbox.dir, 'assets'), PROVIDER_ACCOUNT.accountId, ids.revisionId, asset.Id!));
      expect(copied.equals(objects.get(`${BUCKET}/${key}`)!)).toBe(true);
    });

    it('refuses to start a job that is not WAITING', async () => {
      const ids = await newRevision(client);
      const jobId = await createImportJob(client, ids, putObjects('twice', 1));
      await client.send(new StartJobCommand({ JobId: jobId }));

      await expect(client.send(new StartJobCommand({ JobId: jobId }))).rejects.toMatchObject({
        name: 'ConflictException',
        ResourceId: jobId,
        ResourceType: 'JOB',
        $metadata: { httpStatusCode: 409 },
      });
      await waitForJob(client, jobId);
    });

    it(`refuses an import job of more than ${MAX_ASSETS_PER_IMPORT_JOB} assets`, async () => {
      const ids = await newRevision(client);

      const creating = createImportJob(client, ids, putObjects('too-many', MAX_ASSETS_PER_IMPORT_JOB + 1));

      await expect(creating).rejects.toBeInstanceOf(ValidationException);
      await expect(creating).rejects.toThrow(/AssetSources: at most 100 asset sources per import job/);
      await expect(createImportJob(client, ids, putObjects('just-enough', MAX_ASSETS_PER_IMPORT_JOB))).resolves.toMatch(HEX_ID);
    });

    it('fails the whole job on a missing key, naming the source, and lands nothing of it', async () => {
      const ids = await newRevision(client);
      const keys = [...putObjects('partial', 3), 'partial/missing.csv'];

      const job = await importKeys(client, ids, keys);

      expect(job.State).toBe('ERROR');
      expect(job.Errors).toEqual([
        {
          Code: 'RESOURCE_NOT_FOUND_EXCEPTION',
          Message: `The object s3://${BUCKET}/partial/missing.csv does not exist.`,
          ResourceId: 'partial/missing.csv',
          ResourceType: 'ASSET',
          Details: { ImportAssetsFromS3JobErrorDetails: [{ Bucket: BUCKET, Key: 'partial/missing.csv' }] },
        },
      ]);
      await expect(assetNames(client, ids)).resolves.toEqual([]);
      const copies = await readdir(join(sandbox.dir, 'assets', PROVIDER_ACCOUNT.accountId, ids.revisionId)).catch(() => []);
      expect(copies).toEqual([]);
    });

    it('reports every missing key of a failed job', async () => {
      const ids = await newRevision(client);
      const keys = [...putObjects('many', 20), 'many/missing-1.csv', 'many/missing-2.csv'];

      const job = await importKeys(client, ids, keys);

      expect(job.State).toBe('ERROR');
      expect(job.Errors?.map((error) => error.ResourceId).sort()).toEqual(['many/missing-1.csv', 'many/missing-2.csv']);
      await expect(assetNames(client, ids)).resolves.toEqual([]);
    });

    it('imports a key already in the revision as a second asset of the same name, as AWS does', async () => {
      const ids = await newRevision(client);
      const keys = putObjects('again', 1);

      await importKeys(client, ids, keys);
      await importKeys(client, ids, keys);

      await expect(assetNames(client, ids)).resolves.toEqual([keys[0], keys[0]]);
    });

    it('cancels only a WAITING job', async () => {
      const ids = await newRevision(client);
      const jobId = await createImportJob(client, ids, putObjects('cancel', 1));

      const cancelled = await client.send(new CancelJobCommand({ JobId: jobId }));

      expect(cancelled.$metadata.httpStatusCode).toBe(204);
      await expect(client.send(new GetJobCommand({ JobId: jobId }))).resolves.toMatchObject({ State: 'CANCELLED' });
      await expect(client.send(new CancelJobCommand({ JobId: jobId }))).rejects.toBeInstanceOf(ConflictException);
      await expect(client.send(new StartJobCommand({ JobId: jobId }))).rejects.toBeInstanceOf(ConflictException);
    });

    it('lists jobs by revision, newest first, across pages', async () => {
      const ids = await newRevision(client);
      const other = await newRevision(client);
      const jobIds: string[] = [];
      for (let i = 0; i < 3; i += 1) jobIds.push(await createImportJob(client, ids, putObjects(`list-${i}`, 1)));
      await createImportJob(client, other, putObjects('list-other', 1));

      const listed: string[] = [];
      const pages = paginateListJobs({ client, pageSize: 2 }, { DataSetId: ids.dataSetId, RevisionId: ids.revisionId });
      for await (const page of pages) listed.push(...page.Jobs!.map((job) => job.Id!));

      expect(listed).toEqual([...jobIds].reverse());
      const byDataSet = await client.send(new ListJobsCommand({ DataSetId: other.dataSetId }));
      expect(byDataSet.Jobs).toHaveLength(1);
    });
  });

  describe('finalizing', () => {
    it('refuses to finalize an empty revision', async () => {
      const ids = await newRevision(client);

      const finalizing = client.send(new UpdateRevisionCommand({ DataSetId: ids.dataSetId, RevisionId: ids.revisionId, Finalized: true }));

      await expect(finalizing).rejects.toBeInstanceOf(ValidationException);
      await expect(finalizing).rejects.toThrow(/no assets/);
    });

    it('finalizes a revision with assets, then refuses imports into it and changes to it', async () => {
      const ids = await newRevision(client);
      await importKeys(client, ids, putObjects('final', 2));
      const waiting = await createImportJob(client, ids, putObjects('final-late', 1));

      const finalized = await client.send(
        new UpdateRevisionCommand({ DataSetId: ids.dataSetId, RevisionId: ids.revisionId, Finalized: true }),
      );

      expect(finalized).toMatchObject({ Finalized: true, Id: ids.revisionId });
      await expect(createImportJob(client, ids, putObjects('final-more', 1))).rejects.toMatchObject({
        name: 'ConflictException',
        ResourceType: 'REVISION',
        ResourceId: ids.revisionId,
      });
      await expect(client.send(new StartJobCommand({ JobId: waiting }))).rejects.toBeInstanceOf(ConflictException);
      await expect(
        client.send(new UpdateRevisionCommand({ DataSetId: ids.dataSetId, RevisionId: ids.revisionId, Comment: 'changed' })),
      ).rejects.toBeInstanceOf(ConflictException);
      await expect(assetNames(client, ids)).resolves.toHaveLength(2);
    });
  });

  describe('errors', () => {
    it('answers unknown ids with ResourceNotFoundException naming the resource', async () => {
      const ids = await newRevision(client);
      const unknown = 'f'.repeat(32);

      await expect(client.send(new GetDataSetCommand({ DataSetId: unknown }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        ResourceId: unknown,
        ResourceType: 'DATA_SET',
        message: expect.stringContaining(unknown),
        $metadata: { httpStatusCode: 404 },
      });
      await expect(client.send(new GetRevisionCommand({ DataSetId: ids.dataSetId, RevisionId: unknown }))).rejects.toMatchObject({
        ResourceType: 'REVISION',
      });
      await expect(
        client.send(new GetAssetCommand({ DataSetId: ids.dataSetId, RevisionId: ids.revisionId, AssetId: unknown })),
      ).rejects.toMatchObject({ ResourceType: 'ASSET' });
      await expect(client.send(new GetJobCommand({ JobId: unknown }))).rejects.toMatchObject({ ResourceType: 'JOB' });
      await expect(client.send(new GetDataGrantCommand({ DataGrantId: unknown }))).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(createImportJob(client, { dataSetId: ids.dataSetId, revisionId: unknown }, ['k'])).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        ResourceType: 'REVISION',
      });
    });

    it('answers malformed requests with ValidationException naming the field', async () => {
      await expect(client.send(new GetDataSetCommand({ DataSetId: 'not-an-id' }))).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining('DataSetId "not-an-id"'),
        $metadata: { httpStatusCode: 400 },
      });
      await expect(client.send(new CreateDataSetCommand({ Description: 'd', AssetType: 'S3_SNAPSHOT' } as never))).rejects.toThrow(
        /Name: is required/,
      );
      const ids = await newRevision(client);
      await expect(
        client.send(new UpdateRevisionCommand({ DataSetId: ids.dataSetId, RevisionId: ids.revisionId, Finalized: 'yes' as never })),
      ).rejects.toThrow(/Finalized: must be a boolean/);
      await expect(
        client.send(new ListRevisionAssetsCommand({ DataSetId: ids.dataSetId, RevisionId: ids.revisionId, MaxResults: 500 })),
      ).rejects.toThrow(/maxResults must be a whole number from 1 to 200/);
      await expect(client.send(new ListJobsCommand({ NextToken: 'forged' }))).rejects.toThrow(/nextToken/);
    });

    it('answers a body that is not JSON with ValidationException', async () => {
      const response = await fetch(`${sandbox.emulator.endpoint}/v1/data-sets`, { method: 'POST', body: '{"Name": ' });

      expect(response.status).toBe(400);
      expect(response.headers.get('x-amzn-errortype')).toBe('ValidationException');
      await expect(response.json()).resolves.toEqual({ Message: 'The request body is not valid JSON.' });
    });
  });

  describe('data grants', () => {
    it('creates a grant pending the receiver, and lists and gets it', async () => {
      const { dataSetId } = await newRevision(client);
      const endsAt = new Date('2030-01-01T00:00:00Z');

      const grant = await client.send(
        new CreateDataGrantCommand({
          Name: 'to subscriber',
          GrantDistributionScope: 'NONE',
          ReceiverPrincipal: SUBSCRIBER_ACCOUNT.accountId,
          SourceDataSetId: dataSetId,
          EndsAt: endsAt,
          Description: 'daily sales',
        }),
      );

      expect(grant).toMatchObject({
        Id: expect.stringMatching(HEX_ID),
        Arn: `arn:aws:dataexchange:${SANDBOX_REGION}:${PROVIDER_ACCOUNT.accountId}:data-grants/${grant.Id}`,
        AcceptanceState: 'PENDING_RECEIVER_ACCEPTANCE',
        GrantDistributionScope: 'NONE',
        ReceiverPrincipal: SUBSCRIBER_ACCOUNT.accountId,
        SenderPrincipal: PROVIDER_ACCOUNT.accountId,
        SourceDataSetId: dataSetId,
        DataSetId: dataSetId,
        EndsAt: endsAt,
        CreatedAt: expect.any(Date),
      });
      await expect(client.send(new GetDataGrantCommand({ DataGrantId: grant.Id }))).resolves.toMatchObject({
        Id: grant.Id,
        Description: 'daily sales',
      });
      const { DataGrantSummaries } = await client.send(new ListDataGrantsCommand({ MaxResults: 200 }));
      expect(DataGrantSummaries?.find((summary) => summary.Id === grant.Id)).toMatchObject({ SourceDataSetId: dataSetId });
    });

    it('refuses a grant to a principal that is not an account id', async () => {
      const { dataSetId } = await newRevision(client);

      const granting = client.send(
        new CreateDataGrantCommand({ Name: 'g', GrantDistributionScope: 'NONE', ReceiverPrincipal: 'someone', SourceDataSetId: dataSetId }),
      );

      await expect(granting).rejects.toThrow(/ReceiverPrincipal: must be a 12-digit AWS account id/);
    });
  });

  describe('fault injection', () => {
    it('throws ThrottlingException twice on CreateRevision, then lets the call through', async () => {
      const { dataSetId } = await newRevision(client);
      sandbox.faults.add([{ service: 'dataexchange', operation: 'CreateRevision', error: 'ThrottlingException', times: 2, after: 0 }]);

      const attempt = () => client.send(new CreateRevisionCommand({ DataSetId: dataSetId }));

      await expect(attempt()).rejects.toBeInstanceOf(ThrottlingException);
      await expect(attempt()).rejects.toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 429 } });
      await expect(attempt()).resolves.toMatchObject({ DataSetId: dataSetId });
    });

    it('gives an injected ServiceLimitExceededException on StartJob the LimitName of import jobs in progress', async () => {
      const ids = await newRevision(client);
      const jobId = await createImportJob(client, ids, putObjects('limit-fault', 1));
      sandbox.faults.add([{ service: 'dataexchange', operation: 'StartJob', error: 'ServiceLimitExceededException', times: 1, after: 0 }]);

      await expect(client.send(new StartJobCommand({ JobId: jobId }))).rejects.toMatchObject({
        name: 'ServiceLimitExceededException',
        LimitName: CONCURRENT_IMPORT_JOBS_LIMIT_NAME,
        $metadata: { httpStatusCode: 402 },
      });
      await expect(client.send(new GetJobCommand({ JobId: jobId }))).resolves.toMatchObject({ State: 'WAITING' });
    });

    it('forces an import job to ERROR', async () => {
      const ids = await newRevision(client);
      sandbox.faults.add([{ importJob: 'ERROR' }]);

      const job = await importKeys(client, ids, putObjects('forced', 2));

      expect(job.State).toBe('ERROR');
      expect(job.Errors?.[0]).toMatchObject({ Code: 'INTERNAL_SERVER_EXCEPTION', Message: expect.stringContaining('fault plan') });
      await expect(assetNames(client, ids)).resolves.toEqual([]);
    });

    it('delays a call by delayMs without failing it', async () => {
      const { dataSetId } = await newRevision(client);
      sandbox.faults.add([{ service: 'dataexchange', operation: 'GetDataSet', delayMs: 300, times: 1, after: 0 }]);
      const started = Date.now();

      await expect(client.send(new GetDataSetCommand({ DataSetId: dataSetId }))).resolves.toMatchObject({ Id: dataSetId });

      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    });
  });

  describe('accounts', () => {
    it("shows the subscriber none of the provider's data", async () => {
      const { dataSetId } = await newRevision(client);
      const subscriber = await clientFor(SUBSCRIBER_ACCOUNT, sandbox.emulator.endpoint);

      try {
        await expect(subscriber.send(new ListDataSetsCommand({}))).resolves.toMatchObject({ DataSets: [] });
        await expect(subscriber.send(new GetDataSetCommand({ DataSetId: dataSetId }))).rejects.toBeInstanceOf(ResourceNotFoundException);
        await expect(subscriber.send(new ListJobsCommand({}))).resolves.toMatchObject({ Jobs: [] });
        await expect(subscriber.send(new ListDataGrantsCommand({}))).resolves.toMatchObject({ DataGrantSummaries: [] });
      } finally {
        subscriber.destroy();
      }
    });
  });
});

describe('the Data Exchange emulator at its quotas', () => {
  let sandbox: Sandbox;

  beforeEach(async () => {
    sandbox = await startSandbox(await tempDir());
  });

  afterEach(async () => {
    await stopSandbox(sandbox);
    await rm(sandbox.dir, { recursive: true, force: true });
  });

  it(`starts at most ${MAX_CONCURRENT_IMPORT_JOBS} import jobs at once, and keeps a STUCK job IN_PROGRESS`, async () => {
    const { client, faults } = sandbox;
    const ids = await newRevision(client);
    faults.add([{ importJob: 'STUCK' }]);
    const jobIds: string[] = [];
    for (let i = 0; i <= MAX_CONCURRENT_IMPORT_JOBS; i += 1) jobIds.push(await createImportJob(client, ids, putObjects(`quota-${i}`, 1)));
    for (const jobId of jobIds.slice(0, MAX_CONCURRENT_IMPORT_JOBS)) await client.send(new StartJobCommand({ JobId: jobId }));

    const starting = client.send(new StartJobCommand({ JobId: jobIds[MAX_CONCURRENT_IMPORT_JOBS] }));

    await expect(starting).rejects.toBeInstanceOf(ServiceLimitExceededException);
    await expect(starting).rejects.toMatchObject({
      LimitName: CONCURRENT_IMPORT_JOBS_LIMIT_NAME,
      LimitValue: MAX_CONCURRENT_IMPORT_JOBS,
      $metadata: { httpStatusCode: 402 },
    });
    await sleep(JOB_DELAY_MS * 5);
    await expect(client.send(new GetJobCommand({ JobId: jobIds[0] }))).resolves.toMatchObject({ State: 'IN_PROGRESS' });
    await expect(client.send(new GetJobCommand({ JobId: jobIds[MAX_CONCURRENT_IMPORT_JOBS] }))).resolves.toMatchObject({
      State: 'WAITING',
    });
  });

  it(`fails an import that would take a revision past ${MAX_ASSETS_PER_REVISION} assets, and pages through all of them`, async () => {
    const ids = await newRevision(sandbox.client);
    await importKeys(sandbox.client, ids, putObjects('seed', 1));
    await stopSandbox(sandbox);
    // Fill the revision through its saved part: ten thousand real imports would take too long for a unit test.
    const index = JSON.parse(await readFile(join(sandbox.dir, 'dataexchange.json'), 'utf8')) as { partFiles: Record<string, string> };
    const partFile = join(sandbox.dir, 'dataexchange', index.partFiles[partKey(PROVIDER_ACCOUNT.accountId, ids.revisionId)]);
    const part = JSON.parse(await readFile(partFile, 'utf8')) as RevisionPart;
    const [seed] = part.assets;
    for (let i = 1; i < MAX_ASSETS_PER_REVISION; i += 1) {
      const id = i.toString(16).padStart(32, '0');
      part.assets.push({ ...seed, Id: id, Arn: seed.Arn.replace(seed.Id, id), Name: `bulk/${String(i).padStart(5, '0')}.csv` });
    }
    await writeFile(partFile, JSON.stringify(part));
    sandbox = await startSandbox(sandbox.dir);

    const names = await assetNames(sandbox.client, ids);
    const job = await importKeys(sandbox.client, ids, putObjects('one-too-many', 1));

    expect(names).toHaveLength(MAX_ASSETS_PER_REVISION);
    expect(names).toEqual([...names].sort().reverse());
    expect(job.State).toBe('ERROR');
    expect(job.Errors).toEqual([
      expect.objectContaining({
        Code: 'SERVICE_QUOTA_EXCEEDED_EXCEPTION',
        LimitName: 'Assets per revision',
        LimitValue: MAX_ASSETS_PER_REVISION,
        ResourceId: ids.revisionId,
        ResourceType: 'REVISION',
      }),
    ]);
    await expect(assetNames(sandbox.client, ids)).resolves.toHaveLength(MAX_ASSETS_PER_REVISION);
  });
});

describe('the Data Exchange emulator across restarts', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await tempDir();
  });

  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps data sets, revisions, assets and jobs in its state file', async () => {
    let sandbox = await startSandbox(dir);
    const ids = await newRevision(sandbox.client);
    const keys = putObjects('persist', 2);
    const done = await importKeys(sandbox.client, ids, keys);
    const second = await sandbox.client.send(
      new CreateRevisionCommand({ DataSetId: ids.dataSetId, Comment: 'run r2', Tags: { runId: 'r2' } }),
    );
    const waiting = await createImportJob(sandbox.client, { dataSetId: ids.dataSetId, revisionId: second.Id! }, keys);
    await stopSandbox(sandbox);

    sandbox = await startSandbox(dir);
    try {
      const revisions = [];
      for await (const page of paginateListDataSetRevisions({ client: sandbox.client }, { DataSetId: ids.dataSetId })) {
        revisions.push(...page.Revisions!);
      }
      expect(revisions.map((revision) => [revision.Id, revision.Comment])).toEqual([
        [second.Id, 'run r2'],
        [ids.revisionId, 'run r1'],
      ]);
      await expect(sandbox.client.send(new GetJobCommand({ JobId: done.Id }))).resolves.toMatchObject({ State: 'COMPLETED' });
      await expect(sandbox.client.send(new GetJobCommand({ JobId: waiting }))).resolves.toMatchObject({ State: 'WAITING' });
      await expect(assetNames(sandbox.client, ids)).resolves.toEqual([...keys].reverse());
      await expect(sandbox.client.send(new ListTagsForResourceCommand({ ResourceArn: second.Arn }))).resolves.toMatchObject({
        Tags: { runId: 'r2' },
      });
    } finally {
      await stopSandbox(sandbox);
    }
  });

  it('runs again, after a restart, an import that was in progress when it closed', async () => {
    let sandbox = await startSandbox(dir, 60_000);
    const ids = await newRevision(sandbox.client);
    const keys = putObjects('resume', 2);
    const jobId = await createImportJob(sandbox.client, ids, keys);
    await sandbox.client.send(new StartJobCommand({ JobId: jobId }));
    await stopSandbox(sandbox);

    sandbox = await startSandbox(dir);
    try {
      await expect(waitForJob(sandbox.client, jobId)).resolves.toMatchObject({ State: 'COMPLETED' });
      await expect(assetNames(sandbox.client, ids)).resolves.toEqual([...keys].reverse());
    } finally {
      await stopSandbox(sandbox);
    }
  });
});
