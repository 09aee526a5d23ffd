import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetTopicAttributesCommand,
  InvalidParameterException,
  InvalidParameterValueException,
  ListTopicsCommand,
  NotFoundException,
  paginateListTopics,
  PublishBatchCommand,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROVIDER_ACCOUNT, SANDBOX_REGION, SUBSCRIBER_ACCOUNT } from '../../sandbox/accounts';
import { FaultInjector } from '../../sandbox/faults';
import { type RunningSns, startSns } from '../../sandbox/sns/server';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe('sandbox SNS', () => {
  const faults = new FaultInjector();
  let directory: string;
  let stateFile: string;
  let sns: RunningSns;
  let client: SNSClient;
  let topicArn: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'dx-flow-sns-'));
    stateFile = join(directory, 'sns.json');
    sns = await startSns({ port: 0, stateFile, faults });
    jest.replaceProperty(process, 'env', {
      ...process.env,
      AWS_ENDPOINT_URL_SNS: sns.endpoint,
      AWS_REGION: SANDBOX_REGION,
      AWS_ACCESS_KEY_ID: PROVIDER_ACCOUNT.accessKeyId,
      AWS_SECRET_ACCESS_KEY: PROVIDER_ACCOUNT.secretAccessKey,
    });
    client = new SNSClient({ maxAttempts: 1 });
    topicArn = (await client.send(new CreateTopicCommand({ Name: 'dx-flow-notifications' }))).TopicArn ?? '';
  });

  beforeEach(() => {
    faults.clear();
  });

  afterAll(async () => {
    client.destroy();
    await sns.close();
    await rm(directory, { recursive: true, force: true });
    jest.restoreAllMocks();
  });

  it('creates topics idempotently by name, under the caller account', async () => {
    const again = await client.send(new CreateTopicCommand({ Name: 'dx-flow-notifications' }));

    expect(topicArn).toBe(`arn:aws:sns:us-east-1:${PROVIDER_ACCOUNT.accountId}:dx-flow-notifications`);
    expect(again.TopicArn).toBe(topicArn);
    const attributes = await client.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    expect(attributes.Attributes).toMatchObject({ TopicArn: topicArn, Owner: PROVIDER_ACCOUNT.accountId });
  });

  it('records a published message with its subject and attributes, as sent', async () => {
    const before = sns.messages().length;

    const { MessageId } = await client.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'dx-flow: revision published',
        Message: 'revision 1 <finalized> & shared',
        MessageAttributes: {
          status: { DataType: 'String', StringValue: 'SUCCEEDED' },
          assets: { DataType: 'Number', StringValue: '42' },
          digest: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 254]) },
        },
      }),
    );

    expect(sns.messages().slice(before)).toEqual([
      {
        messageId: MessageId,
        topicArn,
        subject: 'dx-flow: revision published',
        message: 'revision 1 <finalized> & shared',
        attributes: {
          status: { DataType: 'String', StringValue: 'SUCCEEDED' },
          assets: { DataType: 'Number', StringValue: '42' },
          digest: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 254]).toString('base64') },
        },
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        accountId: PROVIDER_ACCOUNT.accountId,
      },
    ]);
  });

  it('answers a publish to an unknown topic with NotFoundException', async () => {
    const error = await rejectionOf(
      client.send(new PublishCommand({ TopicArn: `${topicArn}-missing`, Message: 'lost' })),
    );

    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as NotFoundException).$metadata.httpStatusCode).toBe(404);
  });

  it.each([
    ['no message', { Message: undefined }, InvalidParameterException, /Message/],
    ['an empty message', { Message: '' }, InvalidParameterException, /Empty message/],
    ['a subject of 101 characters', { Subject: 's'.repeat(101) }, InvalidParameterException, /Subject/],
    ['a subject with a line break', { Subject: 'two\nlines' }, InvalidParameterException, /Subject/],
    ['a message over 256 KiB', { Message: 'x'.repeat(262_145) }, InvalidParameterException, /too long/],
    [
      'an attribute of an unknown type',
      { MessageAttributes: { a: { DataType: 'Blob', StringValue: 'v' } } },
      InvalidParameterValueException,
      /invalid message attribute type/,
    ],
    [
      'a Number attribute that is not a number',
      { MessageAttributes: { a: { DataType: 'Number', StringValue: 'many' } } },
      InvalidParameterValueException,
      /must be a number/,
    ],
  ])('refuses %s, recording nothing', async (_case, override, errorClass, message) => {
    const before = sns.messages().length;

    const error = await rejectionOf(client.send(new PublishCommand({ TopicArn: topicArn, Message: 'body', ...override })));

    expect(error).toBeInstanceOf(errorClass);
    expect((error as Error).message).toMatch(message);
    expect(sns.messages()).toHaveLength(before);
  });

  it('publishes a batch entry by entry, reporting each failure', async () => {
    const result = await client.send(
      new PublishBatchCommand({
        TopicArn: topicArn,
        PublishBatchRequestEntries: [
          { Id: 'ok', Message: 'first' },
          { Id: 'bad', Message: 'second', Subject: '' },
        ],
      }),
    );

    expect(result.Successful).toEqual([{ Id: 'ok', MessageId: expect.any(String) }]);
    expect(result.Failed).toEqual([
      { Id: 'bad', Code: 'InvalidParameter', SenderFault: true, Message: expect.stringMatching(/Subject/) },
    ]);
    expect(sns.messages().at(-1)).toMatchObject({ message: 'first', messageId: result.Successful?.[0].MessageId });
  });

  it('injects a throttling fault on Publish, then lets the next one through', async () => {
    faults.add([{ service: 'sns', operation: 'Publish', error: 'ThrottledException', times: 1, after: 0 }]);
    const before = sns.messages().length;
    const publish = () => client.send(new PublishCommand({ TopicArn: topicArn, Message: 'retry me' }));

    const error = await rejectionOf(publish());
    await publish();

    expect(error).toBeInstanceOf(ThrottledException);
    expect((error as ThrottledException).$metadata.httpStatusCode).toBe(429);
    expect(sns.messages().slice(before).map((message) => message.message)).toEqual(['retry me']);
  });

  it('lists only the caller account topics, page by page', async () => {
    const names = Array.from({ length: 104 }, (_, i) => `page-topic-${String(i).padStart(3, '0')}`);
    for (const name of names) await client.send(new CreateTopicCommand({ Name: name }));
    const subscriber = new SNSClient({
      maxAttempts: 1,
      credentials: { accessKeyId: SUBSCRIBER_ACCOUNT.accessKeyId, secretAccessKey: SUBSCRIBER_ACCOUNT.secretAccessKey },
    });
    await subscriber.send(new CreateTopicCommand({ Name: 'subscriber-topic' }));

    const pages: string[][] = [];
    for await (const page of paginateListTopics({ client }, {})) pages.push((page.Topics ?? []).map((topic) => topic.TopicArn ?? ''));
    const subscriberTopics = await subscriber.send(new ListTopicsCommand({}));
    subscriber.destroy();

    expect(pages.map((page) => page.length)).toEqual([100, 5]);
    expect(pages.flat()).toEqual(expect.arrayContaining([topicArn, ...names.map((name) => `arn:aws:sns:us-east-1:111111111111:${name}`)]));
    expect(subscriberTopics.Topics).toEqual([{ TopicArn: `arn:aws:sns:us-east-1:${SUBSCRIBER_ACCOUNT.accountId}:subscriber-topic` }]);
  });

  it('deletes a topic, after which publishing to it is NotFound', async () => {
    const { TopicArn } = await client.send(new CreateTopicCommand({ Name: 'short-lived' }));

    await client.send(new DeleteTopicCommand({ TopicArn }));

    expect(await rejectionOf(client.send(new PublishCommand({ TopicArn, Message: 'gone' })))).toBeInstanceOf(NotFoundException);
  });

  it('keeps topics and messages across a restart', async () => {
    await client.send(new PublishCommand({ TopicArn: topicArn, Message: 'before restart' }));
    const recorded = sns.messages();

    await sns.close();
    const saved = JSON.parse(await readFile(stateFile, 'utf8')) as { messages: unknown[] };
    sns = await startSns({ port: 0, stateFile, faults });
    process.env.AWS_ENDPOINT_URL_SNS = sns.endpoint;
    const restarted = new SNSClient({ maxAttempts: 1 });
    await restarted.send(new PublishCommand({ TopicArn: topicArn, Message: 'after restart' }));
    restarted.destroy();

    expect(saved.messages).toEqual(recorded);
    expect(sns.messages().slice(0, recorded.length)).toEqual(recorded);
    expect(sns.messages().at(-1)).toMatchObject({ topicArn, message: 'after restart' });
  });
});
