import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Fault } from '../../sandbox/faults';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../../sandbox/sandbox';

/** A sandbox in a fresh temporary directory, and a Step Functions client that reaches it like any user's. */
export async function openTestSandbox(
  faults: readonly Fault[] = [],
  directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-sandbox-')),
  timing: Pick<SandboxOptions, 'timeScaleMs'> = {},
) {
  // A quarter millisecond per second: the stack's 120 polls of an import stuck IN_PROGRESS end in about 2 s.
  const sandbox = await startSandbox({ directory, faults, timeScaleMs: 0.25, retryMs: 5, importDelayMs: 5, ...timing });
  const sfn = new SFNClient({ maxAttempts: 1 });
  return {
    sandbox,
    sfn,
    directory,
    async close({ keep = false } = {}) {
      await sandbox.close();
      if (!keep) rmSync(directory, { recursive: true, force: true });
    },
  };
}

export async function startRun(sandbox: RunningSandbox, sfn: SFNClient, input: Record<string, unknown>, name = `run-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`) {
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
