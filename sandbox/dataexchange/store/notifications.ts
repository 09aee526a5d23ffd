import { conflict, invalid } from '../errors';
import { now } from '../model';
import type { SendDataSetNotificationBody } from '../schemas';
import { AppendLog } from './indexes';

/*
 * The notifications one provider account sent with SendDataSetNotification
 * (https://docs.aws.amazon.com/data-exchange/latest/apireference/API_SendDataSetNotification.html), and the rules
 * of sending one.
 */

export interface SentNotificationRecord extends Omit<SendDataSetNotificationBody, 'ClientToken'> {
  ClientToken: string;
  DataSetId: string;
  SentAt: string;
}

/**
 * How long a ClientToken keeps a notification from being sent again. AWS dedups a notification repeated by mistake in
 * quick succession, and gives no span; the sandbox assumes a short one, so that a caller that needs a
 * notice sent once across re-runs has to keep its own record, as it would against AWS.
 */
export const CLIENT_TOKEN_WINDOW_MS = 5_000;

/** The Details member each type carries; the others are refused. */
const DETAIL_OF_TYPE = {
  DATA_UPDATE: 'DataUpdate',
  DATA_DELAY: undefined,
  SCHEMA_CHANGE: 'SchemaChange',
  DEPRECATION: 'Deprecation',
} as const;

/** Details members a type requires: AWS documents no answer for their absence, and the sandbox assumes it refuses. */
const REQUIRED_DETAIL = new Set<string>(['SchemaChange', 'Deprecation']);

/**
 * The sandbox assumes AWS checks Details against Type, as its shapes suggest (DataUpdate for DATA_UPDATE,
 * SchemaChange with its required SchemaChangeAt for SCHEMA_CHANGE, Deprecation with its required DeprecationAt for
 * DEPRECATION, none for DATA_DELAY); the API reference names no such rule.
 */
function checkDetails(input: SendDataSetNotificationBody): void {
  const expected = DETAIL_OF_TYPE[input.Type];
  const given = Object.keys(input.Details ?? {});
  const stray = given.find((member) => member !== expected);
  if (stray !== undefined) {
    throw invalid(`Invalid SendDataSetNotification request: Details.${stray} does not go with Type ${input.Type}.`);
  }
  if (expected !== undefined && REQUIRED_DETAIL.has(expected) && !given.includes(expected)) {
    throw invalid(`Invalid SendDataSetNotification request: Type ${input.Type} requires Details.${expected}.`);
  }
}

const sameNotification = (a: SentNotificationRecord, b: SentNotificationRecord): boolean => {
  const { SentAt: _a, ...left } = a;
  const { SentAt: _b, ...right } = b;
  return JSON.stringify(left) === JSON.stringify(right);
};

export class SentNotifications extends AppendLog<SentNotificationRecord> {
  /**
   * Records a notification to send, or answers undefined when the same one went out under its ClientToken within
   * the window. The same token for another notification in that window is refused: AWS documents no answer for it,
   * and the sandbox assumes ConflictException, an error the operation's model lists.
   */
  send(dataSetId: string, input: SendDataSetNotificationBody & { ClientToken: string }): SentNotificationRecord | undefined {
    checkDetails(input);
    const record: SentNotificationRecord = { ...input, DataSetId: dataSetId, SentAt: now() };
    const since = Date.now() - CLIENT_TOKEN_WINDOW_MS;
    const earlier = this.records().findLast((sent) => sent.ClientToken === input.ClientToken && Date.parse(sent.SentAt) > since);
    if (earlier !== undefined) {
      if (sameNotification(earlier, record)) return undefined;
      throw conflict('DATA_SET', dataSetId, `ClientToken ${input.ClientToken} was just used for another notification; use a new token.`);
    }
    this.add(record);
    return record;
  }
}
