import { type MessageAttributeValue, PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { awsCall } from './errors';

/**
 * Where the status-change notifier records each notification it sent, one object per execution, attempt and
 * status, so that an event delivered twice is announced once. Infra scopes the notifier's S3 grant and a
 * lifecycle rule to this prefix.
 */
export const NOTIFICATION_RECORD_PREFIX = 'notifications/sent/';

/** SNS caps a message, body and attributes together, at 256 KiB. */
export const SNS_MAX_MESSAGE_BYTES = 262_144;

/** SNS subjects: at most 100 printable ASCII characters, no line breaks. */
const SNS_MAX_SUBJECT_LENGTH = 100;

// Room for the attributes and their names, which count toward SNS's cap too.
const ATTRIBUTE_ALLOWANCE_BYTES = 8_192;

const TRUNCATION_MARK = '\n\n[message truncated to fit the SNS size limit]';

export interface Notification {
  /** Free text; made to fit SNS's subject rules on publish. */
  readonly subject: string;
  readonly message: string;
  /** String attributes for subscription filter policies; undefined and empty values are left out. */
  readonly attributes: Readonly<Record<string, string | undefined>>;
}

export interface PublishDeps {
  readonly sns: SNSClient;
  readonly topicArn: string;
}

/** Printable ASCII on one line, cut to SNS's length, so a subject never makes Publish fail. */
function toSnsSubject(text: string): string {
  const printable = text
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
  if (printable.length <= SNS_MAX_SUBJECT_LENGTH) return printable;
  return `${printable.slice(0, SNS_MAX_SUBJECT_LENGTH - 3)}...`;
}

/** Cuts a message to at most maxBytes of UTF-8, on a character boundary, and says that it was cut. */
function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  const room = maxBytes - Buffer.byteLength(TRUNCATION_MARK, 'utf8');
  // A decoder drops a sequence cut in half as U+FFFD; stripping it keeps the cut on a whole character.
  const head = Buffer.from(text, 'utf8').subarray(0, room).toString('utf8').replace(/\uFFFD+$/, '');
  return `${head}${TRUNCATION_MARK}`;
}

function toMessageAttributes(attributes: Notification['attributes']): Record<string, MessageAttributeValue> {
  const entries = Object.entries(attributes).filter((entry): entry is [string, string] => (entry[1] ?? '') !== '');
  return Object.fromEntries(entries.map(([name, value]) => [name, { DataType: 'String', StringValue: value }]));
}

/** Publishes one notification and returns SNS's message id. */
export async function publishNotification(notification: Notification, deps: PublishDeps): Promise<string> {
  const response = await awsCall({ action: 'sns:Publish', resource: `topic ${deps.topicArn}` }, () =>
    deps.sns.send(
      new PublishCommand({
        TopicArn: deps.topicArn,
        Subject: toSnsSubject(notification.subject),
        Message: truncateUtf8(notification.message, SNS_MAX_MESSAGE_BYTES - ATTRIBUTE_ALLOWANCE_BYTES),
        MessageAttributes: toMessageAttributes(notification.attributes),
      }),
    ),
  );
  if (response.MessageId === undefined) throw new Error(`sns:Publish on topic ${deps.topicArn} returned no MessageId`);
  return response.MessageId;
}

/** 1536 -> "1,536 bytes (1.5 KiB)": exact for logs and filters, readable for people. */
export function formatBytes(bytes: number): string {
  const exact = `${bytes.toLocaleString('en-US')} byte${bytes === 1 ? '' : 's'}`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit < 0 ? exact : `${exact} (${value.toFixed(1)} ${units[unit]})`;
}

/** "1 h 2 min 5 s" from an ISO start time to `end`; says so when the start cannot be read. */
export function formatDuration(startTime: string, end: Date): string {
  const start = Date.parse(startTime);
  if (Number.isNaN(start)) return `unknown (start time "${startTime}")`;
  const totalSeconds = Math.max(0, Math.round((end.getTime() - start) / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts = [hours > 0 ? `${hours} h` : '', hours + minutes > 0 ? `${minutes} min` : '', `${seconds} s`];
  return parts.filter((part) => part !== '').join(' ');
}

/** Aligned "Label:  value" lines, skipping absent values. */
export function formatFields(fields: ReadonlyArray<readonly [string, string | undefined]>): string {
  const present = fields.filter((field): field is readonly [string, string] => field[1] !== undefined);
  const width = Math.max(...present.map(([label]) => label.length)) + 2;
  return present.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`).join('\n');
}
