import { randomUUID } from 'node:crypto';
import { SANDBOX_REGION } from '../accounts';
import { readStateFile, removeTemporaryFilesOf, StateFile } from '../persist';
import { parseOrThrow } from '../../shared/validation';
import {
  invalidParameter,
  invalidParameterValue,
  type MessageAttribute,
  type RecordedMessage,
  SnsRequestError,
  SnsState,
  type Topic,
} from './model';

/*
 * SNS's rules for the calls the stack makes, checked as SNS checks them, with SNS's error codes. Delivery to
 * subscribers is not emulated: a published message is recorded, and that is all.
 */

/** Message and attributes together; SNS counts bytes, not characters. */
const MAX_MESSAGE_BYTES = 262_144;
const MAX_SUBJECT_LENGTH = 100;
const MAX_MESSAGE_ATTRIBUTES = 10;
const MAX_BATCH_ENTRIES = 10;
const TOPICS_PER_PAGE = 100;
/** Publishes close together share one write of the state file. */
const SAVE_DELAY_MS = 20;

export interface PublishInput {
  readonly topicArn?: string;
  readonly message?: string;
  readonly subject?: string;
  readonly messageStructure?: string;
  readonly attributes: Readonly<Record<string, MessageAttribute>>;
}

export interface BatchEntry extends PublishInput {
  readonly id: string;
}

export interface BatchResult {
  readonly successful: { id: string; messageId: string }[];
  readonly failed: { id: string; code: string; message: string; senderFault: boolean }[];
}

function validateSubject(subject: string | undefined): void {
  if (subject === undefined) return;
  // Printable ASCII on one line, starting with a letter, a digit or punctuation.
  if (subject.length === 0 || subject.length > MAX_SUBJECT_LENGTH || !/^[\x21-\x7e][\x20-\x7e]*$/.test(subject)) {
    throw invalidParameter(
      `Invalid parameter: Subject (printable ASCII on one line, 1 to ${MAX_SUBJECT_LENGTH} characters; got ${subject.length})`,
    );
  }
}

function validateAttributes(attributes: Readonly<Record<string, MessageAttribute>>): void {
  const entries = Object.entries(attributes);
  if (entries.length > MAX_MESSAGE_ATTRIBUTES) {
    throw invalidParameter(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_MESSAGE_ATTRIBUTES}].`,
    );
  }
  for (const [name, attribute] of entries) {
    const type = /^(String|Number|Binary|String\.Array)(\.[^\s]+)?$/.exec(attribute.DataType)?.[1];
    if (type === undefined) {
      throw invalidParameterValue(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const value = type === 'Binary' ? attribute.BinaryValue : attribute.StringValue;
    if (value === undefined || value === '') {
      throw invalidParameterValue(
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type}'.`,
      );
    }
    if (type === 'Number' && !Number.isFinite(Number(value))) {
      throw invalidParameterValue(`The message attribute '${name}' with type 'Number' must be a number: ${value}.`);
    }
  }
}

function attributesBytes(attributes: Readonly<Record<string, MessageAttribute>>): number {
  return Object.entries(attributes).reduce(
    (total, [name, attribute]) =>
      total +
      Buffer.byteLength(name) +
      Buffer.byteLength(attribute.DataType) +
      Buffer.byteLength(attribute.StringValue ?? '') +
      Buffer.from(attribute.BinaryValue ?? '', 'base64').length,
    0,
  );
}

function validateMessage(input: PublishInput): string {
  const { message } = input;
  if (message === undefined) throw invalidParameter('Invalid parameter: Message Reason: no value for required parameter');
  if (message === '') throw invalidParameter('Invalid parameter: Empty message');
  if (Buffer.byteLength(message) + attributesBytes(input.attributes) > MAX_MESSAGE_BYTES) {
    throw invalidParameter(`Invalid parameter: Message too long (message and attributes over ${MAX_MESSAGE_BYTES} bytes)`);
  }
  if (input.messageStructure !== undefined) {
    if (input.messageStructure !== 'json') throw invalidParameter('Invalid parameter: MessageStructure');
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { default?: unknown }).default !== 'string') {
      throw invalidParameter('Invalid parameter: Message Structure - No default entry in JSON message body');
    }
  }
  return message;
}

export class SnsService {
  private readonly stateFile: StateFile;

  private constructor(
    file: string,
    private readonly state: SnsState,
  ) {
    this.stateFile = new StateFile(file, () => `${JSON.stringify(this.state, null, 2)}\n`, SAVE_DELAY_MS);
  }

  /** The service with the state of `stateFile`, if there is one; a damaged file throws DamagedStateFileError. */
  static async open(stateFile: string): Promise<SnsService> {
    removeTemporaryFilesOf(stateFile);
    const state = await readStateFile(stateFile, (json) => parseOrThrow(SnsState, json, 'SNS state'));
    return new SnsService(stateFile, state ?? { topics: [], messages: [] });
  }

  get messages(): readonly RecordedMessage[] {
    return this.state.messages;
  }

  createTopic(accountId: string, name: string | undefined, attributes: Readonly<Record<string, string>>): string {
    if (name === undefined || !/^[A-Za-z0-9_-]{1,256}$/.test(name)) {
      throw invalidParameter(
        name?.endsWith('.fifo')
          ? 'Invalid parameter: Topic Name (FIFO topics are not emulated by the sandbox)'
          : 'Invalid parameter: Topic Name',
      );
    }
    const topicArn = `arn:aws:sns:${SANDBOX_REGION}:${accountId}:${name}`;
    const existing = this.state.topics.find((topic) => topic.topicArn === topicArn);
    if (existing !== undefined) {
      const differs = Object.entries(attributes).some(([key, value]) => existing.attributes[key] !== value);
      if (differs) throw invalidParameter('Invalid parameter: Attributes Reason: Topic already exists with different attributes');
      return topicArn;
    }
    this.state.topics.push({ topicArn, name, accountId, attributes: { ...attributes }, createdAt: new Date().toISOString() });
    this.scheduleSave();
    return topicArn;
  }

  deleteTopic(topicArn: string | undefined): void {
    // Deleting a topic that does not exist succeeds, as in SNS.
    const index = this.state.topics.findIndex((topic) => topic.topicArn === topicArn);
    if (index === -1) return;
    this.state.topics.splice(index, 1);
    this.scheduleSave();
  }

  topicAttributes(topicArn: string | undefined): Record<string, string> {
    const topic = this.topic(topicArn);
    return {
      TopicArn: topic.topicArn,
      Owner: topic.accountId,
      DisplayName: '',
      SubscriptionsConfirmed: '0',
      SubscriptionsPending: '0',
      SubscriptionsDeleted: '0',
      ...topic.attributes,
    };
  }

  /** One page of the account's topics; the token is the last ARN of the previous page. */
  listTopics(accountId: string, nextToken: string | undefined): { topicArns: string[]; nextToken?: string } {
    const arns = this.state.topics
      .filter((topic) => topic.accountId === accountId)
      .map((topic) => topic.topicArn)
      .sort();
    const after = nextToken === undefined ? undefined : Buffer.from(nextToken, 'base64url').toString('utf8');
    if (after !== undefined && !after.startsWith('arn:aws:sns:')) throw invalidParameter('Invalid parameter: NextToken');
    const rest = after === undefined ? arns : arns.filter((arn) => arn > after);
    const page = rest.slice(0, TOPICS_PER_PAGE);
    return rest.length > TOPICS_PER_PAGE
      ? { topicArns: page, nextToken: Buffer.from(page[page.length - 1]).toString('base64url') }
      : { topicArns: page };
  }

  publish(accountId: string, input: PublishInput): RecordedMessage {
    const record = this.prepare(accountId, input);
    this.state.messages.push(record);
    this.scheduleSave();
    return record;
  }

  /** Each entry succeeds or fails on its own, as in SNS; a malformed batch as a whole fails outright. */
  publishBatch(accountId: string, topicArn: string | undefined, entries: readonly BatchEntry[]): BatchResult {
    if (entries.length === 0) {
      throw new SnsRequestError('EmptyBatchRequest', 400, 'The batch request does not contain any entries.');
    }
    if (entries.length > MAX_BATCH_ENTRIES) {
      throw new SnsRequestError(
        'TooManyEntriesInBatchRequest',
        400,
        `The batch request contains more entries (${entries.length}) than permissible (${MAX_BATCH_ENTRIES}).`,
      );
    }
    if (new Set(entries.map((entry) => entry.id)).size !== entries.length) {
      throw new SnsRequestError('BatchEntryIdsNotDistinct', 400, 'Two or more batch entries in the request have the same Id.');
    }
    this.topic(topicArn);
    const result: BatchResult = { successful: [], failed: [] };
    for (const entry of entries) {
      try {
        const record = this.prepare(accountId, { ...entry, topicArn });
        this.state.messages.push(record);
        result.successful.push({ id: entry.id, messageId: record.messageId });
      } catch (error) {
        if (!(error instanceof SnsRequestError)) throw error;
        result.failed.push({ id: entry.id, code: error.code, message: error.message, senderFault: error.status < 500 });
      }
    }
    this.scheduleSave();
    return result;
  }

  /** Writes the state now, pending changes included; rejects if the write fails. */
  flush(): Promise<void> {
    return this.stateFile.flush();
  }

  private topic(topicArn: string | undefined): Topic {
    if (topicArn === undefined) {
      throw invalidParameter('Invalid parameter: TopicArn Reason: no value for required parameter');
    }
    const topic = this.state.topics.find((candidate) => candidate.topicArn === topicArn);
    if (topic === undefined) throw new SnsRequestError('NotFound', 404, `Topic does not exist: ${topicArn}`);
    return topic;
  }

  private prepare(accountId: string, input: PublishInput): RecordedMessage {
    const topic = this.topic(input.topicArn);
    validateSubject(input.subject);
    validateAttributes(input.attributes);
    const message = validateMessage(input);
    return {
      messageId: randomUUID(),
      topicArn: topic.topicArn,
      ...(input.subject !== undefined && { subject: input.subject }),
      message,
      attributes: { ...input.attributes },
      timestamp: new Date().toISOString(),
      accountId,
    };
  }

  /** Each write holds the whole state, so the next one retries a failed one; flush() reports a failure that stays. */
  private scheduleSave(): void {
    this.stateFile.changed();
  }
}
