import { ThrottlingException } from '@aws-sdk/client-dataexchange';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { NotifyEnv } from '../../shared/env';
import { ImportJobFailedError, InputValidationError, TransientAwsError } from '../../shared/errors';
import { defineHandler } from '../../shared/handler';
import { DataSetId } from '../../shared/schemas/fields';
import { DATA_SET_ID, TOPIC_ARN } from '../fixtures/ids';

const Input = z.strictObject({ datasetId: DataSetId, count: z.number().int().min(1) });
type Input = z.infer<typeof Input>;
type Env = z.infer<typeof NotifyEnv>;

const run = jest.fn<Promise<unknown>, [Input, { env: Env }]>();
const handlerFor = () => defineHandler({ task: 'test-task', input: Input, env: NotifyEnv, run });
const event = () => ({ datasetId: DATA_SET_ID, count: 2 });
const lambdaContext = (awsRequestId: string): Context => ({
  awsRequestId,
  functionName: 'dx-flow-test-task',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:dx-flow-test-task',
  memoryLimitInMB: '256',
  logGroupName: '/aws/lambda/dx-flow-test-task',
  logStreamName: '2026/11/30/[$LATEST]0123456789abcdef',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

describe('defineHandler', () => {
  const saved = process.env;
  beforeEach(() => {
    run.mockReset();
    process.env = { ...saved, NOTIFY_TOPIC_ARN: TOPIC_ARN };
  });
  afterEach(() => {
    process.env = saved;
  });

  it('passes the parsed input and the configuration to the core and returns its output', async () => {
    // Arrange
    run.mockResolvedValue({ done: true });

    // Act
    const output = await handlerFor()(event());

    // Assert
    expect(output).toEqual({ done: true });
    expect(run).toHaveBeenCalledTimes(1);
    expect(run.mock.calls[0][0]).toEqual(event());
    expect(run.mock.calls[0][1]).toMatchObject({ env: { NOTIFY_TOPIC_ARN: TOPIC_ARN } });
  });

  it('rejects a bad event naming the field, without calling the core', async () => {
    // Act
    const result = handlerFor()({ datasetId: DATA_SET_ID, count: 0 });

    // Assert
    await expect(result).rejects.toBeInstanceOf(InputValidationError);
    await expect(result).rejects.toThrow('Invalid test-task input: count: ');
    expect(run).not.toHaveBeenCalled();
  });

  it('rejects an unknown key in the event by name', async () => {
    await expect(handlerFor()({ ...event(), extra: 1 })).rejects.toThrow('unknown key: "extra"');
    expect(run).not.toHaveBeenCalled();
  });

  it('fails on bad configuration, naming the variable, without calling the core', async () => {
    // Arrange
    process.env = { ...saved, NOTIFY_TOPIC_ARN: 'not-an-arn' };

    // Act
    const result = handlerFor()(event());

    // Assert
    await expect(result).rejects.toBeInstanceOf(InputValidationError);
    await expect(result).rejects.toThrow('NOTIFY_TOPIC_ARN: must be an SNS topic ARN');
    expect(run).not.toHaveBeenCalled();
  });

  it('reads the configuration once while the environment stays the same, and again when it changes', async () => {
    // Arrange: the sandbox's handlers outlive one sandbox's environment within a test process; Lambda's never changes
    run.mockResolvedValue({});
    let reads = 0;
    const handler = defineHandler({ task: 'test-task', input: Input, env: NotifyEnv.transform((env) => ((reads += 1), env)), run });
    await handler(event());
    await handler(event());
    process.env = { ...saved, NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:changed' };

    // Act
    await handler(event());

    // Assert
    expect(reads).toBe(2);
    expect(run.mock.calls[1][1].env).toEqual({ NOTIFY_TOPIC_ARN: TOPIC_ARN });
    expect(run.mock.calls[2][1].env).toEqual({ NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:changed' });
  });

  it('rethrows a project error from the core unchanged', async () => {
    const failure = new ImportJobFailedError('job failed', { cause: { errors: ['x'] } });
    run.mockRejectedValue(failure);

    await expect(handlerFor()(event())).rejects.toBe(failure);
  });

  it('maps an SDK ThrottlingException that escaped the core to TransientAwsError', async () => {
    // Arrange
    const throttled = new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: { attempts: 2 } });
    run.mockRejectedValue(throttled);

    // Act
    const result = handlerFor()(event());

    // Assert
    await expect(result).rejects.toBeInstanceOf(TransientAwsError);
    await expect(result).rejects.toMatchObject({ name: 'TransientAwsError', cause: throttled });
  });

  it("logs the Lambda context's request id on every line, and cold start on the first invocation only", async () => {
    // Arrange
    process.env = { ...saved, NOTIFY_TOPIC_ARN: TOPIC_ARN, POWERTOOLS_LOG_LEVEL: 'INFO', AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand' };
    run.mockResolvedValue({ done: true });
    const handler = handlerFor();
    const written: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);

    // Act
    try {
      await handler(event(), lambdaContext('request-1'));
      await handler(event(), lambdaContext('request-2'));
    } finally {
      stdout.mockRestore();
    }

    // Assert
    const lines = written.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ message: 'task succeeded', task: 'test-task', function_request_id: 'request-1', cold_start: true }),
      expect.objectContaining({ message: 'task succeeded', task: 'test-task', function_request_id: 'request-2', cold_start: false }),
    ]);
  });

  it('names the task when an SDK error that escaped the core stays fatal', async () => {
    const denied = Object.assign(new Error('no'), { name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 403 } });
    run.mockRejectedValue(denied);

    await expect(handlerFor()(event())).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: "test-task on its AWS call was denied: no. Check that the task's role allows test-task on its AWS call.",
      cause: denied,
    });
  });

  it('logs a failure once, at error level, with the error it throws', async () => {
    // Arrange
    process.env = { ...saved, NOTIFY_TOPIC_ARN: TOPIC_ARN, POWERTOOLS_LOG_LEVEL: 'INFO' };
    run.mockRejectedValue(new ImportJobFailedError('job failed'));
    const handler = handlerFor();
    const written: string[] = [];
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => written.push(String(chunk)) > 0);

    // Act
    try {
      await handler(event()).catch(() => undefined);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }

    // Assert
    const lines = written.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'ERROR', message: 'task failed', service: 'dx-flow', task: 'test-task', error: expect.objectContaining({ name: 'ImportJobFailedError', message: 'job failed' }) }),
    ]);
  });

  it('rethrows a bug as it is, never returning it as data', async () => {
    const bug = new TypeError('x is not a function');
    run.mockRejectedValue(bug);

    await expect(handlerFor()(event())).rejects.toBe(bug);
  });
});
