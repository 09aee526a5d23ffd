import { GetRevisionCommand } from '@aws-sdk/client-dataexchange';
import { DescribeExecutionCommand, RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { totalsOf } from '../../cli/history';
import type { CrashMoment } from './crash-child';
import { outcomeOf, revisionsOfRun, notificationsOf, run, sandboxClients, type RunOutcome } from './outcome';
import { fullHistory, openTestSandbox } from './sandbox-harness';

/*
 * A sandbox process killed (SIGKILL) at a chosen moment of a run, then a new sandbox on the same directory: the
 * services agree (an execution that says SUCCEEDED has its revision finalized and its success message), an
 * interrupted execution is ABORTED with its history up to the crash, and its redrive, or a new execution of its
 * runId, publishes each asset once.
 */

// 101 assets are 2 batches (100 and 1), the fewest where a crash can come between one batch's import and the next's.
const ASSETS = 101;
const SOURCE = { type: 'generate', assets: ASSETS, recordsPerAsset: 1 };

/** Runs crash-child.ts until it kills itself at `moment`; rejects if it ends any other way. */
function crashAt(directory: string, moment: CrashMoment, name: string, runId: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'crash-child.ts'), directory, moment, name, runId, JSON.stringify(SOURCE)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) =>
      signal === 'SIGKILL' ? resolve() : reject(new Error(`The run ended with ${signal ?? code} instead of a crash at ${moment}: ${stderr.slice(-2000)}`)),
    );
  });
}

const successes = (messages: ReturnType<typeof notificationsOf>) => messages.filter((m) => m.attributes.outcome?.StringValue === 'SUCCEEDED');

/** The run succeeded with one finalized revision of every asset, each key imported by exactly one completed job, and one success message. */
function expectEachAssetOnce(outcome: RunOutcome): void {
  expect([outcome.status, outcome.error, outcome.cause?.slice(0, 600)]).toEqual(['SUCCEEDED', undefined, undefined]);
  expect(outcome.revisions.map((revision) => revision.finalized)).toEqual([true]);
  const [revision] = outcome.revisions;
  expect(revision.assetNames).toHaveLength(ASSETS);
  expect(new Set(revision.assetNames).size).toBe(ASSETS);
  const imported = revision.jobs
    .filter((job) => job.State === 'COMPLETED')
    .flatMap((job) => job.Details?.ImportAssetsFromS3?.AssetSources?.map((source) => source.Key) ?? []);
  expect(imported.sort()).toEqual(revision.assetNames);
  expect(successes(outcome.notifications)).toHaveLength(1);
}

describe('a sandbox killed during a run, then restarted on its directory', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-crash-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it.each<CrashMoment>(['uploads', 'imports', 'finalized'])(
    'killed during %s: the execution is ABORTED at its last saved event, with its history, and its redrive publishes each asset once',
    async (moment) => {
      // GIVEN a run killed at the moment
      const runId = `crash-${moment}`;
      await crashAt(directory, moment, runId, runId);
      const restartedAt = Date.now();
      const env = await openTestSandbox([], directory);
      // Clients made now: the restarted sandbox's endpoints are in the environment.
      const clients = sandboxClients();
      try {
        const executionArn = env.sandbox.executions.arnFor(runId);

        // WHEN it is described after the restart
        const aborted = await env.sfn.send(new DescribeExecutionCommand({ executionArn }));
        const history = await fullHistory(env.sfn, executionArn);

        // THEN it stopped at its last saved event, which the history keeps, with the transitions before it.
        expect(aborted).toMatchObject({ status: 'ABORTED', error: 'SandboxStopped', redriveStatus: 'REDRIVABLE' });
        expect(history.at(-1)?.type).toBe('ExecutionAborted');
        expect(aborted.stopDate?.getTime()).toBe(history.at(-2)?.timestamp?.getTime());
        expect(aborted.stopDate?.getTime()).toBeLessThan(restartedAt);
        expect(totalsOf(history).stateTransitions).toBeGreaterThan(1);
        // Nothing says it succeeded: no success message, and a revision no later than the crash left it.
        expect(successes(notificationsOf(env.sandbox, executionArn))).toEqual([]);

        // WHEN it is redriven
        await env.sfn.send(new RedriveExecutionCommand({ executionArn }));
        const redriven = await outcomeOf(env.sandbox, env.sfn, clients, executionArn, runId);

        // THEN each asset is published once.
        expectEachAssetOnce(redriven);
      } finally {
        await env.close({ keep: true });
      }
    },
  );

  it.each<[CrashMoment, boolean]>([
    ['imports', false],
    ['finalized', true],
  ])('killed during %s: a new execution of the same runId publishes each asset once (the revision comes back finalized: %s)', async (moment, finalized) => {
    // GIVEN a run killed at the moment, and the sandbox restarted on its directory
    const runId = `crash-rerun-${moment}`;
    await crashAt(directory, moment, `${runId}-first`, runId);
    const env = await openTestSandbox([], directory);
    const clients = sandboxClients();
    try {
      // The crash left the runId one revision with assets; finalized when UpdateRevision had answered before it.
      const left = await revisionsOfRun(clients.dataExchange, env.sandbox.dataSetId, runId);
      expect(left.map((revision) => revision.assetNames.length > 0)).toEqual([true]);
      expect(left.map((revision) => revision.finalized)).toEqual([finalized]);

      // WHEN a new execution (not a redrive) runs the same runId
      const rerun = await run(env.sandbox, env.sfn, clients, { runId, source: SOURCE });

      // THEN each asset is published once, by the one revision the runId has.
      expectEachAssetOnce(rerun);
    } finally {
      await env.close({ keep: true });
    }
  });

  it('killed as its SUCCEEDED record is written: the revision is finalized and the success message recorded', async () => {
    // GIVEN a run killed the moment its terminal record is on disk
    const runId = 'crash-succeeded';
    await crashAt(directory, 'succeeded', runId, runId);
    const env = await openTestSandbox([], directory);
    const clients = sandboxClients();
    try {
      const executionArn = env.sandbox.executions.arnFor(runId);

      // WHEN the services are read after the restart
      const described = await env.sfn.send(new DescribeExecutionCommand({ executionArn }));
      const revisions = await revisionsOfRun(clients.dataExchange, env.sandbox.dataSetId, runId);

      // THEN they agree with the execution's SUCCEEDED.
      expect(described.status).toBe('SUCCEEDED');
      expect(revisions).toHaveLength(1);
      const got = await clients.dataExchange.send(new GetRevisionCommand({ DataSetId: env.sandbox.dataSetId, RevisionId: revisions[0].id }));
      expect(got.Finalized).toBe(true);
      expect(new Set(revisions[0].assetNames).size).toBe(ASSETS);
      expect(successes(notificationsOf(env.sandbox, executionArn))).toHaveLength(1);
    } finally {
      await env.close({ keep: true });
    }
  });
});
