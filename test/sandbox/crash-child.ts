import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Fault } from '../../sandbox/faults';
import { startSandbox } from '../../sandbox/sandbox';

/*
 * A sandbox run that kills its own process (SIGKILL: nothing is flushed, nothing is closed) at one chosen moment,
 * for crash.test.ts. Arguments: the sandbox directory, the moment, the execution's name, the runId and the run's
 * source (JSON). The fault plan holds the run at the moment where it has one to hold it at.
 *
 * - uploads: S3 PutObject calls after the 60th are held; killed once the execution records are saved.
 * - imports: the 2nd batch's StartJob is held, after the 1st batch's import; killed once the records are saved.
 * - finalized: killed as the run's success message is sent, right after FinalizeRevision's UpdateRevision.
 * - succeeded: killed the moment the execution's SUCCEEDED record is on disk.
 */

export const CRASH_MOMENTS = ['uploads', 'imports', 'finalized', 'succeeded'] as const;
export type CrashMoment = (typeof CRASH_MOMENTS)[number];

/** Longer than the execution store's 250 ms between saves of a running execution. */
const SAVED_MS = 400;
const HELD: Partial<Record<CrashMoment, Fault>> = {
  uploads: { service: 's3', operation: 'PutObject', delayMs: 600_000, after: 60, times: 10_000 },
  imports: { service: 'dataexchange', operation: 'StartJob', delayMs: 600_000, after: 1, times: 1 },
};

const crash = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

async function main([directory, moment, name, runId, source]: string[]): Promise<void> {
  const sandbox = await startSandbox({ directory, timeScaleMs: 0.25, retryMs: 5, importDelayMs: 5 });
  const held = HELD[moment as CrashMoment];
  if (held !== undefined) sandbox.faults.add([held]);
  const onRequest = sandbox.faults.onRequest.bind(sandbox.faults);
  let finalized = false;
  sandbox.faults.onRequest = (service, operation) => {
    finalized ||= service === 'dataexchange' && operation === 'UpdateRevision';
    if (moment === 'finalized' && finalized && service === 'sns' && operation === 'Publish') crash();
    const injected = onRequest(service, operation);
    if (injected?.delayMs !== undefined) setTimeout(crash, SAVED_MS);
    return injected;
  };
  const sfn = new SFNClient({ maxAttempts: 1 });
  await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: sandbox.stateMachineArn,
      name,
      input: JSON.stringify({ bucket: sandbox.bucket, datasetId: sandbox.dataSetId, runId, source: JSON.parse(source) as unknown }),
    }),
  );
  if (moment === 'succeeded') {
    const record = path.join(directory, 'executions', `${name}.json`);
    const poll = setInterval(() => {
      if ((JSON.parse(readFileSync(record, 'utf8')) as { status?: string }).status === 'SUCCEEDED') crash();
    }, 1);
    poll.unref();
  }
  // The run's end without a crash is the test's failure: the child exits 0 and the test says so.
  await sandbox.executions.settled(sandbox.executions.arnFor(name));
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  process.exit(0);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
