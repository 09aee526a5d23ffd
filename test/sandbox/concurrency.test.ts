import { GetObjectCommand } from '@aws-sdk/client-s3';
import { planKeyFor } from '../../shared/manifest';
import { outcomeOf, useSandbox } from './outcome';
import { startRun } from './sandbox-harness';

/*
 * Many runs at once in one sandbox, as one account: they share the bucket, the data set and the limit of
 * 10 import jobs in progress, so they contend for it. Each must still publish exactly its own assets.
 */

const RUNS = 20;

describe('concurrent runs in one account', () => {
  const ctx = useSandbox();
  const { clients } = ctx;

  it(`publishes ${RUNS} runs at once, each a finalized revision holding exactly its own assets`, async () => {
    const runs = Array.from({ length: RUNS }, (_, i) => ({
      runId: `load-${String(i).padStart(2, '0')}`,
      source: { type: 'generate', assets: 1 + (i % 3), recordsPerAsset: 2 },
    }));
    const arns = await Promise.all(runs.map((input) => startRun(ctx.env.sandbox, ctx.env.sfn, input)));

    const outcomes = await Promise.all(arns.map((arn, i) => outcomeOf(ctx.env.sandbox, ctx.env.sfn, clients, arn, runs[i].runId)));

    expect(outcomes.map((outcome) => outcome.status)).toEqual(runs.map(() => 'SUCCEEDED'));
    const revisionIds = new Set<string>();
    for (const [i, outcome] of outcomes.entries()) {
      const { runId, source } = runs[i];
      expect(outcome.revisions).toHaveLength(1);
      const [revision] = outcome.revisions;
      revisionIds.add(revision.id);
      expect(revision.finalized).toBe(true);
      expect(revision.assetNames).toEqual(
        Array.from({ length: source.assets }, (_, n) => `generated/${runId}/analytics-${String(n + 1).padStart(5, '0')}.csv`),
      );
      const plan = await clients.s3.send(new GetObjectCommand({ Bucket: ctx.env.sandbox.bucket, Key: planKeyFor(runId) }));
      expect(JSON.parse((await plan.Body?.transformToString()) ?? '{}')).toMatchObject({ runId, assetCount: source.assets, parts: [expect.any(Object)] });
      expect(outcome.notifications).toHaveLength(1);
      expect(outcome.notifications[0].attributes.runId?.StringValue).toBe(runId);
      expect(outcome.notifications[0].message).toContain(`Revision:  ${revision.id}`);
    }
    expect(revisionIds.size).toBe(RUNS);
    expect(ctx.env.sandbox.notifications()).toHaveLength(RUNS);
  });
});
