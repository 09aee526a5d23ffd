import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { stateRuns } from '../../console/state-runs';

/*
 * What the console colours each state with, from the history alone. GIVEN a history, WHEN it is read, THEN each
 * state entered has the outcome of its latest attempt.
 */

/** A history with ids and previousEventIds in order, as GetExecutionHistory returns one thread of it. */
function history(...events: Omit<HistoryEvent, 'id' | 'previousEventId' | 'timestamp'>[]): HistoryEvent[] {
  return events.map((event, index) => ({ ...event, id: index + 1, previousEventId: index, timestamp: new Date(0) }) as HistoryEvent);
}

const entered = (type: string, name: string, input = '{}') => ({ type, stateEnteredEventDetails: { name, input } }) as HistoryEvent;
const exited = (type: string, name: string, output = '{}') => ({ type, stateExitedEventDetails: { name, output } }) as HistoryEvent;
const scheduled = { type: 'TaskScheduled', taskScheduledEventDetails: { resource: 'invoke', resourceType: 'lambda', region: 'us-east-1', parameters: '{}' } } as HistoryEvent;
const taskFailed = (error: string, cause: string) =>
  ({ type: 'TaskFailed', taskFailedEventDetails: { resource: 'invoke', resourceType: 'lambda', error, cause } }) as HistoryEvent;

describe('stateRuns', () => {
  it('marks the state still open when the execution failed as failed, with its task error and cause', () => {
    // GIVEN
    const events = history(
      { type: 'ExecutionStarted' },
      entered('TaskStateEntered', 'Plan', '{"a":1}'),
      scheduled,
      exited('TaskStateExited', 'Plan', '{"b":2}'),
      entered('TaskStateEntered', 'Finalize'),
      scheduled,
      taskFailed('BoomError', 'it broke'),
      { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'BoomError', cause: 'it broke' } },
    );

    // WHEN
    const runs = stateRuns(events);

    // THEN
    expect(runs).toEqual([
      { name: 'Plan', status: 'succeeded', entered: 1, input: '{"a":1}', output: '{"b":2}' },
      { name: 'Finalize', status: 'failed', entered: 1, input: '{}', error: 'BoomError', cause: 'it broke' },
    ]);
  });

  it('says caught for a state that failed and still exited, and succeeded for one a retrier ran again', () => {
    // GIVEN
    const events = history(
      entered('TaskStateEntered', 'Caught'),
      scheduled,
      taskFailed('CaughtError', 'handled'),
      exited('TaskStateExited', 'Caught'),
      entered('TaskStateEntered', 'Retried'),
      scheduled,
      taskFailed('TransientError', 'once'),
      scheduled,
      exited('TaskStateExited', 'Retried'),
    );

    // WHEN
    const [caught, retried] = stateRuns(events);

    // THEN
    expect([caught.status, caught.error]).toEqual(['caught', 'CaughtError']);
    expect([retried.status, retried.error]).toEqual(['succeeded', 'TransientError']);
  });

  it('gives a Fail state the execution error, and a redriven state the outcome of its latest attempt', () => {
    // GIVEN a run that failed in Flaky, then was redriven and ended in a Fail state.
    const events = history(
      entered('TaskStateEntered', 'Flaky'),
      scheduled,
      taskFailed('FlakyError', 'first'),
      { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'FlakyError', cause: 'first' } },
      { type: 'ExecutionRedriven', executionRedrivenEventDetails: { redriveCount: 1 } },
      entered('TaskStateEntered', 'Flaky'),
      scheduled,
      exited('TaskStateExited', 'Flaky'),
      entered('FailStateEntered', 'Give up'),
      { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'GaveUp', cause: 'by design' } },
    );

    // WHEN
    const [flaky, giveUp] = stateRuns(events);

    // THEN
    expect(flaky).toMatchObject({ status: 'succeeded', entered: 2 });
    expect(giveUp).toMatchObject({ status: 'failed', error: 'GaveUp', cause: 'by design' });
  });

  it("counts a Map's iterations by outcome, and an aborted run's open states as aborted", () => {
    // GIVEN
    const events = history(
      entered('MapStateEntered', 'Batches'),
      { type: 'MapStateStarted', mapStateStartedEventDetails: { length: 2 } },
      { type: 'MapIterationStarted', mapIterationStartedEventDetails: { name: 'Batches', index: 0 } },
      entered('TaskStateEntered', 'Batch'),
      exited('TaskStateExited', 'Batch'),
      { type: 'MapIterationSucceeded', mapIterationSucceededEventDetails: { name: 'Batches', index: 0 } },
      { type: 'MapIterationStarted', mapIterationStartedEventDetails: { name: 'Batches', index: 1 } },
      entered('TaskStateEntered', 'Batch'),
      { type: 'ExecutionAborted', executionAbortedEventDetails: {} },
    );

    // WHEN
    const [batches, batch] = stateRuns(events);

    // THEN
    expect(batches).toMatchObject({ status: 'aborted', iterations: { started: 2, succeeded: 1, failed: 0, aborted: 0 } });
    expect(batch).toMatchObject({ status: 'aborted', entered: 2 });
  });
});
