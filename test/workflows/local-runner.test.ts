import type { AslDefinition, RunnableAsl } from '../../workflows/asl';
import { runLocalExecution, type TaskHandlers } from '../../workflows/local-runner';
import { HistoryRecorder } from '../../sandbox/stepfunctions/history';

/*
 * Wait states on a time scale: the runner sleeps each Wait's own seconds, scaled, and still reports the
 * state as a Wait.
 */

const NO_TASKS = {} as TaskHandlers;

/** A Map whose body waits `$.wait.seconds`, reading through InputPath and trimming through OutputPath. */
const definition: AslDefinition = {
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Pause',
        States: {
          Pause: { Type: 'Wait', InputPath: '$.job', SecondsPath: '$.wait.seconds', OutputPath: '$.id', Next: 'Settle' },
          Settle: { Type: 'Wait', Seconds: 3, End: true },
        },
      },
      End: true,
    },
  },
};
const asl: RunnableAsl = { definition, stateMachineLogicalId: 'Machine', stateMachineName: 'machine', taskOfState: {} };
const items = [{ job: { id: 'a', wait: { seconds: 7 } } }, { job: { id: 'b', wait: { seconds: 11 } } }];

describe('runLocalExecution on a time scale', () => {
  afterEach(() => jest.restoreAllMocks());

  it("sleeps each Wait's own seconds times the scale, in a Map body too", async () => {
    const setTimeoutSpy = jest.spyOn(global, 'setTimeout');

    const result = await runLocalExecution(asl, NO_TASKS, { items }, { executionName: 'scaled', waitMsPerSecond: 2 });

    expect(result.status).toBe('SUCCEEDED');
    const delays = setTimeoutSpy.mock.calls.map(([, ms]) => ms);
    expect(delays).toEqual(expect.arrayContaining([14, 22, 6]));
    expect(delays.filter((ms) => ms === 6)).toHaveLength(2);
  });

  it('keeps the Wait semantics of InputPath and OutputPath', async () => {
    const result = await runLocalExecution(asl, NO_TASKS, { items }, { executionName: 'paths' });

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: ['a', 'b'] });
  });

  it('reports the states as Waits, so the history holds Wait events and no Lambda task', async () => {
    const history = new HistoryRecorder(definition, 'us-east-1');

    const result = await runLocalExecution(asl, NO_TASKS, { items }, { executionName: 'history', onEvent: (event) => history.record(event) });

    const types = history.events.map((event) => event.type);
    expect(types.filter((type) => type === 'WaitStateEntered')).toHaveLength(4);
    expect(types.filter((type) => type === 'WaitStateExited')).toHaveLength(4);
    expect(types.some((type) => type.startsWith('Task'))).toBe(false);
    expect(result.events.filter((event) => 'state' in event && event.state.type === 'Task')).toEqual([]);
  });

  it('fails the execution with States.Runtime when the SecondsPath holds no number of seconds', async () => {
    const result = await runLocalExecution(asl, NO_TASKS, { items: [{ job: { id: 'c', wait: { seconds: 'soon' } } }] }, { executionName: 'bad' });

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(result.cause).toContain('$.wait.seconds is "soon"');
  });

  it('ends a scaled wait when the execution is aborted', async () => {
    const abort = new AbortController();
    const long = [{ job: { id: 'd', wait: { seconds: 86_400 } } }];

    const running = runLocalExecution(asl, NO_TASKS, { items: long }, {
      executionName: 'aborted',
      waitMsPerSecond: 1000,
      signal: abort.signal,
      onEvent: (event) => {
        if (event.type === 'StateEntered' && event.state.name === 'Pause') abort.abort();
      },
    });

    await expect(running).resolves.toMatchObject({ status: 'ABORTED' });
  });
});
