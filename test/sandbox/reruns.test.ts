import { executionNameFor } from '../../cli/main';
import { ERROR_NAMES } from '../../shared/errors';
import { importJobsStarted, outcomeOf, run, useSandbox } from './outcome';
import { startRun } from './sandbox-harness';

/*
 * Running a runId again: after it was published, after it failed half-way through its imports, and while
 * another execution of it is still running.
 */

describe('running the same runId again', () => {
  const ctx = useSandbox({ timeScaleMs: 3 });
  const { clients } = ctx;
  afterEach(() => ctx.env.sandbox.faults.clear());

  it('publishes once: the second run succeeds with no new import job, says "already published", and notifies once', async () => {
    const input = { runId: 'rerun-twice', source: { type: 'generate', assets: 2, recordsPerAsset: 2 } };
    const first = await run(ctx.env.sandbox, ctx.env.sfn, clients, input);

    const second = await run(ctx.env.sandbox, ctx.env.sfn, clients, input);

    expect(first.status).toBe('SUCCEEDED');
    expect(second.status).toBe('SUCCEEDED');
    expect(second.revisions).toEqual(first.revisions);
    expect(second.revisions).toHaveLength(1);
    expect(second.revisions[0].jobs).toHaveLength(1);
    expect(second.revisions[0].assetNames).toHaveLength(2);
    expect(second.notifications).toHaveLength(1);
    expect(second.notifications[0].subject).toBe('dx-flow: rerun-twice already published');
  });

  it('completes the same revision after a run that failed on the 2nd of 3 batches to import, importing nothing twice', async () => {
    // 201 assets are 3 batches (100, 100, 1): the fewest that leave a run with batches before and after the one that fails.
    const assets = 201;
    const input = { runId: 'rerun-redrive', source: { type: 'generate', assets, recordsPerAsset: 1 } };
    ctx.env.sandbox.faults.add([{ importJob: 'ERROR', nth: (await importJobsStarted(clients.dataExchange)) + 2 }]);
    const broken = await run(ctx.env.sandbox, ctx.env.sfn, clients, input);
    ctx.env.sandbox.faults.clear();

    const rerun = await run(ctx.env.sandbox, ctx.env.sfn, clients, input);

    expect(broken).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.importJobFailed });
    expect(broken.notifications.map((n) => n.attributes.outcome?.StringValue)).toEqual(['FAILED']);
    expect(broken.revisions).toEqual([expect.objectContaining({ finalized: false })]);
    expect(broken.revisions[0].assetNames.length).toBeLessThan(assets);
    expect([rerun.status, rerun.error, rerun.cause?.slice(0, 600)]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(rerun.revisions.map((r) => [r.id, r.finalized])).toEqual([[broken.revisions[0].id, true]]);
    const names = rerun.revisions[0].assetNames;
    expect(names).toHaveLength(assets);
    expect(new Set(names).size).toBe(assets);
    // Every key went through exactly one completed job.
    const imported = rerun.revisions[0].jobs
      .filter((job) => job.State === 'COMPLETED')
      .flatMap((job) => job.Details?.ImportAssetsFromS3?.AssetSources?.map((source) => source.Key) ?? []);
    expect(imported.sort()).toEqual(names);
    expect(rerun.notifications.map((n) => n.attributes.outcome?.StringValue)).toEqual(['SUCCEEDED']);
  });

  it('runs the runId again under a name the CLI gives it, which shares its first characters with the failed execution\'s', async () => {
    // The CLI names an execution `<runId>-<UTC timestamp>`: two runs of one runId differ only in their last characters.
    const input = { runId: 'rerun-named', source: { type: 'generate', assets: 1, recordsPerAsset: 1 } };
    ctx.env.sandbox.faults.add([{ importJob: 'ERROR' }]);
    const broken = await outcomeOf(
      ctx.env.sandbox,
      ctx.env.sfn,
      clients,
      await startRun(ctx.env.sandbox, ctx.env.sfn, input, executionNameFor(input.runId, new Date('2026-11-30T06:00:00.000Z'))),
      input.runId,
    );
    ctx.env.sandbox.faults.clear();

    const rerun = await outcomeOf(
      ctx.env.sandbox,
      ctx.env.sfn,
      clients,
      await startRun(ctx.env.sandbox, ctx.env.sfn, input, executionNameFor(input.runId, new Date('2026-11-30T06:05:00.000Z'))),
      input.runId,
    );

    expect(broken).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.importJobFailed });
    // Each execution's batches run under names of their own (a hash of the whole execution ARN), never the other's.
    expect([rerun.status, rerun.error, rerun.cause?.slice(0, 300)]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(rerun.batches.map((batch) => batch.name)).not.toContain(broken.batches[0]?.name);
    expect(rerun.revisions.map((r) => [r.id, r.finalized])).toEqual([[broken.revisions[0].id, true]]);
  });

  it('two runs of one runId at the same time: both succeed, and one revision is published with exactly its assets', async () => {
    const input = { runId: 'rerun-race', source: { type: 'generate', assets: 3, recordsPerAsset: 1 } };
    const arns = await Promise.all([startRun(ctx.env.sandbox, ctx.env.sfn, input), startRun(ctx.env.sandbox, ctx.env.sfn, input)]);

    const outcomes = await Promise.all(arns.map((arn) => outcomeOf(ctx.env.sandbox, ctx.env.sfn, clients, arn, input.runId)));

    const { revisions } = outcomes[1];
    const finalized = revisions.filter((revision) => revision.finalized);
    expect(finalized).toHaveLength(1);
    expect(finalized[0].assetNames).toEqual(['00001', '00002', '00003'].map((n) => `generated/rerun-race/analytics-${n}.csv`));
    // Revisions created in the same instant: both runs went on with the oldest; any other stays empty, never published.
    expect(revisions.filter((revision) => revision.assetNames.length > 0)).toHaveLength(1);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('SUCCEEDED');
      expect(outcome.notifications).toHaveLength(1);
    }
  });
});
