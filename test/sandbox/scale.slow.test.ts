import { MAX_ASSETS_PER_IMPORT_JOB, MAX_ASSETS_PER_REVISION } from '../../shared/limits';
import { runMarker } from '../../tasks/create-revision/core';
import { inspect } from '../cli/harness';
import { histories, MAX_HISTORY_EVENTS, MAX_PAYLOAD_BYTES, payloadsOf, revisionState, scaleRuns } from './scale-harness';

/*
 * A run one asset past a revision's limit, through `dx-flow run --local`: two revisions in order from two
 * executions, then a rerun that finds both. Minutes on 2 cores, so `npm test` leaves it to `npm run test:slow`
 * (jest.config.js); the mocked workflow tests cover the same chain of parts in `npm test`.
 */

describe('dx-flow run --local past a revision\'s limit', () => {
  const { directory, run } = scaleRuns();

  it(`publishes ${MAX_ASSETS_PER_REVISION + 1} assets as two revisions in order, from two executions, and notifies once`, async () => {
    const assets = MAX_ASSETS_PER_REVISION + 1;

    const result = await run('scale-10001', assets);

    expect(result.code).toBe(0);
    const summary = result.json();
    expect(summary).toMatchObject({
      status: 'SUCCEEDED',
      assetCount: assets,
      importJobs: MAX_ASSETS_PER_REVISION / MAX_ASSETS_PER_IMPORT_JOB + 1,
      notifications: 1,
    });
    expect(summary.revisionIds).toHaveLength(2);
    expect(summary.executionArns).toHaveLength(2);
    expect(String((summary.executionArns as string[])[1])).toMatch(/-part-2$/);
    expect(result.stderr).toMatch(/ImportBatches\s+part 1\/2, 100 batches/);
    expect(result.stderr).toMatch(/Execution\s+continues in .*-part-2/);

    const state = await inspect(directory(), async (clients) => ({
      revisions: await Promise.all((summary.revisionIds as string[]).map((id) => revisionState(clients, id))),
      histories: await histories(clients, summary.executionArns as string[]),
      notifications: clients.sandbox.notifications(),
    }));
    expect(state.revisions).toEqual([
      { comment: runMarker('scale-10001'), finalized: true, assets: MAX_ASSETS_PER_REVISION, jobs: 100 },
      { comment: runMarker('scale-10001', 1), finalized: true, assets: 1, jobs: 1 },
    ]);
    // The first revision was finalized before the second execution started: in order, each one whole.
    const [first, second] = state.histories;
    const finalizedAt = first.find((event) => event.stateExitedEventDetails?.name === 'FinalizeRevision')?.timestamp;
    expect(finalizedAt?.getTime()).toBeLessThanOrEqual(second[0].timestamp?.getTime() ?? 0);
    for (const history of state.histories) expect(history.length).toBeLessThan(MAX_HISTORY_EVENTS);
    const payloads = state.histories.flat().flatMap(payloadsOf);
    expect(Math.max(...payloads.map((payload) => Buffer.byteLength(payload)))).toBeLessThan(MAX_PAYLOAD_BYTES / 10);
    expect(state.notifications).toHaveLength(1);
    expect(state.notifications[0].subject).toBe(`dx-flow: published 2 revisions (${assets} assets)`);

    // The same runId again: both parts are found finalized, nothing is imported, and the one notification says so.
    const again = await run('scale-10001', assets);

    expect(again.json()).toMatchObject({ status: 'SUCCEEDED', importJobs: 0, revisionIds: [], alreadyPublished: true });
    expect(again.json().executionArns).toHaveLength(2);
    const notifications = await inspect(directory(), async ({ sandbox }) => sandbox.notifications());
    expect(notifications.map((message) => message.subject)).toEqual([
      `dx-flow: published 2 revisions (${assets} assets)`,
      'dx-flow: scale-10001 already published as 2 revisions',
    ]);
  }, 300_000);
});
