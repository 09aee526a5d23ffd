import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateDataSetCommand,
  CreateJobCommand,
  CreateRevisionCommand,
  DataExchangeClient,
  GetJobCommand,
  type GetJobCommandOutput,
  ListRevisionAssetsCommand,
  StartJobCommand,
} from '@aws-sdk/client-dataexchange';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createS3Client } from '../../shared/clients/s3';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from '../../sandbox/accounts';
import { assetFile } from '../../sandbox/dataexchange/jobs';
import { type RunningDataExchangeEmulator, startDataExchangeEmulator } from '../../sandbox/dataexchange/server';
import { FaultInjector } from '../../sandbox/faults';
import { type RunningS3, startS3 } from '../../sandbox/s3/server';

/*
 * The embedded S3's objects read in-process, as the sandbox's import jobs read their sources: the copy is the
 * object's bytes and stays so, and a missing object fails as GetObject and HeadObject fail.
 */

const BUCKET = 'dx-flow-sandbox-data';

describe("the embedded S3's object files", () => {
  const faults = new FaultInjector();
  let directory: string;
  let s3Server: RunningS3;
  let s3: S3Client;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'dx-flow-object-files-'));
    s3Server = await startS3({ directory: join(directory, 's3'), faults });
    jest.replaceProperty(process, 'env', {
      ...process.env,
      AWS_ENDPOINT_URL_S3: s3Server.endpoint,
      AWS_REGION: SANDBOX_REGION,
      AWS_ACCESS_KEY_ID: PROVIDER_ACCOUNT.accessKeyId,
      AWS_SECRET_ACCESS_KEY: PROVIDER_ACCOUNT.secretAccessKey,
    });
    s3 = createS3Client({ maxAttempts: 1, checksums: 'WHEN_REQUIRED' });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  afterAll(async () => {
    s3.destroy();
    await s3Server.close();
    await rm(directory, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it('copies an object into a file of its own, which a later overwrite and delete of the object leave alone', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copies/a.csv', Body: 'id,value\n1,first\n' }));
    const file = join(directory, 'copy-of-a');

    await s3Server.objects.copyTo({ Bucket: BUCKET, Key: 'copies/a.csv' }, file);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copies/a.csv', Body: 'overwritten' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'copies/a.csv' }));

    expect(await readFile(file, 'utf8')).toBe('id,value\n1,first\n');
  });

  it.each([
    ['a missing key', BUCKET, 'copies/missing.csv', 'NoSuchKey'],
    ['a missing bucket', 'no-such-bucket', 'copies/a.csv', 'NoSuchBucket'],
    ['a key that climbs out of its bucket', BUCKET, '../../s3/incoming/x', 'NoSuchKey'],
  ])('fails on %s as GetObject and HeadObject do, with a 404', async (_case, Bucket, Key, name) => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copies/present.csv', Body: 'x' }));

    await expect(s3Server.objects.copyTo({ Bucket, Key }, join(directory, 'never'))).rejects.toMatchObject({
      name,
      $metadata: { httpStatusCode: 404 },
    });
    await expect(s3Server.objects.check({ Bucket, Key })).rejects.toMatchObject({ name: 'NotFound', $metadata: { httpStatusCode: 404 } });
  });

  it('checks a present object without copying it', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'copies/checked.csv', Body: 'x' }));

    await expect(s3Server.objects.check({ Bucket: BUCKET, Key: 'copies/checked.csv' })).resolves.toBeUndefined();
  });

  describe('as the source reader of import jobs', () => {
    let emulator: RunningDataExchangeEmulator;
    let dataExchange: DataExchangeClient;

    beforeAll(async () => {
      emulator = await startDataExchangeEmulator({
        stateFile: join(directory, 'dataexchange.json'),
        assetDir: join(directory, 'assets'),
        faults,
        s3,
        sourceReader: s3Server.objects,
        jobDelayMs: 5,
      });
      dataExchange = new DataExchangeClient({ maxAttempts: 1, endpoint: emulator.endpoint });
    });

    afterAll(async () => {
      dataExchange.destroy();
      await emulator.close();
    });

    async function runImport(keys: readonly string[]): Promise<{ job: GetJobCommandOutput; dataSetId: string; revisionId: string }> {
      const dataSet = await dataExchange.send(new CreateDataSetCommand({ Name: 'sales', Description: 'daily sales', AssetType: 'S3_SNAPSHOT' }));
      const revision = await dataExchange.send(new CreateRevisionCommand({ DataSetId: dataSet.Id }));
      const created = await dataExchange.send(
        new CreateJobCommand({
          Type: 'IMPORT_ASSETS_FROM_S3',
          Details: {
            ImportAssetsFromS3: { DataSetId: dataSet.Id, RevisionId: revision.Id, AssetSources: keys.map((Key) => ({ Bucket: BUCKET, Key })) },
          },
        }),
      );
      await dataExchange.send(new StartJobCommand({ JobId: created.Id }));
      for (;;) {
        const job = await dataExchange.send(new GetJobCommand({ JobId: created.Id }));
        if (job.State !== 'WAITING' && job.State !== 'IN_PROGRESS') return { job, dataSetId: dataSet.Id!, revisionId: revision.Id! };
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }

    it("imports copies of the sources' bytes, which outlive an overwrite of the sources", async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'import/one.csv', Body: 'one' }));
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'import/two.csv', Body: 'two!' }));

      const { job, dataSetId, revisionId } = await runImport(['import/one.csv', 'import/two.csv']);
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'import/one.csv', Body: 'changed' }));

      expect(job.State).toBe('COMPLETED');
      const { Assets: assets = [] } = await dataExchange.send(new ListRevisionAssetsCommand({ DataSetId: dataSetId, RevisionId: revisionId }));
      const stored = await Promise.all(
        assets.map(async (asset) => [asset.Name, asset.AssetDetails?.S3SnapshotAsset?.Size, await readFile(assetFile(join(directory, 'assets'), PROVIDER_ACCOUNT.accountId, revisionId, asset.Id!), 'utf8')]),
      );
      expect(stored).toEqual([
        ['import/two.csv', 4, 'two!'],
        ['import/one.csv', 3, 'one'],
      ]);
    });

    it('fails a job with a missing source, naming every missing key', async () => {
      await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'partial/present.csv', Body: 'here' }));

      const { job } = await runImport(['partial/present.csv', 'partial/missing-1.csv', 'partial/missing-2.csv']);

      expect(job.State).toBe('ERROR');
      expect(job.Errors?.map((error) => [error.Code, error.Message, error.ResourceId]).sort()).toEqual([
        ['RESOURCE_NOT_FOUND_EXCEPTION', `The object s3://${BUCKET}/partial/missing-1.csv does not exist.`, 'partial/missing-1.csv'],
        ['RESOURCE_NOT_FOUND_EXCEPTION', `The object s3://${BUCKET}/partial/missing-2.csv does not exist.`, 'partial/missing-2.csv'],
      ]);
    });
  });
});
