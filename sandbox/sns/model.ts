import * as z from 'zod';

/*
 * What the SNS emulator keeps: its topics and every message published, as one account's SNS would have them.
 * The state file holds both, and is read back on the next start.
 */

export const MessageAttribute = z.strictObject({
  DataType: z.string(),
  StringValue: z.string().optional(),
  /** base64, as the Query protocol carries it */
  BinaryValue: z.string().optional(),
});
export type MessageAttribute = z.infer<typeof MessageAttribute>;

export const RecordedMessage = z.strictObject({
  messageId: z.string(),
  topicArn: z.string(),
  subject: z.string().optional(),
  message: z.string(),
  attributes: z.record(z.string(), MessageAttribute),
  /** ISO-8601 */
  timestamp: z.string(),
  /** The publisher's account. */
  accountId: z.string(),
});
export type RecordedMessage = z.infer<typeof RecordedMessage>;

export const Topic = z.strictObject({
  topicArn: z.string(),
  name: z.string(),
  accountId: z.string(),
  /** The attributes given at CreateTopic (DisplayName, ...). */
  attributes: z.record(z.string(), z.string()),
  createdAt: z.string(),
});
export type Topic = z.infer<typeof Topic>;

export const SnsState = z.strictObject({
  topics: z.array(Topic),
  messages: z.array(RecordedMessage),
});
export type SnsState = z.infer<typeof SnsState>;

/** An SNS error, answered in the protocol's own shape; `code` is the Query error code the SDK maps to its class. */
export class SnsRequestError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'SnsRequestError';
  }
}

export const invalidParameter = (message: string) => new SnsRequestError('InvalidParameter', 400, message);
export const invalidParameterValue = (message: string) => new SnsRequestError('ParameterValueInvalid', 400, message);
