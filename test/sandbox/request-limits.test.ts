import { ListDataSetsCommand } from '@aws-sdk/client-dataexchange';
import { DescribeExecutionCommand, ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import { MAX_REQUEST_BODY_BYTES } from '../../sandbox/http';
import { STATE_MACHINE_ARN, startEmulators } from './emulators';
import { declaredBody, endlessBody, post } from './raw-requests';

/*
 * What AWS refuses, the sandbox refuses, and a request past a bound is answered without reading it whole: a
 * body over the bound (declared, or one that never ends), and an execution input over 256 KiB or nested past
 * what the sandbox can run.
 */


describe('request limits of the sandbox emulators', () => {
  let env: Awaited<ReturnType<typeof startEmulators>>;

  beforeAll(async () => {
    env = await startEmulators();
  });
  afterAll(() => env.close());

  const services = [
    {
      service: 'Step Functions',
      send: (body: { declaredBytes: number | undefined }) => post(env.endpoints.sfn, { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.ListExecutions' }, body),
      errorType: 'ValidationException',
      next: () => env.sfn.send(new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN })),
    },
    {
      service: 'Data Exchange',
      send: (body: { declaredBytes: number | undefined }) => post(`${env.endpoints.dataExchange}/v1/data-sets`, { 'content-type': 'application/json' }, body),
      errorType: 'ValidationException',
      next: () => env.dataExchange.send(new ListDataSetsCommand({})),
    },
    {
      service: 'SNS',
      send: (body: { declaredBytes: number | undefined }) => post(env.endpoints.sns, { 'content-type': 'application/x-www-form-urlencoded' }, body),
      errorType: 'InvalidParameter',
      next: () => env.sns.send(new ListTopicsCommand({})),
    },
  ];

  it.each(services)('$service refuses a body declared over the bound, and serves the next request', async ({ send, errorType, next }) => {
    const answer = await send(declaredBody(100 * 1024 * 1024));

    expect(answer.status).toBe(400);
    expect(answer.headers['x-amzn-errortype'] ?? /<Code>(\w+)<\/Code>/.exec(answer.body)?.[1]).toBe(errorType);
    expect(answer.headers.connection).toBe('close');
    await expect(next()).resolves.toBeDefined();
  });

  it.each(services)('$service answers a body that never ends once it passes the bound, and serves the next request', async ({ send, errorType, next }) => {
    const answer = await send(endlessBody);

    expect(answer.status).toBe(400);
    expect(answer.body).toContain(`over ${MAX_REQUEST_BODY_BYTES} bytes`);
    expect(answer.headers['x-amzn-errortype'] ?? /<Code>(\w+)<\/Code>/.exec(answer.body)?.[1]).toBe(errorType);
    await expect(next()).resolves.toBeDefined();
  });

  it('refuses an execution input over 256 KiB with ValidationException, and starts nothing', async () => {
    // 262,145 bytes of UTF-8 in fewer characters: AWS counts bytes.
    const input = JSON.stringify({ text: 'é'.repeat(131_070) });

    const starting = env.sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'too-large', input }));

    await expect(starting).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144"),
    });
    const { executions } = await env.sfn.send(new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN }));
    expect(executions?.map((execution) => execution.name)).not.toContain('too-large');
  });

  // Without the bound, the execution stays RUNNING for good: the test times out.
  it('ends an execution whose input nests 10,000 levels deep as FAILED, saying why', async () => {
    const input = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    const { executionArn } = await env.sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'deep', input }));
    await env.store.settled(executionArn ?? '');

    const execution = await env.sfn.send(new DescribeExecutionCommand({ executionArn }));

    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(execution.cause).toBe('The input nests 10000 levels deep; the sandbox runs inputs nested at most 1000 levels deep');
  }, 10_000);
});
