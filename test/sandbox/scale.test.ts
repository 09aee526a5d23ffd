import { runMarker } from '../../tasks/create-revision/core';
import { inspect } from '../cli/harness';
import { histories, MAX_PAYLOAD_BYTES, payloadsOf, revisionState, scaleRuns } from './scale-harness';

/*
 * The scale path end to end, through `dx-flow run --local`: a 300-asset smoke of batching and polling. The run one
 * asset past a revision's limit is in scale.slow.test.ts (`npm run test:slow`): it takes minutes on 2 cores.
 */

describe('dx-flow run --local at scale', () => {
  const { directory, run } = scaleRuns();

  it('publishes 300 assets in 3 import jobs, with every payload far under 256 KB', async () => {
    const result = await run('smoke-300', 300);

    expect(result.code).toBe(0);
    const summary = result.json();
    expect(summary).toMatchObject({ status: 'SUCCEEDED', assetCount: 300, importJobs: 3, revisionIds: [expect.any(String)] });
    const state = await inspect(directory(), async (clients) => ({
      revision: await revisionState(clients, String(summary.revisionId)),
      histories: await histories(clients, summary.executionArns as string[]),
    }));
    expect(state.revision).toEqual({ comment: runMarker('smoke-300'), finalized: true, assets: 300, jobs: 3 });
    const payloads = state.histories.flat().flatMap(payloadsOf);
    expect(Math.max(...payloads.map((payload) => Buffer.byteLength(payload)))).toBeLessThan(MAX_PAYLOAD_BYTES / 10);
  }, 120_000);
});
