import * as z from 'zod';
import { DataSetId, LOWERCASE_NAME, SubscriberAccountIds } from './fields';

/*
 * The data sets one deployment publishes to, by the names its configuration gives them. The stack hands the tasks
 * this list (DATA_SETS); a run names its data set by one of these names or by its id, or else publishes to the first.
 */

/** The name the single data set of the context form (`-c datasetId=...`) has, and the default's when none is named. */
export const DEFAULT_DATA_SET_NAME = 'default';

export const DataSetName = z
  .string()
  .regex(LOWERCASE_NAME, 'must be a lowercase name of at most 32 letters, digits and "-", beginning with a letter');

export const ConfiguredDataSet = z.strictObject({
  name: DataSetName,
  dataSetId: DataSetId,
  /** Shared with when the run's input names no accounts. */
  subscriberAccountIds: SubscriberAccountIds,
  /** When this data set's data grants end. */
  grantEndsAt: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
});
export type ConfiguredDataSet = z.infer<typeof ConfiguredDataSet>;

/** The stack's list, first the default: each name and each id once. */
export const ConfiguredDataSets = z
  .array(ConfiguredDataSet)
  .min(1, 'must list at least one data set')
  .superRefine((dataSets, ctx) => {
    for (const key of ['name', 'dataSetId'] as const) {
      const seen = new Set<string>();
      dataSets.forEach((dataSet, index) => {
        if (seen.has(dataSet[key])) ctx.addIssue({ code: 'custom', path: [index, key], message: `repeats ${key} "${dataSet[key]}"` });
        seen.add(dataSet[key]);
      });
    }
  });
export type ConfiguredDataSets = z.infer<typeof ConfiguredDataSets>;
