import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Fault } from '../../sandbox/faults';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../sandbox/sandbox';

/** What a test may set of a sandbox beyond its faults and directory. */
export type TestSandboxOptions = Pick<SandboxOptions, 'timeScaleMs' | 'executionTimeoutMs' | 'notifySubscribers' | 'dataSets'>;

/** A sandbox in a fresh temporary directory, and a Step Functions client that reaches it like any user's. */
export async function openTestSandbox(
  faults: readonly Fault[] = [],
  directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-sandbox-')),
  timing: TestSandboxOptions = {},
) {
  // A quarter millisecond per second: the stack's 120 polls of an import stuck IN_PROGRESS end in about 2 s.
  const sandbox = await startSandbox({ directory, faults, timeScaleMs: 0.25, retryMs: 5, importDelayMs: 5, ...timing });
  const sfn = new SFNClient({ maxAttempts: 1 });
  return {
    sandbox,
    sfn,
    directory,
    async close({ keep = false } = {}) {
      sfn.destroy();
      await sandbox.close();
      if (!keep) rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Starts a publish execution; its default name is random, as StartExecution's own default is a UUID. */
export async function startRun(sandbox: RunningSandbox, sfn: SFNClient, input: Record<string, unknown>, name = `run-${randomUUID()}`) {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: sandbox.stateMachineArn,
      name,
      input: JSON.stringify({ bucket: sandbox.bucket, datasetId: sandbox.dataSetId, ...input }),
    }),
  );
  if (executionArn === undefined) throw new Error('no execution ARN');
  return executionArn;
}

export async function waitForEnd(sfn: SFNClient, executionArn: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING') return execution;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${executionArn} still running after ${timeoutMs} ms`);
}

/**
 * The execution once it has ended and its status change has reached the notifier: what a subscriber has
 * received by then is every notification of that status.
 */
export async function waitForSettled(sandbox: RunningSandbox, sfn: SFNClient, executionArn: string) {
  await sandbox.executions.settled(executionArn);
  return waitForEnd(sfn, executionArn);
}

/**
 * Does `act` (an upload whose event starts runs) and waits for the `expectedRuns` executions started since, oldest
 * first, to end and their status changes to reach the notifier: a failed run's notification is sent by then.
 */
export async function executionsStartedBy<T>(
  sandbox: RunningSandbox,
  sfn: SFNClient,
  act: () => Promise<T>,
  expectedRuns = 1,
): Promise<{ acted: T; ended: DescribeExecutionCommandOutput[] }> {
  const before = new Set(sandbox.executions.list().map((record) => record.executionArn));
  const acted = await act();
  const started: string[] = [];
  const deadline = Date.now() + 30_000;
  while (started.length < expectedRuns) {
    if (Date.now() > deadline) throw new Error(`Started ${started.length} of ${expectedRuns} executions`);
    for (const record of sandbox.executions.list().reverse()) {
      if (!before.has(record.executionArn) && !started.includes(record.executionArn)) started.push(record.executionArn);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const ended = [];
  for (const arn of started) ended.push(await waitForSettled(sandbox, sfn, arn));
  return { acted, ended };
}

export async function fullHistory(sfn: SFNClient, executionArn: string, pageSize = 1000): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: pageSize, nextToken }));
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return events;
}
