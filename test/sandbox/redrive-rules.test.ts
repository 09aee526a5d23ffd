import type { AslDefinition } from '../../workflows/asl';
import { REDRIVE_HISTORY_LIMIT, redriveRefusal, resumePoint } from '../../sandbox/stepfunctions/redrive';
import type { WireHistoryEvent } from '../../sandbox/stepfunctions/history';

/* Where a redrive goes on, and when AWS refuses one, read from a recorded history. */

const definition: AslDefinition = {
  StartAt: 'Plan',
  States: {
    Plan: { Type: 'Task', Resource: 'x', Next: 'Batches' },
    Batches: {
      Type: 'Map',
      ItemsPath: '$.plan.batches',
      ResultPath: null,
      ItemProcessor: { StartAt: 'Batch', States: { Batch: { Type: 'Task', Resource: 'y', End: true } } },
      Next: 'Finalize',
    },
    Finalize: { Type: 'Task', Resource: 'z', End: true },
  },
};

let id = 0;
const event = (type: string, details: Record<string, unknown> = {}): WireHistoryEvent => {
  id += 1;
  return { id, previousEventId: id - 1, timestamp: id, type, ...details };
};
const entered = (name: string, input: unknown) => event('TaskStateEntered', { stateEnteredEventDetails: { name, input: JSON.stringify(input) } });
const exited = (name: string, output: unknown) => event('TaskStateExited', { stateExitedEventDetails: { name, output: JSON.stringify(output) } });
const iteration = (type: string, index: number) => event(type, { [`${type[0].toLowerCase()}${type.slice(1)}EventDetails`]: { name: 'Batches', index } });

const mapInput = { plan: { batches: ['b0', 'b1', 'b2', 'b3', 'b4'] } };

describe('resumePoint', () => {
  it('goes on at the failed top-level state with the input it was entered with', () => {
    const events = [event('ExecutionStarted'), entered('Plan', { a: 1 }), exited('Plan', mapInput), event('MapStateEntered', { stateEnteredEventDetails: { name: 'Batches', input: JSON.stringify(mapInput) } }), exited('Batches', mapInput), entered('Finalize', { f: 2 }), event('TaskFailed'), event('ExecutionFailed')];

    expect(resumePoint(definition, { input: '{}', events })).toEqual({ stateName: 'Finalize', input: { f: 2 } });
  });

  it('re-runs in a Map only the iterations no attempt has finished, nested states not counting as top-level', () => {
    const events = [
      entered('Plan', {}),
      exited('Plan', mapInput),
      event('MapStateEntered', { stateEnteredEventDetails: { name: 'Batches', input: JSON.stringify(mapInput) } }),
      iteration('MapIterationStarted', 0),
      entered('Batch', { b: 0 }),
      exited('Batch', {}),
      iteration('MapIterationSucceeded', 0),
      iteration('MapIterationSucceeded', 1),
      iteration('MapIterationFailed', 2),
      event('ExecutionRedriven'),
      event('MapStateEntered', { stateEnteredEventDetails: { name: 'Batches', input: JSON.stringify(mapInput) } }),
      iteration('MapIterationSucceeded', 3),
      iteration('MapIterationFailed', 2),
      entered('Batch', { b: 2 }),
    ];

    expect(resumePoint(definition, { input: '{}', events })).toEqual({ stateName: 'Batches', input: mapInput, mapItemIndices: [2, 4] });
  });

  it('goes on at the next state when the execution stopped between two, and at StartAt when nothing ran', () => {
    expect(resumePoint(definition, { input: '{"x":1}', events: [entered('Plan', {}), exited('Plan', { p: 1 })] })).toEqual({ stateName: 'Batches', input: { p: 1 } });
    expect(resumePoint(definition, { input: '{"x":1}', events: [event('ExecutionStarted')] })).toEqual({ stateName: 'Plan', input: { x: 1 } });
  });
});

describe('redriveRefusal', () => {
  const now = Date.UTC(2026, 0, 20);

  it('refuses running and succeeded executions, full histories and the ones past 14 days, in AWS words', () => {
    expect(redriveRefusal({ status: 'RUNNING', events: [] }, now)).toBe('Execution is RUNNING and cannot be redriven');
    expect(redriveRefusal({ status: 'SUCCEEDED', events: [] }, now)).toBe('Execution is SUCCEEDED and cannot be redriven');
    const full = Array.from({ length: REDRIVE_HISTORY_LIMIT }, () => event('PassStateEntered'));
    expect(redriveRefusal({ status: 'FAILED', events: full }, now)).toBe('Execution history event limit exceeded');
    expect(redriveRefusal({ status: 'TIMED_OUT', events: [], stopDate: now - 15 * 24 * 3600 * 1000 }, now)).toBe('Execution redrivable period exceeded');
  });

  it('lets failed, timed-out and aborted executions within the rules be redriven', () => {
    for (const status of ['FAILED', 'TIMED_OUT', 'ABORTED'] as const) {
      expect(redriveRefusal({ status, events: [event('ExecutionFailed')], stopDate: now - 13 * 24 * 3600 * 1000 }, now)).toBeUndefined();
    }
  });
});
