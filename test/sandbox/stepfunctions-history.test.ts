import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { STATE_MACHINE_ARN, startEmulators } from './emulators';

/*
 * GetExecutionHistory as AWS answers it, for an execution of a one-state machine: its input and output are in
 * the history unless the caller asks for the events without them.
 */

const INPUT = JSON.stringify({ secret: 'input-value' });
const TYPES = ['ExecutionStarted', 'PassStateEntered', 'PassStateExited', 'ExecutionSucceeded'];

/** Every `*EventDetails` member of the events that carries an input or an output. */
const dataOf = (events: readonly HistoryEvent[]) =>
  events.flatMap((event) =>
    Object.values(event).filter((value): value is { input?: string; output?: string } => typeof value === 'object' && value !== null && ('input' in value || 'output' in value)),
  );

describe('GetExecutionHistory', () => {
  let env: Awaited<ReturnType<typeof startEmulators>>;
  let executionArn: string;

  beforeAll(async () => {
    env = await startEmulators();
    ({ executionArn = '' } = await env.sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, input: INPUT })));
    while ((await env.sfn.send(new DescribeExecutionCommand({ executionArn }))).status === 'RUNNING') await new Promise((resolve) => setTimeout(resolve, 10));
  });

  afterAll(() => env.close());

  it('includes each event\'s input and output by default', async () => {
    const { events = [] } = await env.sfn.send(new GetExecutionHistoryCommand({ executionArn }));

    expect(events.map((event) => event.type)).toEqual(TYPES);
    expect(dataOf(events).map((details) => details.input ?? details.output)).toEqual([INPUT, INPUT, INPUT, INPUT]);
  });

  it('leaves every input and output out with includeExecutionData false, and keeps the rest of each event', async () => {
    const { events = [] } = await env.sfn.send(new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }));

    expect(dataOf(events)).toEqual([]);
    expect(events.map((event) => event.type)).toEqual(TYPES);
    expect(events[0].executionStartedEventDetails).toEqual({ inputDetails: { truncated: false }, roleArn: 'arn:aws:iam::000000000000:role/echo' });
    expect(events[1].stateEnteredEventDetails).toEqual({ name: 'Echo' });
  });
});
