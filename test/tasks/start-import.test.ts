import { Readable } from 'node:stream';
import {
  CancelJobCommand,
  ConflictException,
  CreateJobCommand,
  DataExchangeClient,
  GetJobCommand,
  ListJobsCommand,
  type JobEntry,
  ListRevisionAssetsCommand,
  StartJobCommand,
  type State,
} from '@aws-sdk/client-dataexchange';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/util-stream';
import { mockClient } from 'aws-sdk-client-mock';
import { assetNamed } from '../fixtures/adx';
import { CONCURRENT_IMPORT_JOBS_LIMIT_NAME } from '../../shared/limits';
import { startImport } from '../../tasks/start-import/core';
import { handler } from '../../tasks/start-import/handler';
import { awsError, BUCKET, DATA_SET_ID, JOB_ID, REVISION_ID, RUN_ID } from '../fixtures/ids';

const dataExchange = mockClient(DataExchangeClient);
const s3 = mockClient(S3Client);

const EARLIER_JOB_ID = '22223333444455556666777788889999';
const key = (i: number) => `data/${RUN_ID}/part-${String(i).padStart(5, '0')}.csv`;
/** Batch 1 of part 1: keys 2, 3 and 4; keys 0 and 1 are batch 0's. */
const BATCH_KEYS = [key(2), key(3), key(4)];
const BATCH_0_KEYS = [key(0), key(1)];
const batchKeyOf = (index: number) => `manifests/runs/${RUN_ID}/batches/1-${index}.json`;
const BATCH_KEY = batchKeyOf(1);

const input = () => ({
  runId: RUN_ID,
  bucket: BUCKET,
  datasetId: DATA_SET_ID,
  revisionId: REVISION_ID,
  batch: { part: 1, index: 1, count: 3, bytes: 300 },
});
const batchFile = (runId = RUN_ID, index = 1, keys = BATCH_KEYS) => ({
  version: 2,
  runId,
  bucket: BUCKET,
  part: 1,
  index,
  assets: keys.map((k, i) => ({ key: k, bytes: 100, generated: { seed: i, records: 10 } })),
});
const body = (json: unknown) => sdkStreamMixin(Readable.from([JSON.stringify(json)]));
const CREATED_AT = new Date('2026-11-30T00:00:00Z');
/** ListJobs of the revision, every page: how StartImport looks for the batch's earlier jobs. */
const REVISION_JOBS_REQUEST = { DataSetId: DATA_SET_ID, RevisionId: REVISION_ID };
/** ListJobs of the whole data set, one page: how StartImport asks for the recent jobs it learns the first wait from. */
const RECENT_JOBS_REQUEST = { DataSetId: DATA_SET_ID, MaxResults: 50 };
/** What ADX answers StartJob or CancelJob on a job that is no longer WAITING. */
const conflict = (jobId: string) =>
  new ConflictException({ message: 'job is IN_PROGRESS', Message: 'job is IN_PROGRESS', ResourceId: jobId, ResourceType: 'JOB', $metadata: {} });
const importJob = (id: string, state: State, keys: readonly string[], bucket = BUCKET): JobEntry => ({
  Id: id,
  Arn: `arn:aws:dataexchange:us-east-1:123456789012:jobs/${id}`,
  Type: 'IMPORT_ASSETS_FROM_S3',
  State: state,
  CreatedAt: CREATED_AT,
  UpdatedAt: CREATED_AT,
  Details: {
    ImportAssetsFromS3: { DataSetId: DATA_SET_ID, RevisionId: REVISION_ID, AssetSources: keys.map((k) => ({ Bucket: bucket, Key: k })) },
  },
});

describe('start-import', () => {
  /** ListJobs finds no job of the batch, then, after this invocation's CreateJob, `jobs`: a concurrent execution's race. */
  const listsAfterCreate = (...jobs: JobEntry[]) => dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolvesOnce({ Jobs: [] }).resolvesOnce({ Jobs: jobs });

  beforeEach(() => {
    dataExchange.reset();
    s3.reset();
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: BATCH_KEY }).callsFake(() => ({ Body: body(batchFile()) }));
    dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: [] });
    dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [] });
    // The data set's recent jobs, which the first wait is learned from: none yet, unless a test says otherwise.
    dataExchange.on(ListJobsCommand, RECENT_JOBS_REQUEST).resolves({ Jobs: [] });
    dataExchange.on(CreateJobCommand).resolves({ Id: JOB_ID, State: 'WAITING' });
    dataExchange.on(StartJobCommand).resolves({});
  });

  it("creates and starts one import job for the keys of the batch's file, without listing the revision's assets", async () => {
    const output = await handler(input());

    expect(output).toEqual({ batchIndex: 1, jobId: JOB_ID, state: 'IN_PROGRESS', submitted: 3, skipped: 0, pollCount: 0, waitSeconds: 40, firstWaitSeconds: 40 });
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: BATCH_KEY });
    expect(dataExchange).toHaveReceivedCommandWith(ListJobsCommand, { DataSetId: DATA_SET_ID, RevisionId: REVISION_ID });
    expect(dataExchange).not.toHaveReceivedCommand(ListRevisionAssetsCommand);
    expect(dataExchange).toHaveReceivedCommandWith(CreateJobCommand, {
      Type: 'IMPORT_ASSETS_FROM_S3',
      Details: {
        ImportAssetsFromS3: {
          DataSetId: DATA_SET_ID,
          RevisionId: REVISION_ID,
          AssetSources: BATCH_KEYS.map((k) => ({ Bucket: BUCKET, Key: k })),
        },
      },
    });
    expect(dataExchange).toHaveReceivedCommandWith(StartJobCommand, { JobId: JOB_ID });
  });

  it('waits the configured first poll interval while the data set has no completed import', async () => {
    const poll = { initialSeconds: 7, maxSeconds: 60, maxAttempts: 10, learnFromJobs: 10 };

    const output = await startImport(input(), { dataExchange: new DataExchangeClient({}), s3: new S3Client({}), poll });

    expect(output).toMatchObject({ waitSeconds: 7, firstWaitSeconds: 7 });
    expect(dataExchange).toHaveReceivedCommandWith(ListJobsCommand, RECENT_JOBS_REQUEST);
  });

  describe('the first wait learned from the data set\'s recent imports', () => {
    const poll = { initialSeconds: 40, maxSeconds: 60, maxAttempts: 10, learnFromJobs: 3 };
    const took = (id: string, seconds: number, state: State = 'COMPLETED', type: JobEntry['Type'] = 'IMPORT_ASSETS_FROM_S3'): JobEntry => ({
      ...importJob(id.padEnd(32, '0'), state, [key(9)]),
      Type: type,
      UpdatedAt: new Date(CREATED_AT.getTime() + seconds * 1000),
    });
    const start = () => startImport(input(), { dataExchange: new DataExchangeClient({}), s3: new S3Client({}), poll });

    it('is the median of the latest completed imports, rounded up, and the status carries it for CheckImport', async () => {
      // Arrange: newest first, as ListJobs lists them; the fourth completed import is past learnFromJobs.
      dataExchange.on(ListJobsCommand, RECENT_JOBS_REQUEST).resolves({
        Jobs: [took('a', 12.2), took('b', 30), took('c', 11), took('d', 500)],
      });

      // Act
      const output = await start();

      // Assert
      expect(output).toMatchObject({ state: 'IN_PROGRESS', waitSeconds: 13, firstWaitSeconds: 13 });
    });

    it('counts only completed imports: running, failed and export jobs say nothing about how long an import takes', async () => {
      // Arrange
      dataExchange.on(ListJobsCommand, RECENT_JOBS_REQUEST).resolves({
        Jobs: [took('a', 1, 'IN_PROGRESS'), took('b', 2, 'ERROR'), took('c', 3, 'COMPLETED', 'EXPORT_REVISIONS_TO_S3'), took('d', 25)],
      });

      // Act
      const output = await start();

      // Assert
      expect(output.firstWaitSeconds).toBe(25);
    });

    it('is the configured first wait, without listing, when learning is off', async () => {
      // Arrange
      dataExchange.on(ListJobsCommand, RECENT_JOBS_REQUEST).resolves({ Jobs: [took('a', 12)] });

      // Act
      const output = await startImport(input(), { dataExchange: new DataExchangeClient({}), s3: new S3Client({}), poll: { ...poll, learnFromJobs: 0 } });

      // Assert
      expect(output.firstWaitSeconds).toBe(40);
      expect(dataExchange).not.toHaveReceivedCommandWith(ListJobsCommand, RECENT_JOBS_REQUEST);
    });

    it('names ListJobs and the data set when the listing is refused', async () => {
      // Arrange
      dataExchange.on(ListJobsCommand, RECENT_JOBS_REQUEST).rejects(awsError('AccessDeniedException', 403));

      // Act
      const act = start();

      // Assert
      await expect(act).rejects.toThrow(`dataexchange:ListJobs on data set ${DATA_SET_ID}`);
    });
  });

  it("lists no assets while the revision has only other batches' jobs, since only a job of this batch puts its keys in", async () => {
    dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [importJob(EARLIER_JOB_ID, 'COMPLETED', [key(0), key(1)])] });

    await expect(handler(input())).resolves.toMatchObject({ jobId: JOB_ID, submitted: 3, skipped: 0 });
    expect(dataExchange).not.toHaveReceivedCommand(ListRevisionAssetsCommand);
  });

  it('lists no assets while the revision has only jobs of another type, which have no import sources', async () => {
    const exportJob: JobEntry = {
      ...importJob(EARLIER_JOB_ID, 'COMPLETED', []),
      Type: 'EXPORT_ASSETS_TO_S3',
      Details: { ExportAssetsToS3: { DataSetId: DATA_SET_ID, RevisionId: REVISION_ID, AssetDestinations: [] } },
    };
    dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [exportJob] });

    await expect(handler(input())).resolves.toMatchObject({ jobId: JOB_ID, submitted: 3, skipped: 0 });
    expect(dataExchange).not.toHaveReceivedCommand(ListRevisionAssetsCommand);
  });

  it('on a retry after a failed job of the batch, skips keys the revision already holds, reading every page of its assets', async () => {
    dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [importJob(EARLIER_JOB_ID, 'ERROR', BATCH_KEYS)] });
    dataExchange
      .on(ListRevisionAssetsCommand)
      .resolvesOnce({ Assets: [assetNamed(key(0)), assetNamed(key(1))], NextToken: 'page2' })
      .resolvesOnce({ Assets: [assetNamed(key(3))] });

    const output = await handler(input());

    expect(output).toMatchObject({ jobId: JOB_ID, submitted: 2, skipped: 1 });
    expect(dataExchange).toHaveReceivedCommandWith(ListRevisionAssetsCommand, { DataSetId: DATA_SET_ID, RevisionId: REVISION_ID, NextToken: 'page2' });
    expect(dataExchange).toHaveReceivedCommandWith(CreateJobCommand, {
      Details: { ImportAssetsFromS3: expect.objectContaining({ AssetSources: [{ Bucket: BUCKET, Key: key(2) }, { Bucket: BUCKET, Key: key(4) }] }) },
    });
  });

  it('creates no job, and waits for none, when a job of the batch already put every key in', async () => {
    dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [importJob(EARLIER_JOB_ID, 'COMPLETED', BATCH_KEYS)] });
    dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: BATCH_KEYS.map(assetNamed) });

    const output = await handler(input());

    expect(output).toEqual({ batchIndex: 1, jobId: null, state: 'COMPLETED', submitted: 0, skipped: 3, pollCount: 0, waitSeconds: 0, firstWaitSeconds: null });
    expect(dataExchange).toHaveReceivedCommandTimes(ListJobsCommand, 1);
    expect(dataExchange).not.toHaveReceivedCommand(CreateJobCommand);
    expect(dataExchange).not.toHaveReceivedCommand(StartJobCommand);
  });

  it('starts the WAITING job an earlier attempt created for the same keys instead of creating another', async () => {
    dataExchange
      .on(ListJobsCommand, REVISION_JOBS_REQUEST)
      .resolvesOnce({ Jobs: [importJob('errored0000000000000000000000000', 'ERROR', BATCH_KEYS)], NextToken: 'page2' })
      .resolvesOnce({ Jobs: [importJob(EARLIER_JOB_ID, 'WAITING', [...BATCH_KEYS].reverse())] });

    const output = await handler(input());

    expect(output).toMatchObject({ jobId: EARLIER_JOB_ID, state: 'IN_PROGRESS', submitted: 3, waitSeconds: 40 });
    expect(dataExchange).toHaveReceivedCommandWith(ListJobsCommand, { DataSetId: DATA_SET_ID, RevisionId: REVISION_ID, NextToken: 'page2' });
    expect(dataExchange).toHaveReceivedCommand(ListRevisionAssetsCommand);
    expect(dataExchange).toHaveReceivedCommandWith(StartJobCommand, { JobId: EARLIER_JOB_ID });
    expect(dataExchange).not.toHaveReceivedCommand(CreateJobCommand);
  });

  it('cancels its own job and joins an older one another execution created for the same keys at the same time', async () => {
    const older = { ...importJob(EARLIER_JOB_ID, 'WAITING', BATCH_KEYS), CreatedAt: new Date('2026-11-29T23:59:59Z') };
    listsAfterCreate(importJob(JOB_ID, 'WAITING', BATCH_KEYS), older);
    dataExchange.on(CancelJobCommand).resolves({});

    const output = await handler(input());

    expect(output).toMatchObject({ jobId: EARLIER_JOB_ID, state: 'IN_PROGRESS' });
    expect(dataExchange).toHaveReceivedCommandWith(CancelJobCommand, { JobId: JOB_ID });
    expect(dataExchange).toHaveReceivedCommandWith(StartJobCommand, { JobId: EARLIER_JOB_ID });
    expect(dataExchange).not.toHaveReceivedCommandWith(StartJobCommand, { JobId: JOB_ID });
  });

  it('keeps its own job when it is the oldest of two created at once', async () => {
    const newer = { ...importJob(EARLIER_JOB_ID, 'WAITING', BATCH_KEYS), CreatedAt: new Date('2026-11-30T00:00:01Z') };
    listsAfterCreate(newer, importJob(JOB_ID, 'WAITING', BATCH_KEYS));

    const output = await handler(input());

    expect(output).toMatchObject({ jobId: JOB_ID, state: 'IN_PROGRESS' });
    expect(dataExchange).not.toHaveReceivedCommand(CancelJobCommand);
    expect(dataExchange).toHaveReceivedCommandWith(StartJobCommand, { JobId: JOB_ID });
  });

  it('follows its own job when another execution started it before the spare could be cancelled', async () => {
    const older = { ...importJob(EARLIER_JOB_ID, 'IN_PROGRESS', BATCH_KEYS), CreatedAt: new Date('2026-11-29T23:59:59Z') };
    listsAfterCreate(importJob(JOB_ID, 'WAITING', BATCH_KEYS), older);
    dataExchange.on(CancelJobCommand).rejects(conflict(JOB_ID));

    const output = await handler(input());

    expect(output).toMatchObject({ jobId: JOB_ID, state: 'IN_PROGRESS' });
    expect(dataExchange).not.toHaveReceivedCommand(StartJobCommand);
  });

  it('of two jobs created in the same millisecond, keeps the lower id whatever the order ADX lists them in', async () => {
    listsAfterCreate(importJob(JOB_ID, 'WAITING', BATCH_KEYS), importJob(EARLIER_JOB_ID, 'WAITING', BATCH_KEYS));
    dataExchange.on(CancelJobCommand).resolves({});

    await expect(handler(input())).resolves.toMatchObject({ jobId: EARLIER_JOB_ID, state: 'IN_PROGRESS' });
    expect(dataExchange).toHaveReceivedCommandWith(CancelJobCommand, { JobId: JOB_ID });
    expect(dataExchange).toHaveReceivedCommandWith(StartJobCommand, { JobId: EARLIER_JOB_ID });
  });

  it('fails naming CancelJob and the spare job when it may not cancel it, and starts nothing', async () => {
    const older = { ...importJob(EARLIER_JOB_ID, 'WAITING', BATCH_KEYS), CreatedAt: new Date('2026-11-29T23:59:59Z') };
    listsAfterCreate(importJob(JOB_ID, 'WAITING', BATCH_KEYS), older);
    dataExchange.on(CancelJobCommand).rejects(awsError('AccessDeniedException', 403));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`allows dataexchange:CancelJob on import job ${JOB_ID}`),
    });
    expect(dataExchange).not.toHaveReceivedCommand(StartJobCommand);
  });

  describe('when StartJob answers ConflictException', () => {
    beforeEach(() => {
      dataExchange.on(StartJobCommand).rejects(conflict(JOB_ID));
    });

    it('follows the job when someone started it meanwhile (a retried StartJob whose answer was lost, or another execution)', async () => {
      dataExchange.on(GetJobCommand).resolves({ Id: JOB_ID, State: 'IN_PROGRESS' });

      await expect(handler(input())).resolves.toMatchObject({ jobId: JOB_ID, state: 'IN_PROGRESS', submitted: 3 });
      expect(dataExchange).toHaveReceivedCommandWith(GetJobCommand, { JobId: JOB_ID });
    });

    it('fails with the ConflictException, naming StartJob and the job, when the job is still WAITING', async () => {
      dataExchange.on(GetJobCommand).resolves({ Id: JOB_ID, State: 'WAITING' });

      await expect(handler(input())).rejects.toMatchObject({
        name: 'ConflictException',
        message: expect.stringContaining(`dataexchange:StartJob on import job ${JOB_ID} failed with ConflictException`),
      });
    });

    it('names GetJob, not StartJob, when reading the job back is denied', async () => {
      dataExchange.on(GetJobCommand).rejects(awsError('AccessDeniedException', 403));

      await expect(handler(input())).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining(`allows dataexchange:GetJob on import job ${JOB_ID}`),
      });
    });
  });

  describe('which job serves which batch', () => {
    const BATCH_0_JOB_ID = '00001111222233334444555566667777';
    const jobs = [
      importJob(BATCH_0_JOB_ID, 'WAITING', BATCH_0_KEYS),
      importJob(EARLIER_JOB_ID, 'WAITING', BATCH_KEYS),
      // The oldest, and it holds every key of both batches: it is neither batch's job, so neither reuses it.
      { ...importJob('33334444555566667777888899990000', 'IN_PROGRESS', [...BATCH_0_KEYS, ...BATCH_KEYS]), CreatedAt: new Date('2026-11-29T00:00:00Z') },
    ];

    it.each([
      [0, BATCH_0_KEYS, BATCH_0_JOB_ID],
      [1, BATCH_KEYS, EARLIER_JOB_ID],
    ])('starts, for batch %i, the WAITING job over exactly its keys', async (index, keys, jobId) => {
      s3.on(GetObjectCommand, { Bucket: BUCKET, Key: batchKeyOf(index) }).callsFake(() => ({ Body: body(batchFile(RUN_ID, index, keys)) }));
      dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: jobs });

      const output = await handler({ ...input(), batch: { part: 1, index, count: keys.length, bytes: 100 * keys.length } });

      expect(output).toMatchObject({ batchIndex: index, jobId, state: 'IN_PROGRESS', submitted: keys.length });
      expect(dataExchange).toHaveReceivedCommandTimes(StartJobCommand, 1);
      expect(dataExchange).toHaveReceivedCommandWith(StartJobCommand, { JobId: jobId });
      expect(dataExchange).not.toHaveReceivedCommand(CreateJobCommand);
    });
  });

  it('follows an IN_PROGRESS job of an earlier attempt that covers the missing keys, without starting anything', async () => {
    dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: [assetNamed(key(2))] });
    dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [importJob(EARLIER_JOB_ID, 'IN_PROGRESS', BATCH_KEYS)] });

    const output = await handler(input());

    expect(output).toMatchObject({ jobId: EARLIER_JOB_ID, state: 'IN_PROGRESS', submitted: 2, skipped: 1, waitSeconds: 40 });
    expect(dataExchange).not.toHaveReceivedCommand(CreateJobCommand);
    expect(dataExchange).not.toHaveReceivedCommand(StartJobCommand);
  });

  it('reports a COMPLETED earlier job whose assets are not listed yet as completed, with nothing to wait for', async () => {
    dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [importJob(EARLIER_JOB_ID, 'COMPLETED', BATCH_KEYS)] });

    await expect(handler(input())).resolves.toEqual({
      batchIndex: 1,
      jobId: EARLIER_JOB_ID,
      state: 'COMPLETED',
      submitted: 3,
      skipped: 0,
      pollCount: 0,
      waitSeconds: 0,
      firstWaitSeconds: null,
    });
    expect(dataExchange).toHaveReceivedCommand(ListRevisionAssetsCommand);
    expect(dataExchange).not.toHaveReceivedCommand(CreateJobCommand);
    expect(dataExchange).not.toHaveReceivedCommand(StartJobCommand);
  });

  it.each([
    ['a failed job', importJob(EARLIER_JOB_ID, 'ERROR', BATCH_KEYS)],
    ['a job with a key outside the batch', importJob(EARLIER_JOB_ID, 'IN_PROGRESS', [...BATCH_KEYS, key(0)])],
    ['a job that misses a key', importJob(EARLIER_JOB_ID, 'IN_PROGRESS', BATCH_KEYS.slice(1))],
    ['a job reading another bucket', importJob(EARLIER_JOB_ID, 'IN_PROGRESS', BATCH_KEYS, 'another-bucket')],
  ])('does not reuse %s', async (_, job) => {
    dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [job] });

    await expect(handler(input())).resolves.toMatchObject({ jobId: JOB_ID });
    expect(dataExchange).toHaveReceivedCommand(CreateJobCommand);
  });

  describe('which jobs belong to the batch', () => {
    it('takes no import job without S3 sources, nor a job without details, for one of the batch', async () => {
      const noSources = importJob(EARLIER_JOB_ID, 'COMPLETED', []);
      const noDetails: JobEntry = { ...importJob('44445555666677778888999900001111', 'COMPLETED', BATCH_KEYS), Details: undefined };
      dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [noSources, noDetails] });

      await expect(handler(input())).resolves.toMatchObject({ jobId: JOB_ID, submitted: 3, skipped: 0 });
      expect(dataExchange).not.toHaveReceivedCommand(ListRevisionAssetsCommand);
    });

    it('takes no job of another type for one of the batch, whatever sources it names', async () => {
      const signedUrlJob: JobEntry = { ...importJob(EARLIER_JOB_ID, 'WAITING', BATCH_KEYS), Type: 'IMPORT_ASSET_FROM_SIGNED_URL' };
      dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [signedUrlJob] });

      await expect(handler(input())).resolves.toMatchObject({ jobId: JOB_ID, state: 'IN_PROGRESS' });
      expect(dataExchange).not.toHaveReceivedCommand(ListRevisionAssetsCommand);
      expect(dataExchange).not.toHaveReceivedCommandWith(StartJobCommand, { JobId: EARLIER_JOB_ID });
    });
  });

  it('fails naming CreateJob and the revision when ADX answers without a job id', async () => {
    dataExchange.on(CreateJobCommand).resolves({});

    await expect(handler(input())).rejects.toThrow(
      `dataexchange:CreateJob into revision ${REVISION_ID} of data set ${DATA_SET_ID} returned no job id`,
    );
    expect(dataExchange).not.toHaveReceivedCommand(StartJobCommand);
  });

  it('fails naming ListJobs and the revision when the job it would reuse has no id', async () => {
    const { Id: _, ...withoutId } = importJob(EARLIER_JOB_ID, 'WAITING', BATCH_KEYS);
    dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [withoutId as JobEntry] });

    await expect(handler(input())).rejects.toThrow(`dataexchange:ListJobs listed a job without an id in revision ${REVISION_ID} of data set ${DATA_SET_ID}`);
    expect(dataExchange).not.toHaveReceivedCommand(StartJobCommand);
  });

  it('does not start a WAITING job that would import a key the revision already holds', async () => {
    dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: [assetNamed(key(2))] });
    dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [importJob(EARLIER_JOB_ID, 'WAITING', BATCH_KEYS)] });

    await expect(handler(input())).resolves.toMatchObject({ jobId: JOB_ID, submitted: 2 });
    expect(dataExchange).toHaveReceivedCommandWith(StartJobCommand, { JobId: JOB_ID });
    expect(dataExchange).not.toHaveReceivedCommandWith(StartJobCommand, { JobId: EARLIER_JOB_ID });
  });

  it('maps the concurrent-import-jobs limit to TransientAwsError, leaving the job for the retry', async () => {
    dataExchange.on(StartJobCommand).rejects(awsError('ServiceLimitExceededException', 402, { LimitName: CONCURRENT_IMPORT_JOBS_LIMIT_NAME }));

    await expect(handler(input())).rejects.toMatchObject({ name: 'TransientAwsError', message: expect.stringContaining(JOB_ID) });
  });

  it('keeps any other service limit fatal under its name', async () => {
    dataExchange.on(CreateJobCommand).rejects(awsError('ServiceLimitExceededException', 402, { LimitName: 'Assets per revision' }));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'ServiceLimitExceededException',
      message: expect.stringContaining('Assets per revision'),
    });
    expect(dataExchange).not.toHaveReceivedCommand(StartJobCommand);
  });

  it('maps throttling to TransientAwsError', async () => {
    dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).rejects(awsError('ThrottlingException', 429));

    await expect(handler(input())).rejects.toMatchObject({ name: 'TransientAwsError', message: expect.stringContaining('dataexchange:ListJobs') });
  });

  it('maps throttled asset listing on a retry to TransientAwsError', async () => {
    dataExchange.on(ListJobsCommand, REVISION_JOBS_REQUEST).resolves({ Jobs: [importJob(EARLIER_JOB_ID, 'ERROR', BATCH_KEYS)] });
    dataExchange.on(ListRevisionAssetsCommand).rejects(awsError('ThrottlingException', 429));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'TransientAwsError',
      message: expect.stringContaining('dataexchange:ListRevisionAssets'),
    });
    expect(dataExchange).not.toHaveReceivedCommand(CreateJobCommand);
  });

  it('keeps AccessDeniedException fatal and names the permission and the revision', async () => {
    dataExchange.on(CreateJobCommand).rejects(awsError('AccessDeniedException', 403));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`allows dataexchange:CreateJob on IMPORT_ASSETS_FROM_S3 into revision ${REVISION_ID} of data set ${DATA_SET_ID}`),
    });
  });

  it('keeps a missing batch file fatal and names its key', async () => {
    s3.on(GetObjectCommand).rejects(awsError('NoSuchKey', 404));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'NoSuchKey',
      message: expect.stringContaining(`s3://${BUCKET}/${BATCH_KEY}`),
    });
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it("refuses another run's batch file", async () => {
    s3.on(GetObjectCommand).callsFake(() => ({ Body: body(batchFile('another-run')) }));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('holds batch 1 of part 1 of run another-run'),
    });
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it('refuses a batch file that holds another number of assets than the batch counts', async () => {
    await expect(handler({ ...input(), batch: { ...input().batch, count: 4 } })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining(`with 3 assets, not batch 1 of part 1 of run ${RUN_ID} with 4`),
    });
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it("reads the batch's file beside the plan the payload names: another data set's run keeps its files apart", async () => {
    const planKey = `manifests/runs/data-set=weather/${RUN_ID}/plan.json`;
    s3.reset();
    s3.on(GetObjectCommand, { Bucket: BUCKET, Key: `manifests/runs/data-set=weather/${RUN_ID}/batches/1-1.json` }).resolves({ Body: body(batchFile()) } as never);
    dataExchange.on(ListJobsCommand).resolves({ Jobs: [] });
    dataExchange.on(CreateJobCommand).resolves({ Id: JOB_ID });

    await handler({ ...input(), manifestKey: planKey });

    expect(dataExchange).toHaveReceivedCommandTimes(CreateJobCommand, 1);
  });

  it('rejects a bad payload naming the field', async () => {
    await expect(handler({ ...input(), batch: { ...input().batch, count: 101 } })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('batch.count'),
    });
    await expect(handler({ ...input(), keys: [key(2)] })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('unknown key: "keys"'),
    });
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});
