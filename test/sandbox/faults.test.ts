import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ERROR_NAMES } from '../../shared/errors';
import { NOTIFICATION_RECORD_PREFIX } from '../../shared/notifications';
import { sampleCsvChunks, seedFor } from '../../shared/sample-data';
import { START_IMPORT_RETRY, TRANSIENT_RETRY } from '../../workflows/publish-revision';
import type * as z from 'zod';
import { FaultPlan } from '../../sandbox/faults';
import { STATE, type StateName } from '../../shared/state-names';
import { damagedObjects, run, type RunOutcome, scheduledCount, scheduledInBatches, seedObjects, snapshotBucket, useSandbox } from './outcome';

/*
 * The fault matrix: each fault is injected at the sandbox's HTTP layer (or into a task), and each run is judged
 * from the emulators' state: its end (status, the error that caused it and the state that failed), the batch
 * executions it started, the revision it left, the one notification it sent, and the bucket's objects.
 */

describe('the publish workflow under injected faults', () => {
  const ctx = useSandbox();
  const { clients } = ctx;
  afterEach(() => ctx.env.sandbox.faults.clear());

  const prefixSource = (runId: string) => ({ type: 's3Prefix', prefix: `incoming/${runId}/` });
  const generateSource = { type: 'generate', assets: 2, recordsPerAsset: 3 };

  /** Runs with the faults, and checks what every run must keep whatever the fault: its sources intact. */
  async function runWith(faults: z.input<typeof FaultPlan>, runId: string, source: Record<string, unknown> = prefixSource(runId)): Promise<RunOutcome> {
    if (source.type === 's3Prefix') await seedObjects(clients.s3, ctx.env.sandbox.bucket, `incoming/${runId}/`, 3);
    const before = await snapshotBucket(clients.s3, ctx.env.sandbox.bucket);
    ctx.env.sandbox.faults.add(FaultPlan.parse(faults));

    const outcome = await run(ctx.env.sandbox, ctx.env.sfn, clients, { runId, source });

    const after = await snapshotBucket(clients.s3, ctx.env.sandbox.bucket);
    expect(damagedObjects(before, after)).toEqual([]);
    const written = [...after.keys()].filter((key) => !before.has(key));
    const ownRecord = (key: string) => key.startsWith(NOTIFICATION_RECORD_PREFIX) && key.includes(`/${outcome.executionName}/`);
    expect(written.filter((key) => !key.startsWith(`manifests/runs/${runId}/`) && !key.startsWith(`generated/${runId}/`) && !ownRecord(key))).toEqual([]);
    return outcome;
  }

  const published = (outcome: RunOutcome, assets: number) => {
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', error: undefined, failedState: null });
    expect(outcome.revisions).toHaveLength(1);
    expect(outcome.revisions[0]).toMatchObject({ finalized: true });
    expect(new Set(outcome.revisions[0].assetNames).size).toBe(assets);
    expect(outcome.revisions[0].assetNames).toHaveLength(assets);
    expect(outcome.notifications.map((n) => n.attributes.outcome?.StringValue)).toEqual(['SUCCEEDED']);
  };

  /**
   * FAILED with `error`, in `state` of the publish state machine; when `batchState` is given, the failure came
   * from the batch execution, which failed in that state, and the execution's own error is the integration's.
   * Nothing finalized, and the one notification the status change sent says the error and the state.
   */
  const failed = (outcome: RunOutcome, error: string, state: StateName, batchState?: StateName) => {
    expect(outcome).toMatchObject({ status: 'FAILED', error, failedState: state });
    if (batchState === undefined) {
      expect(outcome.executionError).toBe(error);
      expect(outcome.failedBatch).toBeUndefined();
    } else {
      expect(outcome.executionError).toBe('States.TaskFailed');
      expect(outcome.failedBatch).toMatchObject({ status: 'FAILED', error, failedState: batchState });
    }
    expect(outcome.revisions.filter((revision) => revision.finalized)).toEqual([]);
    expect(outcome.notifications).toHaveLength(1);
    expect(outcome.notifications[0].subject).toContain(`failed: ${error}`);
    expect(outcome.notifications[0].attributes.outcome?.StringValue).toBe('FAILED');
    expect(outcome.notifications[0].message).toMatch(new RegExp(`^Failed state:\\s+${state}\\b`, 'm'));
  };

  it('ThrottlingException x2 on CreateRevision: retried, SUCCEEDED', async () => {
    const outcome = await runWith([{ service: 'dataexchange', operation: 'CreateRevision', error: 'ThrottlingException', times: 2 }], 'f-throttle');

    published(outcome, 3);
    expect(scheduledCount(outcome.history, STATE.createRevision)).toBe(2);
  });

  it('InternalServerException x3 on GetJob: retried, SUCCEEDED', async () => {
    const outcome = await runWith([{ service: 'dataexchange', operation: 'GetJob', error: 'InternalServerException', times: 3 }], 'f-getjob');

    published(outcome, 3);
    const retried = outcome.batches.flatMap((batch) => batch.history).filter((e) => e.taskFailedEventDetails?.error === ERROR_NAMES.transientAws);
    expect(retried).toHaveLength(1);
  });

  it('S3 503 SlowDown x2 on the upload PutObject: retried, SUCCEEDED with the generated bytes', async () => {
    // `after: 2` lets PlanRevision's batch file and plan through, so the faults hit UploadBatch.
    const outcome = await runWith(
      [{ service: 's3', operation: 'PutObject', error: 'SlowDown', status: 503, times: 2, after: 2 }],
      'f-slowdown',
      { ...generateSource, assets: 1 },
    );

    published(outcome, 1);
    expect(scheduledInBatches(outcome, STATE.uploadBatch)).toBe(2);
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: ctx.env.sandbox.bucket, Key: 'generated/f-slowdown/analytics-00001.csv' }));
    expect(await object.Body?.transformToString()).toBe([...sampleCsvChunks(seedFor('f-slowdown', 1), generateSource.recordsPerAsset)].join(''));
  });

  it('ServiceLimitExceededException (import jobs in progress) on StartJob: backs off, SUCCEEDED', async () => {
    const outcome = await runWith([{ service: 'dataexchange', operation: 'StartJob', error: 'ServiceLimitExceededException', times: 4 }], 'f-limit');

    published(outcome, 3);
    // ServiceLimitExceededException is no SDK retry: each fault costs one state machine attempt, inside the batch's execution.
    expect(scheduledInBatches(outcome, STATE.startImport)).toBe(5);
    expect(scheduledCount(outcome.history, STATE.importBatch)).toBe(1);
    // The job CreateJob made before the limit hit is the one started later: no second job.
    expect(outcome.revisions[0].jobs.map((job) => job.State)).toEqual(['COMPLETED']);
  });

  it('import job ERROR: FAILED ImportJobFailedError in the batch\'s CheckImport, nothing finalized', async () => {
    const outcome = await runWith([{ importJob: 'ERROR' }], 'f-job-error');

    failed(outcome, ERROR_NAMES.importJobFailed, STATE.importBatch, STATE.checkImport);
    expect(outcome.revisions).toHaveLength(1);
    expect(outcome.revisions[0].assetNames).toEqual([]);
    expect(outcome.cause).toContain('forced to ERROR');
  });

  it('import job stuck IN_PROGRESS: FAILED ImportTimeoutError after the poll bound', async () => {
    const outcome = await runWith([{ importJob: 'STUCK' }], 'f-stuck');

    failed(outcome, ERROR_NAMES.importTimeout, STATE.importBatch, STATE.checkImport);
    // The bound is the stack's IMPORT_POLL_MAX_ATTEMPTS polls; the sandbox scales each wait, not their number.
    const [, polls] = /still IN_PROGRESS after (\d+) polls .* \(the bound is \1 polls\)/.exec(outcome.cause ?? '') ?? [];
    expect(scheduledInBatches(outcome, STATE.checkImport)).toBe(Number(polls));
    expect(outcome.revisions[0].assetNames).toEqual([]);
  });

  it('ValidationException on CreateJob: FAILED at once, never retried', async () => {
    // One fault only: any retry, by the SDK, the batch's state machine or the publish one, would have succeeded.
    const outcome = await runWith([{ service: 'dataexchange', operation: 'CreateJob', error: 'ValidationException', times: 1 }], 'f-validation');

    failed(outcome, 'ValidationException', STATE.importBatch, STATE.startImport);
    expect(scheduledInBatches(outcome, STATE.startImport)).toBe(1);
    expect(scheduledCount(outcome.history, STATE.importBatch)).toBe(1);
    expect(outcome.cause).toContain('dataexchange:CreateJob');
    expect(outcome.revisions[0].jobs).toEqual([]);
  });

  it('a data set the stack does not list: FAILED InputValidationError in PlanRevision naming it, before anything is written', async () => {
    // The roles may publish to the listed data sets alone, so any other id is refused before a revision is made.
    const missing = 'f0000000000000000000000000000000';
    const before = await snapshotBucket(clients.s3, ctx.env.sandbox.bucket);

    const outcome = await run(ctx.env.sandbox, ctx.env.sfn, clients, { runId: 'f-no-dataset', datasetId: missing, source: generateSource });

    failed(outcome, 'InputValidationError', STATE.planRevision);
    expect(outcome.cause).toContain(`datasetId: ${missing} is not one of this deployment's data sets`);
    expect(outcome.revisions).toEqual([]);
    expect(outcome.batches).toEqual([]);
    expect(damagedObjects(before, await snapshotBucket(clients.s3, ctx.env.sandbox.bucket))).toEqual([]);
  });

  it('AccessDeniedException on UpdateRevision: FAILED, the revision left unfinalized, the cause naming the permission', async () => {
    const outcome = await runWith([{ service: 'dataexchange', operation: 'UpdateRevision', error: 'AccessDeniedException', times: 1 }], 'f-denied');

    failed(outcome, 'AccessDeniedException', STATE.finalizeRevision);
    expect(outcome.cause).toContain('dataexchange:UpdateRevision');
    expect(outcome.revisions).toEqual([expect.objectContaining({ finalized: false, assetNames: expect.arrayContaining([expect.any(String)]) })]);
    expect(outcome.revisions[0].assetNames).toHaveLength(3);
  });

  it('SNS Publish failing on the success path: the revision stays published, the run fails, and the one notification says it IS published', async () => {
    const outcome = await runWith([{ service: 'sns', operation: 'Publish', error: 'AuthorizationErrorException', times: 1 }], 'f-sns');

    expect(outcome).toMatchObject({ status: 'FAILED', executionError: ERROR_NAMES.notificationFailed, error: ERROR_NAMES.notificationFailed });
    expect(outcome.failedState).toBe(STATE.notifySuccess);
    expect(outcome.revisions).toEqual([expect.objectContaining({ finalized: true })]);
    expect(outcome.revisions[0].assetNames).toHaveLength(3);
    expect(outcome.cause).toContain(`Revision ${outcome.revisions[0].id} of data set ${ctx.env.sandbox.dataSetId} IS published`);
    expect(outcome.cause).toContain('AuthorizationErrorException');
    // The success message was the one lost; the status change's message, sent once the fault had passed, says so.
    expect(outcome.notifications).toHaveLength(1);
    expect(outcome.notifications[0].subject).toBe(`dx-flow: revision ${outcome.revisions[0].id} IS published; only its notification failed`);
    expect(outcome.notifications[0].attributes).toMatchObject({
      outcome: expect.objectContaining({ StringValue: 'SUCCEEDED' }),
      executionStatus: expect.objectContaining({ StringValue: 'FAILED' }),
    });
  });

  it('a task that throws an unexpected error: FAILED with that error, not retried', async () => {
    const outcome = await runWith([{ task: 'start-import', message: 'boom', times: 1 }], 'f-task');

    failed(outcome, 'InjectedTaskFault', STATE.importBatch, STATE.startImport);
    expect(outcome.cause).toContain('boom');
    expect(scheduledInBatches(outcome, STATE.startImport)).toBe(1);
  });

  it('transient faults past the retry budget: FAILED TransientAwsError, with the attempts in the cause', async () => {
    const outcome = await runWith(
      [{ service: 'dataexchange', operation: 'CreateRevision', error: 'InternalServerException', times: 1_000 }],
      'f-budget',
      generateSource,
    );

    failed(outcome, ERROR_NAMES.transientAws, STATE.createRevision);
    expect(scheduledCount(outcome.history, STATE.createRevision)).toBe(1 + TRANSIENT_RETRY.maxAttempts);
    expect(outcome.cause).toContain('after 2 SDK attempts');
    expect(outcome.revisions).toEqual([]);
    expect(START_IMPORT_RETRY.maxAttempts).toBeGreaterThan(TRANSIENT_RETRY.maxAttempts);
  });
});
