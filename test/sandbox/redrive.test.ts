import { GetRevisionCommand } from '@aws-sdk/client-dataexchange';
import { DescribeExecutionCommand, paginateListExecutions, RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { FaultPlan } from '../../sandbox/faults';
import { ERROR_NAMES } from '../../shared/errors';
import { MAX_ASSETS_PER_IMPORT_JOB } from '../../shared/limits';
import { STATE } from '../../shared/state-names';
import { importBatchStateMachineArn, importJobsStarted, outcomeOf, run, scheduledCount, scheduledInBatches, useSandbox } from './outcome';
import { fullHistory, startRun } from './sandbox-harness';

/*
 * RedriveExecution of a publish execution over the SDK, as an operator runs it: the redrive goes on in the Map,
 * re-runs only the batch that did not succeed, as a new execution of the import-batch state machine, and
 * finishes the same revision; the failure and the success are each notified once.
 */

describe('redriving a publish execution', () => {
  const ctx = useSandbox();
  const { clients } = ctx;
  afterEach(() => ctx.env.sandbox.faults.clear());

  it('after an import ERROR in the 3rd batch of 5 to import, re-runs that batch alone, to one revision with every asset', async () => {
    // GIVEN 5 batches (4 of 100 assets, 1 of 1). The 3rd CreateJob call waits 3 s, so its job is the last of the 5
    // to start, and that job is forced to ERROR: the other 4 batches have imported (in about 1 s) before it fails,
    // and none is aborted with the Map.
    const assets = 4 * MAX_ASSETS_PER_IMPORT_JOB + 1;
    const runId = 'redrive-batch';
    const lastJob = (await importJobsStarted(clients.dataExchange)) + 5;
    ctx.env.sandbox.faults.add(
      FaultPlan.parse([
        { service: 'dataexchange', operation: 'CreateJob', delayMs: 3_000, after: 2, times: 1 },
        { importJob: 'ERROR', nth: lastJob },
      ]),
    );
    const executionArn = await startRun(ctx.env.sandbox, ctx.env.sfn, { runId, source: { type: 'generate', assets, recordsPerAsset: 1 } });
    const broken = await outcomeOf(ctx.env.sandbox, ctx.env.sfn, clients, executionArn, runId);
    ctx.env.sandbox.faults.clear();

    // WHEN
    const { redriveDate } = await ctx.env.sfn.send(new RedriveExecutionCommand({ executionArn }));
    const redriven = await outcomeOf(ctx.env.sandbox, ctx.env.sfn, clients, executionArn, runId);
    const described = await ctx.env.sfn.send(new DescribeExecutionCommand({ executionArn }));

    // THEN the first attempt failed in the one batch, and the other 4 had succeeded.
    expect(broken).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.importJobFailed, failedState: STATE.importBatch });
    expect(broken.failedBatch).toMatchObject({ status: 'FAILED', failedState: STATE.checkImport });
    const failedIndex = broken.failedBatch?.index;
    expect(broken.batches.map((batch) => batch.status).sort()).toEqual(['FAILED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(broken.notifications.map((n) => n.attributes.outcome?.StringValue)).toEqual(['FAILED']);

    // The redrive: one more attempt, recorded as such, that succeeded.
    expect(redriveDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveStatus: 'NOT_REDRIVABLE' });
    const redrivenEvents = redriven.history.filter((e) => e.type === 'ExecutionRedriven');
    expect(redrivenEvents.map((e) => e.executionRedrivenEventDetails)).toEqual([{ redriveCount: 1 }]);
    const secondAttempt = redriven.history.slice(redriven.history.indexOf(redrivenEvents[0]));
    expect(secondAttempt[1]?.stateEnteredEventDetails?.name).toBe(STATE.importBatches);
    expect(secondAttempt.filter((e) => e.type === 'MapIterationStarted').map((e) => e.mapIterationStartedEventDetails?.index)).toEqual([failedIndex]);

    // It ran one batch execution, of the failed batch, named for the attempt; only it uploaded and imported again.
    const listed: { name?: string; status?: string }[] = [];
    for await (const page of paginateListExecutions({ client: ctx.env.sfn }, { stateMachineArn: importBatchStateMachineArn(ctx.env.sandbox) })) {
      listed.push(...(page.executions ?? []));
    }
    const ownNames = new Set(redriven.batches.map((batch) => batch.name));
    const rerunBatches = redriven.batches.filter((batch) => batch.name.endsWith('-r1'));
    expect(listed.filter((e) => e.name?.endsWith('-r1') === true && ownNames.has(e.name)).map((e) => e.status)).toEqual(['SUCCEEDED']);
    expect(rerunBatches.map((batch) => batch.index)).toEqual([failedIndex]);
    expect(redriven.batches).toHaveLength(6);
    expect([scheduledCount(rerunBatches[0].history, STATE.uploadBatch), scheduledCount(rerunBatches[0].history, STATE.startImport)]).toEqual([1, 1]);
    expect([scheduledInBatches(redriven, STATE.uploadBatch), scheduledInBatches(redriven, STATE.startImport)]).toEqual([6, 6]);
    expect(scheduledCount(redriven.history, STATE.importBatch)).toBe(6);

    // One revision, the first attempt's, finalized with every asset, each imported by exactly one completed job.
    expect(redriven.revisions.map((revision) => revision.id)).toEqual(broken.revisions.map((revision) => revision.id));
    const [revision] = redriven.revisions;
    const got = await clients.dataExchange.send(new GetRevisionCommand({ DataSetId: ctx.env.sandbox.dataSetId, RevisionId: revision.id }));
    expect(got.Finalized).toBe(true);
    expect(revision.assetNames).toHaveLength(assets);
    expect(new Set(revision.assetNames).size).toBe(assets);
    expect(revision.jobs.map((job) => job.State).sort()).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED', 'ERROR']);
    const imported = revision.jobs
      .filter((job) => job.State === 'COMPLETED')
      .flatMap((job) => job.Details?.ImportAssetsFromS3?.AssetSources?.map((source) => source.Key ?? '') ?? []);
    expect(imported.sort()).toEqual(revision.assetNames);

    // Two notifications in all: the failure, then the success.
    expect(redriven.notifications.map((n) => [n.attributes.outcome?.StringValue, n.subject])).toEqual([
      ['FAILED', `dx-flow: run ${runId} failed: ${ERROR_NAMES.importJobFailed}`],
      ['SUCCEEDED', `dx-flow: published revision ${revision.id} (${assets} assets)`],
    ]);
  });

  it('refuses to redrive a SUCCEEDED execution with ExecutionNotRedrivable', async () => {
    const published = await run(ctx.env.sandbox, ctx.env.sfn, clients, { runId: 'redrive-succeeded', source: { type: 'generate', assets: 1, recordsPerAsset: 1 } });

    const redrive = ctx.env.sfn.send(new RedriveExecutionCommand({ executionArn: published.executionArn }));

    expect(published.status).toBe('SUCCEEDED');
    await expect(redrive).rejects.toMatchObject({ name: 'ExecutionNotRedrivable', message: expect.stringContaining('Execution is SUCCEEDED and cannot be redriven') });
    const described = await ctx.env.sfn.send(new DescribeExecutionCommand({ executionArn: published.executionArn }));
    expect(described).toMatchObject({ status: 'SUCCEEDED', redriveCount: 0, redriveStatus: 'NOT_REDRIVABLE' });
    expect((await fullHistory(ctx.env.sfn, published.executionArn)).map((e) => e.type)).not.toContain('ExecutionRedriven');
  });
});
