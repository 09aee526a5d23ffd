import * as z from 'zod';
import { AccountId, DataSetId, SubscriberAccountIds } from '../fields';

// ---- ShareWithSubscribers
export const ShareWithSubscribersInput = z.strictObject({
  datasetId: DataSetId,
  subscriberAccountIds: SubscriberAccountIds,
});
export type ShareWithSubscribersInput = z.infer<typeof ShareWithSubscribersInput>;

export const DataGrantReport = z.strictObject({
  receiver: AccountId,
  id: z.string(),
  status: z.enum(['created', 'existing']),
  acceptance: z.string(),
});
export type DataGrantReport = z.infer<typeof DataGrantReport>;

export const ShareWithSubscribersOutput = z.strictObject({
  dataGrants: z.array(DataGrantReport),
});
export type ShareWithSubscribersOutput = z.infer<typeof ShareWithSubscribersOutput>;
