import { GetRevisionCommand, paginateListJobs, paginateListRevisionAssets } from '@aws-sdk/client-dataexchange';
import { type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MAX_ASSETS_PER_IMPORT_JOB, MAX_ASSETS_PER_REVISION } from '../../shared/limits';
import { runMarker } from '../../tasks/create-revision/core';
import { cli, clientOptions, type Inspection, inspect } from '../cli/harness';
import { fullHistory } from './sandbox-harness';

/*
 * The scale path end to end, through `dx-flow run --local`: a 300-asset smoke of batching and polling, and a run
 * one asset past a revision's limit, which publishes two revisions in order from two executions.
 */

/** Step Functions' own limits, which the sandbox does not enforce: the test does. */
const MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_HISTORY_EVENTS = 25_000;

function payloadsOf(event: HistoryEvent): string[] {
  const details = Object.values(event).filter((value): value is Record<string, unknown> => typeof value === 'object' && value !== null);
  return details.flatMap((detail) => [detail.input, detail.output].filter((text): text is string => typeof text === 'string'));
}

interface RevisionState {
  readonly comment: string | undefined;
  readonly finalized: boolean | undefined;
  readonly assets: number;
  readonly jobs: number;
}

async function revisionState({ sandbox, dataExchange }: Inspection, revisionId: string): Promise<RevisionState> {
  const ids = { DataSetId: sandbox.dataSetId, RevisionId: revisionId };
  const revision = await dataExchange.send(new GetRevisionCommand(ids));
  let assets = 0;
  // Each paginator gets its own input: they write their NextToken into it.
  for await (const page of paginateListRevisionAssets({ client: dataExchange }, { ...ids })) assets += page.Assets?.length ?? 0;
  let jobs = 0;
  for await (const page of paginateListJobs({ client: dataExchange }, { ...ids })) jobs += page.Jobs?.length ?? 0;
  return { comment: revision.Comment, finalized: revision.Finalized, assets, jobs };
}

async function histories({ sandbox }: Inspection, executionArns: readonly string[]): Promise<HistoryEvent[][]> {
  const sfn = new SFNClient({ ...clientOptions, endpoint: sandbox.endpoints.sfn });
  return Promise.all(executionArns.map((arn) => fullHistory(sfn, arn)));
}

describe('dx-flow run --local at scale', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-scale-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  const run = (runId: string, assets: number) =>
    cli([
      'run',
      '--local',
      '--sandbox-dir',
      directory,
      '--json',
      '--input',
      JSON.stringify({ runId, source: { type: 'generate', assets, recordsPerAsset: 1 } }),
    ]);

  it('publishes 300 assets in 3 import jobs, with every payload far under 256 KB', async () => {
    const result = await run('smoke-300', 300);

    expect(result.code).toBe(0);
    const summary = result.json();
    expect(summary).toMatchObject({ status: 'SUCCEEDED', assetCount: 300, importJobs: 3, revisionIds: [expect.any(String)] });
    const state = await inspect(directory, async (clients) => ({
      revision: await revisionState(clients, String(summary.revisionId)),
      histories: await histories(clients, summary.executionArns as string[]),
    }));
    expect(state.revision).toEqual({ comment: runMarker('smoke-300'), finalized: true, assets: 300, jobs: 3 });
    const payloads = state.histories.flat().flatMap(payloadsOf);
    expect(Math.max(...payloads.map((payload) => Buffer.byteLength(payload)))).toBeLessThan(MAX_PAYLOAD_BYTES / 10);
  }, 120_000);

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

    const state = await inspect(directory, async (clients) => ({
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
    const notifications = await inspect(directory, async ({ sandbox }) => sandbox.notifications());
    expect(notifications.map((message) => message.subject)).toEqual([
      `dx-flow: published 2 revisions (${assets} assets)`,
      'dx-flow: scale-10001 already published as 2 revisions',
    ]);
  }, 300_000);
});
