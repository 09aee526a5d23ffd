import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { formatBytes, formatDuration, formatFields, type Notification, publishNotification, SNS_MAX_MESSAGE_BYTES } from '../../shared/notifications';
import { onlyPublished } from '../fixtures/sns';
import { awsError, TOPIC_ARN } from '../fixtures/ids';

const sns = mockClient(SNSClient);

const TRUNCATION_MARK = '\n\n[message truncated to fit the SNS size limit]';
/** What publishNotification leaves for the message: SNS's cap less 8 KiB for the attributes. */
const MESSAGE_BYTES = SNS_MAX_MESSAGE_BYTES - 8_192;

const notification = (overrides: Partial<Notification> = {}): Notification => ({
  subject: 'dx-flow: published',
  message: 'a revision went out',
  attributes: { outcome: 'SUCCEEDED' },
  ...overrides,
});
const publish = (overrides: Partial<Notification> = {}) => publishNotification(notification(overrides), { sns: new SNSClient({}), topicArn: TOPIC_ARN });

describe('publishNotification', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  });

  it("publishes the subject, message and string attributes to the topic and returns SNS's message id", async () => {
    // Act
    const messageId = await publish({ attributes: { outcome: 'SUCCEEDED', runId: 'run-1' } });

    // Assert
    expect(messageId).toBe('msg-1');
    expect(onlyPublished(sns)).toEqual({
      TopicArn: TOPIC_ARN,
      Subject: 'dx-flow: published',
      Message: 'a revision went out',
      MessageAttributes: {
        outcome: { DataType: 'String', StringValue: 'SUCCEEDED' },
        runId: { DataType: 'String', StringValue: 'run-1' },
      },
    });
  });

  it('leaves out attributes that are undefined or empty, which SNS would refuse', async () => {
    await publish({ attributes: { outcome: 'FAILED', runId: undefined, datasetId: '' } });

    expect(onlyPublished(sns).MessageAttributes).toEqual({ outcome: { DataType: 'String', StringValue: 'FAILED' } });
  });

  describe('the subject', () => {
    it('puts line breaks and runs of white space on one line, as single spaces, and trims it', async () => {
      await publish({ subject: '  dx-flow:\n run\t\tfailed \r\n' });

      expect(onlyPublished(sns).Subject).toBe('dx-flow: run failed');
    });

    it('replaces each character outside printable ASCII with "?"', async () => {
      await publish({ subject: 'dx-flow: données ✓' });

      expect(onlyPublished(sns).Subject).toBe('dx-flow: donn?es ?');
    });

    it('keeps a subject of exactly 100 characters whole', async () => {
      const subject = 's'.repeat(100);

      await publish({ subject });

      expect(onlyPublished(sns).Subject).toBe(subject);
    });

    it('cuts a longer subject to 100 characters, the last three "..."', async () => {
      await publish({ subject: `${'s'.repeat(97)}tail` });

      expect(onlyPublished(sns).Subject).toBe(`${'s'.repeat(97)}...`);
    });
  });

  describe('the message', () => {
    it('keeps a message that fills the room exactly', async () => {
      const message = 'm'.repeat(MESSAGE_BYTES);

      await publish({ message });

      expect(onlyPublished(sns).Message).toBe(message);
    });

    it('cuts a message one byte too long and says that it was cut, within the room', async () => {
      const message = 'm'.repeat(MESSAGE_BYTES + 1);

      await publish({ message });

      const sent = onlyPublished(sns).Message ?? '';
      expect(sent).toBe(`${'m'.repeat(MESSAGE_BYTES - Buffer.byteLength(TRUNCATION_MARK))}${TRUNCATION_MARK}`);
      expect(Buffer.byteLength(sent)).toBe(MESSAGE_BYTES);
    });

    it('cuts a message of multi-byte characters on a whole character, leaving no replacement character', async () => {
      // 'é' is 2 bytes: the room before the mark is odd, so a byte cut falls inside one.
      const room = MESSAGE_BYTES - Buffer.byteLength(TRUNCATION_MARK);
      expect(room % 2).toBe(1);

      await publish({ message: 'é'.repeat(MESSAGE_BYTES) });

      expect(onlyPublished(sns).Message).toBe(`${'é'.repeat((room - 1) / 2)}${TRUNCATION_MARK}`);
    });
  });

  it('fails naming the topic when SNS answers without a message id', async () => {
    sns.on(PublishCommand).resolves({});

    await expect(publish()).rejects.toThrow(`sns:Publish on topic ${TOPIC_ARN} returned no MessageId`);
  });

  it('keeps a denied Publish fatal, naming the action and the topic', async () => {
    sns.on(PublishCommand).rejects(awsError('AuthorizationErrorException', 403));

    await expect(publish()).rejects.toMatchObject({
      name: 'AuthorizationErrorException',
      message: expect.stringContaining(`sns:Publish on topic ${TOPIC_ARN} failed with AuthorizationErrorException`),
    });
  });
});

describe('formatBytes', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 byte'],
    [2, '2 bytes'],
    [1023, '1,023 bytes'],
    [1024, '1,024 bytes (1.0 KiB)'],
    [1536, '1,536 bytes (1.5 KiB)'],
    [1024 ** 2 - 1, '1,048,575 bytes (1024.0 KiB)'],
    [1024 ** 2, '1,048,576 bytes (1.0 MiB)'],
    [5 * 1024 ** 3, '5,368,709,120 bytes (5.0 GiB)'],
    [2 * 1024 ** 4, '2,199,023,255,552 bytes (2.0 TiB)'],
    [2048 * 1024 ** 4, '2,251,799,813,685,248 bytes (2048.0 TiB)'],
  ])('says %p bytes as "%s"', (bytes, expected) => {
    expect(formatBytes(bytes)).toBe(expected);
  });
});

describe('formatDuration', () => {
  const START = '2026-11-30T06:00:00.000Z';
  const after = (ms: number) => new Date(Date.parse(START) + ms);

  it.each([
    [0, '0 s'],
    [59_400, '59 s'],
    [59_500, '1 min 0 s'],
    [60_000, '1 min 0 s'],
    [3_599_000, '59 min 59 s'],
    [3_600_000, '1 h 0 min 0 s'],
    [3_725_000, '1 h 2 min 5 s'],
    [26 * 3_600_000 + 1_000, '26 h 0 min 1 s'],
  ])('says %p ms as "%s"', (ms, expected) => {
    expect(formatDuration(START, after(ms))).toBe(expected);
  });

  it('says 0 s when the end is before the start, as a skewed clock may make it', () => {
    expect(formatDuration(START, after(-5_000))).toBe('0 s');
  });

  it('says so when the start time cannot be read', () => {
    expect(formatDuration('yesterday', after(0))).toBe('unknown (start time "yesterday")');
  });
});

describe('formatFields', () => {
  it('aligns the values two columns after the longest label, skipping absent values', () => {
    const text = formatFields([
      ['Run', 'run-1'],
      ['Error', undefined],
      ['Data set', 'ds-1'],
      ['Revision', ''],
    ]);

    expect(text).toBe(['Run:      run-1', 'Data set: ds-1', 'Revision: '].join('\n'));
  });
});
