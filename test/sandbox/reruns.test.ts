import { paginateListJobs } from '@aws-sdk/client-dataexchange';
import { ERROR_NAMES } from '../../shared/errors';
import { outcomeOf, run, useSandbox } from './outcome';
import { startRun } from './sandbox-harness';

/*
 * Running a runId again: after it was published, after it failed half-way through its imports, and while
 * another execution of it is still running.
 */

describe('running the same runId again', () => {
  const ctx = useSandbox({ timeScaleMs: 3 });
  const { clients } = ctx;
  afterEach(() => ctx.env.sandbox.faults.clear());

  /** Import jobs the account has started so far: the fault plan's `nth` counts them over the sandbox's life. */
  async function importJobsStarted(): Promise<number> {
    let started = 0;
    for await (const page of paginateListJobs({ client: clients.dataExchange }, {})) {
      started += (page.Jobs ?? []).filter((job) => job.State !== 'WAITING').length;
    }
    return started;
  }

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

  it('completes the same revision after a run that failed on the 3rd of 5 batches, importing nothing twice', async () => {
    const input = { runId: 'rerun-redrive', source: { type: 'generate', assets: 500, recordsPerAsset: 1 } };
    ctx.env.sandbox.faults.add([{ importJob: 'ERROR', nth: (await importJobsStarted()) + 3 }]);
    const broken = await run(ctx.env.sandbox, ctx.env.sfn, clients, input);
    ctx.env.sandbox.faults.clear();

    const rerun = await run(ctx.env.sandbox, ctx.env.sfn, clients, input);

    expect(broken).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.importJobFailed });
    expect(broken.revisions).toEqual([expect.objectContaining({ finalized: false })]);
    expect(broken.revisions[0].assetNames.length).toBeLessThan(500);
    expect([rerun.status, rerun.error, rerun.cause?.slice(0, 600)]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(rerun.revisions.map((r) => [r.id, r.finalized])).toEqual([[broken.revisions[0].id, true]]);
    const names = rerun.revisions[0].assetNames;
    expect(names).toHaveLength(500);
    expect(new Set(names).size).toBe(500);
    // Every key went through exactly one completed job.
    const imported = rerun.revisions[0].jobs
      .filter((job) => job.State === 'COMPLETED')
      .flatMap((job) => job.Details?.ImportAssetsFromS3?.AssetSources?.map((source) => source.Key) ?? []);
    expect(imported.sort()).toEqual(names);
    expect(rerun.notifications).toHaveLength(1);
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
