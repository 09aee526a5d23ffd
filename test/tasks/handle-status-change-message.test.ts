import { ERROR_NAMES } from '../../shared/errors';
import { STATE } from '../../shared/state-names';
import { describeCause, isNotificationLost, statusChangeNotification, type TerminalRun } from '../../tasks/handle-status-change/message';
import { DATA_SET_ID, REVISION_ID, RUN_ID } from '../fixtures/ids';

/* The words of a failure notification (tasks/handle-status-change/message.ts). */

const EXECUTION_ARN = `arn:aws:states:us-east-1:123456789012:execution:DxFlowPublishRevision:${RUN_ID}-x`;
const CHILD_ARN = 'arn:aws:states:us-east-1:123456789012:execution:DxFlowImportBatch:batch-2-abcd';

const terminal = (overrides: Partial<TerminalRun> = {}): TerminalRun => ({
  status: 'FAILED',
  executionArn: EXECUTION_ARN,
  redriveCount: 0,
  run: { runId: RUN_ID, datasetId: DATA_SET_ID, revisionId: REVISION_ID },
  startDate: new Date('2026-11-30T06:00:00.000Z'),
  stopDate: new Date('2026-11-30T06:00:05.000Z'),
  ...overrides,
});

describe('describeCause of a failed child execution', () => {
  it("shows the child's own error, with the parent's cause none given when the child gives none", () => {
    const cause = JSON.stringify({ ExecutionArn: CHILD_ARN, Status: 'FAILED', Error: 'ImportJobFailedError' });

    expect(describeCause('States.TaskFailed', cause)).toEqual({
      error: 'ImportJobFailedError',
      cause: '(none given)',
      childExecutionArn: CHILD_ARN,
      childStatus: 'FAILED',
    });
  });

  it("keeps the parent's error when the child gives only a cause", () => {
    const cause = JSON.stringify({ ExecutionArn: CHILD_ARN, Status: 'FAILED', Cause: 'key missing' });

    expect(describeCause('States.TaskFailed', cause)).toEqual({ error: 'States.TaskFailed', cause: 'key missing', childExecutionArn: CHILD_ARN, childStatus: 'FAILED' });
  });

  it('says when the child ended without a status', () => {
    expect(describeCause('States.TaskFailed', JSON.stringify({ ExecutionArn: CHILD_ARN }))).toMatchObject({
      cause: 'The child execution ended without a status.',
    });
  });
});

describe('isNotificationLost', () => {
  it('says so when NotifySuccess is where the run stopped, or NotificationFailedError is its error', () => {
    expect(isNotificationLost({ failedState: { name: STATE.notifySuccess }, error: 'States.Timeout' })).toBe(true);
    expect(isNotificationLost({ failedState: { name: STATE.finalizeRevision }, error: ERROR_NAMES.notificationFailed })).toBe(true);
    expect(isNotificationLost({ failedState: { name: STATE.finalizeRevision }, error: 'RevisionStateError' })).toBe(false);
    expect(isNotificationLost({})).toBe(false);
  });
});

describe('statusChangeNotification', () => {
  it('words a failure: subject with the error, headline, fields, and what to do', () => {
    const notification = statusChangeNotification(terminal({ error: 'RevisionStateError', cause: 'two assets', failedState: { name: STATE.finalizeRevision } }));

    expect(notification.subject).toBe(`dx-flow: run ${RUN_ID} failed: RevisionStateError`);
    expect(notification.message.split('\n\n')).toEqual([
      `dx-flow run ${RUN_ID} failed.`,
      expect.stringMatching(/^Status: +FAILED\n/),
      `Fix the cause, then redrive this execution (dx-flow redrive ${EXECUTION_ARN}), or start a new run with the same runId.`,
    ]);
  });

  it('keeps the error out of the subject of a failure without one, and of a timeout with one', () => {
    expect(statusChangeNotification(terminal({ cause: 'something' })).subject).toBe(`dx-flow: run ${RUN_ID} failed`);
    expect(statusChangeNotification(terminal({ status: 'TIMED_OUT', error: 'States.Timeout' })).subject).toBe(`dx-flow: run ${RUN_ID} timed out`);
  });

  it('shows an error that comes without a cause, and a blank cause as none given', () => {
    const { message } = statusChangeNotification(terminal({ error: 'Boom' }));
    const blank = statusChangeNotification(terminal({ cause: '   ' })).message;

    expect(message).toMatch(/^Error: +Boom$/m);
    expect(message).toMatch(/^Cause: +\(none given\)$/m);
    expect(blank).not.toMatch(/^Error:/m);
    expect(blank).toMatch(/^Cause: +\(none given\)$/m);
  });

  it('says "unknown" for a data set and run it could not read, and "status unknown" for a child without one', () => {
    const cause = JSON.stringify({ ExecutionArn: CHILD_ARN, Error: 'X', Cause: 'y' });

    const { message, subject } = statusChangeNotification(terminal({ error: 'States.TaskFailed', cause, run: {} }));

    expect(message).toMatch(/^Data set: +unknown$/m);
    expect(message).toMatch(/^Run: +unknown$/m);
    expect(message).toMatch(/^Revision: +none yet$/m);
    expect(message).toMatch(new RegExp(`^Batch execution: +${CHILD_ARN} \\(status unknown\\)$`, 'm'));
    expect(subject).toBe(`dx-flow: run ${RUN_ID}-x failed: X`);
  });

  it('words a lost notification, saying unknown for what it could not read', () => {
    const notification = statusChangeNotification(terminal({ error: ERROR_NAMES.notificationFailed, run: {} }));

    expect(notification.subject).toBe('dx-flow: revision unknown IS published; only its notification failed');
    expect(notification.message.split('\n\n')).toEqual([
      'Revision unknown of data set unknown IS published (run unknown). Only its success notification could not be sent, and the execution failed.',
      expect.stringMatching(/^Status: +FAILED\n/),
      `Nothing needs republishing. Fix the notification topic, then redrive this execution (dx-flow redrive ${EXECUTION_ARN}) to send the success notification.`,
    ]);
  });
});
