import { DataExchangeClient, GetJobCommand, type GetJobResponse, type JobError, type State } from '@aws-sdk/client-dataexchange';
import type { ImportStatus } from '../../shared/schemas/payloads';
import { mockClient } from 'aws-sdk-client-mock';
import { checkImport } from '../../tasks/check-import/core';
import { handler } from '../../tasks/check-import/handler';
import { awsError, BUCKET, DATA_SET_ID, JOB_ID, REVISION_ID, RUN_ID } from '../fixtures/ids';

const dataExchange = mockClient(DataExchangeClient);

const key = (i: number) => `data/${RUN_ID}/part-${String(i).padStart(5, '0')}.csv`;
const status = (extra: Partial<ImportStatus> = {}): ImportStatus => ({
  batchIndex: 3,
  jobId: JOB_ID,
  state: 'IN_PROGRESS',
  submitted: 2,
  skipped: 0,
  pollCount: 0,
  waitSeconds: 5,
  firstWaitSeconds: null,
  ...extra,
});
const input = (extra: Partial<ImportStatus> = {}) => ({
  runId: RUN_ID,
  datasetId: DATA_SET_ID,
  revisionId: REVISION_ID,
  manifestKey: `manifests/runs/${RUN_ID}/plan.json`,
  status: status(extra),
});
const job = (state: State, extra: Partial<GetJobResponse> = {}): GetJobResponse => ({
  Id: JOB_ID,
  State: state,
  Type: 'IMPORT_ASSETS_FROM_S3',
  Details: { ImportAssetsFromS3: { DataSetId: DATA_SET_ID, RevisionId: REVISION_ID, AssetSources: [0, 1].map((i) => ({ Bucket: BUCKET, Key: key(i) })) } },
  ...extra,
});
const missingKeyError = (i: number): JobError => ({
  Code: 'RESOURCE_NOT_FOUND_EXCEPTION',
  Message: `The key ${key(i)} does not exist`,
  ResourceId: key(i),
  ResourceType: 'ASSET',
  Details: { ImportAssetsFromS3JobErrorDetails: [{ Bucket: BUCKET, Key: key(i) }] },
});
const poll = { initialSeconds: 5, maxSeconds: 20, growthPercent: 100, maxAttempts: 4, learnFromJobs: 10 };
const deps = () => ({ dataExchange: new DataExchangeClient({}), poll });

async function importFailureMessage(result: Promise<unknown>): Promise<string> {
  const error: unknown = await result.then(() => undefined, (failure: unknown) => failure);
  expect(error).toMatchObject({ name: 'ImportJobFailedError' });
  return (error as Error).message;
}

describe('check-import', () => {
  beforeEach(() => {
    dataExchange.reset();
  });

  it.each<[string, Partial<ImportStatus>]>([
    ['has no job', { jobId: null, state: 'COMPLETED' }],
    ['is already complete', { state: 'COMPLETED' }],
  ])('returns a status that %s as it is, without calling ADX', async (_, extra) => {
    await expect(handler(input(extra))).resolves.toEqual(status(extra));
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it('marks the batch done when the job completed', async () => {
    dataExchange.on(GetJobCommand).resolves(job('COMPLETED'));

    await expect(handler(input({ pollCount: 2 }))).resolves.toEqual(status({ state: 'COMPLETED', pollCount: 3 }));
    expect(dataExchange).toHaveReceivedCommandWith(GetJobCommand, { JobId: JOB_ID });
  });

  it.each(['WAITING', 'IN_PROGRESS'] as const)('keeps polling a %s job, waiting next a fifth of the 40 s waited', async (state) => {
    dataExchange.on(GetJobCommand).resolves(job(state));

    await expect(handler(input())).resolves.toEqual(status({ state, pollCount: 1, waitSeconds: 8 }));
  });

  it('waits from poll to poll the set share of the time waited so far, up to the cap', async () => {
    dataExchange.on(GetJobCommand).resolves(job('IN_PROGRESS'));
    const waits: number[] = [];
    let current = status();

    for (let i = 0; i < 4; i += 1) {
      current = await checkImport({ ...input(), status: current }, { ...deps(), poll: { ...poll, maxAttempts: 10 } });
      waits.push(current.waitSeconds);
    }

    // 100% of 5, 10 and 20 seconds waited, then 40 capped at 20.
    expect(waits).toEqual([5, 10, 20, 20]);
    expect(current.pollCount).toBe(4);
  });

  it("grows the later waits from the job's learned first wait, and counts it in the bound's message", async () => {
    // Arrange: StartImport learned a 12 s first wait; the configured one is 5 s.
    dataExchange.on(GetJobCommand).resolves(job('IN_PROGRESS'));
    let current = status({ waitSeconds: 12, firstWaitSeconds: 12 });
    const waits: number[] = [];

    // Act
    for (let i = 0; i < 3; i += 1) {
      current = await checkImport({ ...input(), status: current }, deps());
      waits.push(current.waitSeconds);
    }
    const timedOut = checkImport({ ...input(), status: current }, deps());

    // Assert: 100% of 12 s waited, then of 24 s capped at 20; the fourth poll is the bound, after 12 + 12 + 20 + 20 s.
    expect(waits).toEqual([12, 20, 20]);
    expect(current.firstWaitSeconds).toBe(12);
    await expect(timedOut).rejects.toThrow('after 4 polls over 64 s of waiting (the bound is 4 polls)');
  });

  it('polls a status from before learning (an execution that was polling when the stack was deployed) on the configured schedule', async () => {
    // Arrange
    dataExchange.on(GetJobCommand).resolves(job('IN_PROGRESS'));
    const { firstWaitSeconds: _none, ...olderStatus } = status();

    // Act
    const output = await handler({ ...input(), status: olderStatus });

    // Assert: the default schedule, 40 s first, then a fifth of it.
    expect(output).toEqual(status({ state: 'IN_PROGRESS', pollCount: 1, waitSeconds: 8, firstWaitSeconds: null }));
  });

  it('fails with the job id, state, errors and failing keys when the job errs', async () => {
    dataExchange.on(GetJobCommand).resolves(job('ERROR', { Errors: [missingKeyError(1)] }));

    const message = await importFailureMessage(handler(input()));

    expect(message).toContain(`Import job ${JOB_ID} for batch 3`);
    expect(message).toContain('ended ERROR with 1 error(s)');
    expect(message).toContain(`RESOURCE_NOT_FOUND_EXCEPTION: The key ${key(1)} does not exist (ASSET ${key(1)}; 1 key(s))`);
    expect(message).toContain(`Failing keys: s3://${BUCKET}/${key(1)}.`);
  });

  it('names the limit and the signed-URL asset of an error', async () => {
    const error: JobError = {
      Code: 'SERVICE_QUOTA_EXCEEDED_EXCEPTION',
      Message: 'too many assets',
      LimitName: 'Assets per revision',
      LimitValue: 10000,
      Details: { ImportAssetFromSignedUrlJobErrorDetails: { AssetName: 'big.csv' } },
    };
    dataExchange.on(GetJobCommand).resolves(job('ERROR', { Errors: [error] }));

    await expect(handler(input())).rejects.toMatchObject({
      message: expect.stringContaining('SERVICE_QUOTA_EXCEEDED_EXCEPTION: too many assets (limit "Assets per revision" = 10000; asset big.csv)'),
    });
  });

  it.each(['CANCELLED', 'TIMED_OUT'] as const)('fails a %s job, listing its keys when ADX blames none', async (state) => {
    dataExchange.on(GetJobCommand).resolves(job(state));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'ImportJobFailedError',
      message: expect.stringContaining(
        `ended ${state} with 0 error(s): ADX reported no errors.\nADX named no failing keys; the job imported s3://${BUCKET}/${key(0)}, s3://${BUCKET}/${key(1)}.`,
      ),
    });
  });

  it('bounds the failure message to the first 20 errors and keys', async () => {
    dataExchange.on(GetJobCommand).resolves(job('ERROR', { Errors: Array.from({ length: 25 }, (_, i) => missingKeyError(i)) }));

    const message = await importFailureMessage(handler(input()));

    expect(message).toContain(`- RESOURCE_NOT_FOUND_EXCEPTION: The key ${key(19)} does not exist`);
    expect(message).not.toContain(`The key ${key(20)}`);
    expect(message).toContain('\n- and 5 more\n');
    expect(message).toContain(`s3://${BUCKET}/${key(19)}, and 5 more.`);
    expect(message).not.toContain(`s3://${BUCKET}/${key(20)}`);
  });

  it('says the whole failure: the job, batch, revision, data set and plan, then each error and the failing keys', async () => {
    dataExchange.on(GetJobCommand).resolves(job('ERROR', { Errors: [missingKeyError(1)] }));

    const message = await importFailureMessage(handler(input()));

    expect(message).toBe(
      `Import job ${JOB_ID} for batch 3 of revision ${REVISION_ID} (data set ${DATA_SET_ID}, manifest manifests/runs/${RUN_ID}/plan.json) ` +
        `ended ERROR with 1 error(s):\n- RESOURCE_NOT_FOUND_EXCEPTION: The key ${key(1)} does not exist (ASSET ${key(1)}; 1 key(s))\n` +
        `Failing keys: s3://${BUCKET}/${key(1)}.`,
    );
  });

  it('fills in what an error or the job leaves out, and cuts a long error message to 300 characters', async () => {
    const bare: JobError = { Code: undefined, Message: undefined } as unknown as JobError;
    const vague: JobError = { Code: 'VALIDATION_EXCEPTION', Message: 'x'.repeat(301), ResourceId: 'r-1', LimitName: 'Asset size in GB' };
    dataExchange.on(GetJobCommand).resolves(job(undefined as unknown as State, { Errors: [bare, vague], Details: undefined }));

    const message = await importFailureMessage(handler(input()));

    expect(message).toContain('ended in no known state with 2 error(s):\n- UNKNOWN: no message\n');
    expect(message).toContain(`\n- VALIDATION_EXCEPTION: ${'x'.repeat(300)} (resource r-1; limit "Asset size in GB" = ?)\n`);
    expect(message.endsWith('\nADX named no failing keys.')).toBe(true);
  });

  it('lists exactly 20 errors and keys without saying "and 0 more"', async () => {
    dataExchange.on(GetJobCommand).resolves(job('ERROR', { Errors: Array.from({ length: 20 }, (_, i) => missingKeyError(i)) }));

    const message = await importFailureMessage(handler(input()));

    expect(message).toContain(`- RESOURCE_NOT_FOUND_EXCEPTION: The key ${key(19)} does not exist`);
    expect(message).toContain(`s3://${BUCKET}/${key(19)}.`);
    expect(message).not.toContain('more');
  });

  it('names each key ADX blames once, even when several errors blame it', async () => {
    dataExchange.on(GetJobCommand).resolves(job('ERROR', { Errors: [missingKeyError(1), missingKeyError(1)] }));

    const message = await importFailureMessage(handler(input()));

    expect(message.endsWith(`\nFailing keys: s3://${BUCKET}/${key(1)}.`)).toBe(true);
  });

  it('times out naming the job, the polls and the time waited once the polls run out', async () => {
    dataExchange.on(GetJobCommand).resolves(job('IN_PROGRESS'));

    await expect(checkImport({ ...input(), status: status({ pollCount: 3 }) }, deps())).rejects.toMatchObject({
      name: 'ImportTimeoutError',
      // Waits before polls 1 to 4: 5 + 5 + 10 + 20 seconds.
      message: expect.stringContaining(`Import job ${JOB_ID} for batch 3 of revision ${REVISION_ID} is still IN_PROGRESS after 4 polls over 40 s`),
    });
  });

  it('bounds the loop by IMPORT_POLL_MAX_ATTEMPTS, 126 polls by default: about two hours', async () => {
    dataExchange.on(GetJobCommand).resolves(job('WAITING'));

    await expect(handler(input({ pollCount: 125 }))).rejects.toMatchObject({
      name: 'ImportTimeoutError',
      // 40 s, then waits of 20% of the time waited growing to the 60 s cap at poll 13, then 60 s each.
      message: expect.stringContaining('still WAITING after 126 polls over 7148 s'),
    });
  });

  it('accepts a completion on the last poll', async () => {
    dataExchange.on(GetJobCommand).resolves(job('COMPLETED'));

    await expect(checkImport({ ...input(), status: status({ pollCount: 3 }) }, deps())).resolves.toMatchObject({ state: 'COMPLETED', pollCount: 4 });
  });

  it('maps throttling to TransientAwsError', async () => {
    dataExchange.on(GetJobCommand).rejects(awsError('ThrottlingException', 429));

    await expect(handler(input())).rejects.toMatchObject({ name: 'TransientAwsError' });
  });

  it('keeps ResourceNotFoundException fatal and names the job', async () => {
    dataExchange.on(GetJobCommand).rejects(awsError('ResourceNotFoundException', 404));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining(`import job ${JOB_ID}`),
    });
  });

  it('rejects a bad payload naming the field', async () => {
    await expect(handler({ ...input(), status: { ...status(), state: 'ERROR' } })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('status.state'),
    });
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });
});
