import { GetObjectCommand } from '@aws-sdk/client-s3';
import { RedriveExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { FaultPlan } from '../../sandbox/faults';
import { ERROR_NAMES } from '../../shared/errors';
import { NOTIFICATION_RECORD_PREFIX } from '../../shared/notifications';
import { STATE } from '../../shared/state-names';
import { recordKeyOf } from '../../tasks/handle-status-change/core';
import { outcomeOf, type RunOutcome, useSandbox, waitForBatchState } from './outcome';
import { openTestSandbox, startRun } from './sandbox-harness';

/*
 * The notification of a run that did not succeed comes from its execution's status change: one message per
 * terminal status of each attempt, whether it failed, timed out or was stopped, however often EventBridge
 * delivers the change (the notifier's S3 record), and again for a redrive that fails again (a new attempt).
 */

const oneAsset = { type: 'generate', assets: 1, recordsPerAsset: 1 };

/** The one notification of a run that ended with `status`, and the words its subject uses for it. */
function expectNotifiedOnce(outcome: RunOutcome, status: 'FAILED' | 'TIMED_OUT' | 'ABORTED', subject: string) {
  expect(outcome.notifications.map((n) => [n.subject, n.attributes.outcome?.StringValue])).toEqual([[subject, status]]);
  expect(outcome.notifications[0].message).toMatch(new RegExp(`^Status:\\s+${status}$`, 'm'));
  expect(outcome.notifications[0].message).toMatch(new RegExp(`^Execution:\\s+${outcome.executionArn}$`, 'm'));
}

describe('status-change notifications of stopped, failed, redriven and timed-out runs', () => {
  // 3 ms a second: a stuck import reaches the poll bound after about 21 s, long after the test has stopped it.
  const ctx = useSandbox({ timeScaleMs: 3 });
  const { clients } = ctx;
  afterEach(() => {
    ctx.env.sandbox.faults.clear();
    jest.restoreAllMocks();
  });

  /** The notifier's record of an attempt's status: the key claimed with a conditional write, then the message id. */
  async function notificationRecord(outcome: RunOutcome, redriveCount: number, status: 'FAILED') {
    const key = recordKeyOf({ stateMachineArn: ctx.env.sandbox.stateMachineArn, name: outcome.executionName }, redriveCount, status);
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: ctx.env.sandbox.bucket, Key: key }));
    return { key, body: JSON.parse((await object.Body?.transformToString()) ?? '{}') as { messageId?: string } };
  }

  it('a run stopped while its import is stuck notifies once, ABORTED, with the stop\'s error and cause', async () => {
    ctx.env.sandbox.faults.add(FaultPlan.parse([{ importJob: 'STUCK' }]));
    const executionArn = await startRun(ctx.env.sandbox, ctx.env.sfn, { runId: 'status-stopped', source: oneAsset });
    await waitForBatchState(ctx.env.sandbox, ctx.env.sfn, executionArn, STATE.checkImport);

    await ctx.env.sfn.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'the import is stuck' }));
    const outcome = await outcomeOf(ctx.env.sandbox, ctx.env.sfn, clients, executionArn, 'status-stopped');

    expect(outcome).toMatchObject({ status: 'ABORTED', executionError: 'Operator' });
    expectNotifiedOnce(outcome, 'ABORTED', 'dx-flow: run status-stopped was stopped');
    expect(outcome.notifications[0].message).toContain('The execution was stopped: the import is stuck');
    expect(outcome.notifications[0].message).toMatch(new RegExp(`^Stopped in:\\s+${STATE.importBatch}\\b`, 'm'));
    // The batch's execution stopped with the run.
    expect(outcome.batches.map((batch) => batch.status)).toEqual(['ABORTED']);
  });

  it('a failure whose status change EventBridge delivers twice notifies once: the second delivery finds the attempt\'s record', async () => {
    ctx.env.sandbox.faults.add(FaultPlan.parse([{ importJob: 'ERROR' }, { event: 'ExecutionStatusChange', deliveries: 2 }]));
    const deliveries = jest.spyOn(ctx.env.sandbox.faults, 'eventDeliveries');
    const executionArn = await startRun(ctx.env.sandbox, ctx.env.sfn, { runId: 'status-twice', source: oneAsset });

    const outcome = await outcomeOf(ctx.env.sandbox, ctx.env.sfn, clients, executionArn, 'status-twice');

    // The one status change the rule matched (FAILED) was delivered twice.
    expect(deliveries.mock.results.map((result) => result.value)).toEqual([2]);
    expect(outcome).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.importJobFailed });
    expectNotifiedOnce(outcome, 'FAILED', `dx-flow: run status-twice failed: ${ERROR_NAMES.importJobFailed}`);
    const record = await notificationRecord(outcome, 0, 'FAILED');
    expect(record.key.startsWith(NOTIFICATION_RECORD_PREFIX)).toBe(true);
    expect(record.body.messageId).toBe(outcome.notifications[0].messageId);
  });

  it('a redriven run that fails again notifies again, as the redrive\'s attempt', async () => {
    ctx.env.sandbox.faults.add(FaultPlan.parse([{ importJob: 'ERROR' }]));
    const executionArn = await startRun(ctx.env.sandbox, ctx.env.sfn, { runId: 'status-again', source: oneAsset });
    const first = await outcomeOf(ctx.env.sandbox, ctx.env.sfn, clients, executionArn, 'status-again');

    await ctx.env.sfn.send(new RedriveExecutionCommand({ executionArn }));
    const again = await outcomeOf(ctx.env.sandbox, ctx.env.sfn, clients, executionArn, 'status-again');

    expect([first.status, again.status]).toEqual(['FAILED', 'FAILED']);
    expect(again.notifications.map((n) => [n.subject, n.attributes.outcome?.StringValue])).toEqual([
      [`dx-flow: run status-again failed: ${ERROR_NAMES.importJobFailed}`, 'FAILED'],
      [`dx-flow: run status-again failed: ${ERROR_NAMES.importJobFailed}`, 'FAILED'],
    ]);
    expect(again.notifications.map((n) => /^Attempt:\s+(.+)$/m.exec(n.message)?.[1])).toEqual(['first run', 'redrive 1']);
    // Each names the batch execution of its own attempt.
    expect(again.batches.map((batch) => [batch.name.slice(-3), batch.status])).toEqual([
      ['-r0', 'FAILED'],
      ['-r1', 'FAILED'],
    ]);
    again.notifications.forEach((notification, attempt) => expect(notification.message).toContain(`${again.batches[attempt].executionArn} (FAILED)`));
    expect((await notificationRecord(again, 0, 'FAILED')).body.messageId).toBe(again.notifications[0].messageId);
    expect((await notificationRecord(again, 1, 'FAILED')).body.messageId).toBe(again.notifications[1].messageId);
  });

  it('a run whose import is stuck past the execution timeout notifies once, TIMED_OUT', async () => {
    // GIVEN the same sandbox restarted (on the same ports) with executions that time out after 2 s; at 10 ms a
    // second, a stuck import would poll for about 70 s before the batch failed.
    await ctx.env.close({ keep: true });
    ctx.env = await openTestSandbox(FaultPlan.parse([{ importJob: 'STUCK' }]), ctx.env.directory, { timeScaleMs: 10, executionTimeoutMs: 2_000 });
    const executionArn = await startRun(ctx.env.sandbox, ctx.env.sfn, { runId: 'status-timeout', source: oneAsset });

    const outcome = await outcomeOf(ctx.env.sandbox, ctx.env.sfn, clients, executionArn, 'status-timeout');

    expect(outcome).toMatchObject({ status: 'TIMED_OUT', executionError: 'States.Timeout' });
    expectNotifiedOnce(outcome, 'TIMED_OUT', 'dx-flow: run status-timeout timed out');
    expect(outcome.revisions).toEqual([expect.objectContaining({ finalized: false, assetNames: [] })]);
  });
});
