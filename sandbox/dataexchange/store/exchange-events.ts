import { randomUUID } from 'node:crypto';
import { type DATA_GRANT_EVENT_TYPES, EXCHANGE_EVENT_SOURCE, type ExchangeEventEnvelope } from '../../../shared/schemas/exchange-event';
import { SANDBOX_REGION } from '../../accounts';

/*
 * The EventBridge events Data Exchange sends an account, as the account's default bus would receive them. The
 * sandbox has no EventBridge: each account keeps the events delivered to it, in order, and the emulator hands them
 * out (RunningDataExchangeEmulator.deliveredEvents). Shapes follow the user guide's "Amazon EventBridge events"
 * page (https://docs.aws.amazon.com/data-exchange/latest/userguide/cloudwatch-events.html); the detail-types are
 * shared/schemas/exchange-event.ts's, which the handlers parse them with.
 */

export const DATA_GRANT_REVOKED: (typeof DATA_GRANT_EVENT_TYPES)[number] = 'Data Grant Revoked';

export type ExchangeEventRecord = ExchangeEventEnvelope;

/** A data set as the events' `resources` name it: the page's examples leave the account out of the ARN. */
export const dataSetResource = (dataSetId: string): string => `arn:aws:dataexchange:${SANDBOX_REGION}::data-sets/${dataSetId}`;

/** EventBridge's envelope, timed to the second as the page's examples are. */
export function exchangeEvent(accountId: string, detailType: string, resources: string[], detail: Record<string, unknown>): ExchangeEventRecord {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: EXCHANGE_EVENT_SOURCE,
    account: accountId,
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: SANDBOX_REGION,
    resources,
    detail,
  };
}
