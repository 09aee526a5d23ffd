import type { AslDefinition, RunnableAsl } from '../../workflows/asl';
import { type EndedExecution, runLocalExecution, type StartExecutionRequest, type TaskHandlers } from '../../workflows/local-runner';
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
const asl: RunnableAsl = { definition, stateMachineLogicalId: 'Machine', stateMachineName: 'machine', taskOfState: {}, startsStateMachines: [] };
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

/** A Map whose one state runs another execution and waits for it, as the publish workflow runs a batch. */
const CHILD_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:child';
const parent: RunnableAsl = {
  definition: {
    StartAt: 'Each',
    States: {
      Each: {
        Type: 'Map',
        ItemsPath: '$.items',
        ResultPath: null,
        ItemProcessor: {
          ProcessorConfig: { Mode: 'INLINE' },
          StartAt: 'RunChild',
          States: {
            RunChild: {
              Type: 'Task',
              Resource: 'arn:aws:states:::states:startExecution.sync:2',
              Parameters: { StateMachineArn: CHILD_ARN, 'Name.$': "States.Format('child-{}-r{}', $.id, $$.Execution.RedriveCount)", 'Input.$': '$' },
              End: true,
            },
          },
        },
        Next: 'Done',
      },
      Done: { Type: 'Pass', End: true },
    },
  },
  stateMachineLogicalId: 'Parent',
  stateMachineName: 'parent',
  taskOfState: {},
  startsStateMachines: ['child'],
};
const ended = (name: string, status: EndedExecution['Status'], extra: Partial<EndedExecution> = {}): EndedExecution => ({
  ExecutionArn: `${CHILD_ARN.replace(':stateMachine:', ':execution:')}:${name}`,
  StateMachineArn: CHILD_ARN,
  Name: name,
  Status: status,
  StartDate: new Date(0).toISOString(),
  StopDate: new Date(1).toISOString(),
  Input: '{}',
  ...extra,
});

describe('runLocalExecution with executions it waits for, redrives and timeouts', () => {
  it('fails a .sync:2 state with States.TaskFailed and the ended execution as the cause', async () => {
    const runExecution = jest.fn(async (request: StartExecutionRequest) =>
      request.Name === 'child-b-r0' ? ended('child-b-r0', 'FAILED', { Error: 'ImportJobFailedError', Cause: 'job broke' }) : ended(String(request.Name), 'SUCCEEDED', { Output: '{}' }),
    );

    const result = await runLocalExecution(parent, NO_TASKS, { items: [{ id: 'a' }, { id: 'b' }] }, { executionName: 'p', runExecution });

    expect(result).toMatchObject({ status: 'FAILED', error: 'States.TaskFailed' });
    expect(JSON.parse(result.cause ?? '{}')).toMatchObject({ Name: 'child-b-r0', Status: 'FAILED', Error: 'ImportJobFailedError', Cause: 'job broke' });
  });

  it('resumes a Map with only the items named, under their own indices and the redrive count', async () => {
    const names: string[] = [];
    const runExecution = async (request: StartExecutionRequest) => {
      names.push(String(request.Name));
      return ended(String(request.Name), 'SUCCEEDED', { Output: '{}' });
    };
    const input = { items: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] };

    const result = await runLocalExecution(parent, NO_TASKS, input, {
      executionName: 'p',
      runExecution,
      redriveCount: 1,
      resumeAt: { stateName: 'Each', input, mapItemIndices: [2] },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(names).toEqual(['child-c-r1']);
    const started = result.events.filter((event) => event.type === 'MapIterationStarted');
    expect(started.map((event) => ('index' in event ? event.index : undefined))).toEqual([2]);
  });

  it('resumes at a state other than StartAt with the input it is given', async () => {
    const result = await runLocalExecution(parent, NO_TASKS, { items: [] }, {
      executionName: 'p',
      resumeAt: { stateName: 'Done', input: { resumed: true } },
    });

    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { resumed: true } });
    expect(result.events.some((event) => event.type === 'StateEntered' && event.state.name === 'Each')).toBe(false);
  });

  it('times out after the given milliseconds and stops what it waits for', async () => {
    let childSignal: AbortSignal | undefined;
    const runExecution = (_request: StartExecutionRequest, signal: AbortSignal) =>
      new Promise<EndedExecution>((resolve) => {
        childSignal = signal;
        signal.addEventListener('abort', () => resolve(ended('child-a-r0', 'ABORTED')), { once: true });
      });

    const result = await runLocalExecution(parent, NO_TASKS, { items: [{ id: 'a' }] }, { executionName: 'p', runExecution, timeoutMs: 50 });

    expect(result).toMatchObject({ status: 'TIMED_OUT', error: 'States.Timeout' });
    expect(childSignal?.aborted).toBe(true);
  });
});
