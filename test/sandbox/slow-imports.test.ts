import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MAX_LEARNED_FIRST_SECONDS } from '../../shared/import-poll';
import { type RunningSandbox, startSandbox } from '../../sandbox/sandbox';
import { fullHistory, startRun, waitForEnd } from './sandbox-harness';

/*
 * Imports that stay IN_PROGRESS for many polls: the batches' polling goes into their own executions' histories,
 * and the publish execution's history grows by the batch, not by the poll
 * (test/workflows/history-budget.test.ts computes the worst case from the definitions).
 */

// 0.25 ms per scaled second: a job IN_PROGRESS for 800 ms lasts 3,200 scaled seconds, about 20 polls on the growing
// schedule from the default first wait. A batch that starts after another's job completed learns a longer first
// wait and may poll once, and a loaded machine runs fewer polls in the same real time: the test counts all polls.
const IMPORT_DELAY_MS = 800;

let sandbox: RunningSandbox;
let directory: string;
const sfn = new SFNClient({ maxAttempts: 1 });

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-slow-imports-'));
  sandbox = await startSandbox({ directory, timeScaleMs: 0.25, retryMs: 5, importDelayMs: IMPORT_DELAY_MS });
});

afterAll(async () => {
  await sandbox.close();
  rmSync(directory, { recursive: true, force: true });
});

it('keeps the polls of slow imports out of the publish history', async () => {
  const executionArn = await startRun(sandbox, sfn, { runId: 'slow-imports', source: { type: 'generate', assets: 250, recordsPerAsset: 1 } });
  const ended = await waitForEnd(sfn, executionArn, 60_000);
  expect(ended.status).toBe('SUCCEEDED');

  const importBatchArn = sandbox.executions.stateMachines.find((m) => m.arn !== sandbox.stateMachineArn)?.arn;
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: importBatchArn }));
  const batchHistories = await Promise.all(executions.map((execution) => fullHistory(sfn, execution.executionArn ?? '')));
  const polls = batchHistories.map((events) => events.filter((event) => event.stateEnteredEventDetails?.name === 'CheckImport').length);
  const parent = await fullHistory(sfn, executionArn);

  expect(executions).toHaveLength(3);
  expect(polls.reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(10);
  // The parent: a fixed part plus 8 events a batch, whatever the polls; each batch: its polls, far under 25,000.
  expect(parent.length).toBeLessThanOrEqual(60 + 8 * executions.length);
  expect(parent.some((event) => event.stateEnteredEventDetails?.name === 'CheckImport')).toBe(false);
  for (const events of batchHistories) expect(events.length).toBeLessThan(25_000);
});

it("learns a later run's first wait from the earlier imports, timed on the Wait states' clock", async () => {
  // Arrange: the first test's jobs took 800 real ms each, 3,200 scaled seconds.
  const executionArn = await startRun(sandbox, sfn, { runId: 'slow-imports-again', source: { type: 'generate', assets: 10, recordsPerAsset: 1 } });

  // Act
  const ended = await waitForEnd(sfn, executionArn, 60_000);

  // Assert: without the scaled clock, the jobs would read as 0.8 s long and the first wait would be 1 s.
  expect(ended.status).toBe('SUCCEEDED');
  const importBatchArn = sandbox.executions.stateMachines.find((m) => m.arn !== sandbox.stateMachineArn)?.arn;
  const { executions = [] } = await sfn.send(new ListExecutionsCommand({ stateMachineArn: importBatchArn }));
  const batch = executions.find((execution) => execution.name?.startsWith('slow-imports-again'));
  const started = (await fullHistory(sfn, batch?.executionArn ?? '')).find((event) => event.stateExitedEventDetails?.name === 'StartImport');
  expect(JSON.parse(started?.stateExitedEventDetails?.output ?? '{}')).toMatchObject({ status: { firstWaitSeconds: MAX_LEARNED_FIRST_SECONDS } });
});
