import { ListDataSetsCommand } from '@aws-sdk/client-dataexchange';
import { DescribeExecutionCommand, ListExecutionsCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import { startHttpServer } from '../../sandbox/http';
import { STATE_MACHINE_ARN, startEmulators } from './emulators';

/*
 * A failure the sandbox did not foresee, injected into each emulator: the answer is that protocol's own 500,
 * the SDK names it as it names AWS's, the next request is served, and no rejection is left unhandled.
 */

describe('unexpected failures inside the sandbox emulators', () => {
  let env: Awaited<ReturnType<typeof startEmulators>>;
  const unhandled = jest.fn();
  const injected = () => {
    throw new Error('injected failure');
  };

  beforeAll(async () => {
    process.on('unhandledRejection', unhandled);
    env = await startEmulators();
  });
  afterEach(() => jest.restoreAllMocks());
  afterAll(async () => {
    await env.close();
    process.off('unhandledRejection', unhandled);
  });

  it.each([
    {
      service: 'Step Functions',
      error: 'InternalFailure',
      protocol: 'AWS JSON',
      inject: () => jest.spyOn(env.store, 'list').mockImplementationOnce(injected),
      call: () => env.sfn.send(new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN })),
    },
    {
      service: 'Data Exchange',
      error: 'InternalServerException',
      protocol: 'REST JSON',
      inject: () => jest.spyOn(env.faults, 'onRequest').mockImplementationOnce(injected),
      call: () => env.dataExchange.send(new ListDataSetsCommand({})),
    },
    {
      service: 'SNS',
      // The Query error code InternalError, as @aws-sdk/client-sns names it.
      error: 'InternalErrorException',
      protocol: 'the Query protocol',
      inject: () => jest.spyOn(env.faults, 'onRequest').mockImplementationOnce(injected),
      call: () => env.sns.send(new ListTopicsCommand({})),
    },
  ])('$service answers $error, a 500 in $protocol, and goes on', async ({ error, inject, call }) => {
    inject();

    await expect(call()).rejects.toMatchObject({ name: error, message: 'The sandbox failed: injected failure', $metadata: { httpStatusCode: 500 } });
    await expect(call()).resolves.toBeDefined();
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('Step Functions takes an operation named like an Object member for an unknown one', async () => {
    const response = await fetch(env.endpoints.sfn, { method: 'POST', headers: { 'x-amz-target': 'AWSStepFunctions.constructor' }, body: '{}' });

    expect(response.status).toBe(400);
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException');
  });

  it('ends an execution whose record cannot be saved, with a warning and nothing unhandled', async () => {
    const warning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const store = env.store as unknown as { save(record: unknown): void };
    const save = store.save.bind(store);
    // The record saved as it starts; the disk fills up before it ends.
    jest
      .spyOn(store, 'save')
      .mockImplementation(() => {
        throw new Error('ENOSPC: no space left on device');
      })
      .mockImplementationOnce(save);

    const { executionArn = '' } = await env.sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'unsaved' }));
    await env.store.settled(executionArn);

    await expect(env.sfn.send(new DescribeExecutionCommand({ executionArn }))).resolves.toMatchObject({ status: 'SUCCEEDED' });
    expect(warning).toHaveBeenCalledWith('The sandbox could not save execution unsaved: ENOSPC: no space left on device');
    expect(unhandled).not.toHaveBeenCalled();
  });
});

describe('a server that names no protocol', () => {
  it('answers a handler\'s failure with a bare 500, a failure after its answer began by dropping the connection, and goes on', async () => {
    const server = await startHttpServer(async (request, response) => {
      if (request.url === '/begun') response.writeHead(200).write('half');
      if (request.url !== '/fine') throw new Error('injected failure');
      response.end('fine');
    });
    try {
      const failed = await fetch(`${server.endpoint}/fails`);
      const begun = fetch(`${server.endpoint}/begun`).then((response) => response.text());

      expect(failed.status).toBe(500);
      await expect(failed.text()).resolves.toBe('');
      await expect(begun).rejects.toThrow();
      await expect(fetch(`${server.endpoint}/fine`).then((response) => response.text())).resolves.toBe('fine');
    } finally {
      await server.close();
    }
  });

  it('drops the connection when its protocol\'s own answer fails', async () => {
    const server = await startHttpServer(
      async () => {
        throw new Error('injected failure');
      },
      0,
      () => {
        throw new Error('the error answer failed too');
      },
    );
    try {
      await expect(fetch(server.endpoint)).rejects.toThrow();
    } finally {
      await server.close();
    }
  });
});
