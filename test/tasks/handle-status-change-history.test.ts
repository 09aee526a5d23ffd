import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { STATE } from '../../shared/state-names';
import { findFailedState, findRun, hasWhatItNeeds, latestAttemptOf, runFactsOf } from '../../tasks/handle-status-change/history';
import { DATA_SET_ID, REVISION_ID, RUN_ID } from '../fixtures/ids';

/* Where a run stopped and which run it was, read from its history (tasks/handle-status-change/history.ts). */

const OTHER_RUN_ID = 'run-2026-12-01';

/** A history built oldest first, as Step Functions numbers it, and read newest first. */
class Events {
  private readonly events: HistoryEvent[] = [];

  add(type: string, details: Partial<HistoryEvent> = {}, previousEventId?: number): number {
    const id = this.events.length + 1;
    this.events.push({ id, previousEventId: previousEventId ?? id - 1, timestamp: new Date(id * 1000), type: type as HistoryEvent['type'], ...details });
    return id;
  }

  enter(name: string, input: unknown = {}, previousEventId?: number): number {
    return this.add('TaskStateEntered', { stateEnteredEventDetails: { name, input: JSON.stringify(input) } }, previousEventId);
  }

  exit(name: string, output: unknown = {}, previousEventId?: number): number {
    return this.add('TaskStateExited', { stateExitedEventDetails: { name, output: JSON.stringify(output) } }, previousEventId);
  }

  newestFirst(): HistoryEvent[] {
    return [...this.events].reverse();
  }
}

describe('findFailedState', () => {
  it('names the state still open when the execution stopped, not a newer one that finished', () => {
    // Arrange: the Map is open; a state inside it ran and exited after it was entered.
    const events = new Events();
    events.add('ExecutionStarted');
    events.enter(STATE.importBatches, {});
    events.enter(STATE.finalizeRevision);
    events.exit(STATE.finalizeRevision);
    events.add('ExecutionAborted');

    // Act
    const failed = findFailedState(events.newestFirst());

    // Assert
    expect(failed).toEqual({ name: STATE.importBatches, batchIndex: undefined, input: '{}' });
  });

  it('matches each exit with one entry of its name: of two entries of a state and one exit, the older stays open', () => {
    const events = new Events();
    events.add('ExecutionStarted');
    events.enter(STATE.importBatch, { batch: { index: 0 } });
    events.enter(STATE.importBatch, { batch: { index: 1 } });
    events.exit(STATE.importBatch);
    events.add('ExecutionAborted');

    expect(findFailedState(events.newestFirst())).toMatchObject({ name: STATE.importBatch, batchIndex: 0 });
  });

  it('says nothing when every state it entered has exited', () => {
    const events = new Events();
    events.add('ExecutionStarted');
    events.enter(STATE.planRevision);
    events.exit(STATE.planRevision);
    events.add('ExecutionFailed');

    expect(findFailedState(events.newestFirst())).toBeUndefined();
  });

  it('reads only the latest attempt, and nothing when the redrive has not entered a state yet', () => {
    const events = new Events();
    events.add('ExecutionStarted');
    events.enter(STATE.finalizeRevision);
    events.add('ExecutionFailed');
    events.add('ExecutionRedriven');

    expect(latestAttemptOf(events.newestFirst())).toEqual([]);
    expect(findFailedState(events.newestFirst())).toBeUndefined();
  });

  it('reads the batch index of ImportBatch only, and none from an ImportBatch input without a batch', () => {
    const importing = new Events();
    importing.add('ExecutionStarted');
    importing.enter(STATE.importBatch, { runId: RUN_ID });
    const other = new Events();
    other.add('ExecutionStarted');
    other.enter(STATE.finalizeRevision, { batch: { index: 2 } });

    expect(findFailedState(importing.newestFirst())).toMatchObject({ name: STATE.importBatch, batchIndex: undefined });
    expect(findFailedState(other.newestFirst())).toMatchObject({ name: STATE.finalizeRevision, batchIndex: undefined });
  });

  /** Two open ImportBatch iterations: batch 1, whose task failed, and batch 4, entered later and aborted. */
  function twoOpenBatches(linkFailure: (events: Events, failedEntry: number) => number): HistoryEvent[] {
    const events = new Events();
    events.add('ExecutionStarted');
    const failedEntry = events.enter(STATE.importBatch, { batch: { index: 1 } });
    events.enter(STATE.importBatch, { batch: { index: 4 } });
    events.add('TaskFailed', {}, linkFailure(events, failedEntry));
    events.add('MapStateFailed');
    return events.newestFirst();
  }

  it('follows the failed task back to its entry through up to 99 events of its own', () => {
    const newestFirst = twoOpenBatches((events, entry) => {
      let previous = entry;
      for (let i = 0; i < 98; i += 1) previous = events.add('TaskStarted', {}, previous);
      return previous;
    });

    expect(findFailedState(newestFirst)).toMatchObject({ batchIndex: 1 });
  });

  it('gives up after 100 hops, falling back to the newest open state', () => {
    const newestFirst = twoOpenBatches((events, entry) => {
      let previous = entry;
      for (let i = 0; i < 99; i += 1) previous = events.add('TaskStarted', {}, previous);
      return previous;
    });

    expect(findFailedState(newestFirst)).toMatchObject({ batchIndex: 4 });
  });

  it('without a task failure, names the newest open state, wherever the last event leads', () => {
    const events = new Events();
    events.add('ExecutionStarted');
    const first = events.enter(STATE.importBatch, { batch: { index: 1 } });
    events.enter(STATE.importBatch, { batch: { index: 4 } });
    events.add('TaskStarted', {}, first);
    events.add('ExecutionAborted');

    expect(findFailedState(events.newestFirst())).toMatchObject({ batchIndex: 4 });
  });

  it('falls back to the newest open state when the chain from the failure breaks', () => {
    const newestFirst = twoOpenBatches((events) => events.add('TaskStarted', {}, 999));

    expect(findFailedState(newestFirst)).toMatchObject({ batchIndex: 4 });
  });

  it("does not follow the failure's chain through another state's exit", () => {
    const newestFirst = twoOpenBatches((events, entry) => events.exit(STATE.uploadBatch, {}, entry));

    expect(findFailedState(newestFirst)).toMatchObject({ batchIndex: 4 });
  });
});

describe('runFactsOf', () => {
  it('reads the run from the plan, the revision and a continued run, before the flat fields', () => {
    const facts = runFactsOf(
      JSON.stringify({
        runId: OTHER_RUN_ID,
        datasetId: 'ffffffffffffffffffffffffffffffff',
        revisionId: 'eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
        plan: { runId: RUN_ID, datasetId: DATA_SET_ID },
        revision: { revisionId: REVISION_ID },
      }),
    );

    expect(facts).toEqual({ runId: RUN_ID, datasetId: DATA_SET_ID, revisionId: REVISION_ID });
    expect(runFactsOf(JSON.stringify({ runId: OTHER_RUN_ID, continueRun: { runId: RUN_ID } })).runId).toBe(RUN_ID);
  });

  it('takes each field the plan lacks from the flat fields', () => {
    expect(runFactsOf(JSON.stringify({ plan: { runId: RUN_ID }, datasetId: DATA_SET_ID }))).toEqual({
      runId: RUN_ID,
      datasetId: DATA_SET_ID,
      revisionId: undefined,
    });
  });

  it.each([[undefined], [null], ['not JSON'], ['"a string"']])('reads nothing from %p', (text) => {
    expect(runFactsOf(text)).toEqual({ runId: undefined, datasetId: undefined, revisionId: undefined });
  });
});

describe('findRun', () => {
  it("reads the run from NotifySuccess's input when no other source names it", () => {
    const events = new Events();
    events.add('ExecutionStarted');
    events.enter(STATE.notifySuccess, { plan: { runId: RUN_ID, datasetId: DATA_SET_ID }, revision: { revisionId: REVISION_ID } });
    events.exit(STATE.notifySuccess);
    events.enter(STATE.published);

    expect(findRun(events.newestFirst(), undefined, { name: STATE.published })).toEqual({ runId: RUN_ID, datasetId: DATA_SET_ID, revisionId: REVISION_ID });
  });

  it("prefers PlanRevision's output to the execution input", () => {
    const events = new Events();
    events.add('ExecutionStarted');
    events.enter(STATE.planRevision);
    events.exit(STATE.planRevision, { plan: { runId: RUN_ID, datasetId: DATA_SET_ID } });

    expect(findRun(events.newestFirst(), JSON.stringify({ runId: OTHER_RUN_ID }))).toMatchObject({ runId: RUN_ID });
  });
});

describe('hasWhatItNeeds', () => {
  const history = (...types: Array<'start' | 'redrive' | 'plan' | 'revision'>) => {
    const events = new Events();
    for (const type of types) {
      if (type === 'start') events.add('ExecutionStarted');
      if (type === 'redrive') events.add('ExecutionRedriven');
      if (type === 'plan') events.exit(STATE.planRevision);
      if (type === 'revision') events.exit(STATE.createRevision);
    }
    return events.newestFirst();
  };

  it.each([
    [['start', 'plan', 'revision'], true],
    [['redrive', 'plan', 'revision'], true],
    [['plan', 'revision'], false],
    [['start', 'plan'], false],
    [['start', 'revision'], false],
    [[], false],
  ] as const)('says, for a history of %p, %p', (types, expected) => {
    expect(hasWhatItNeeds(history(...types))).toBe(expected);
  });
});
