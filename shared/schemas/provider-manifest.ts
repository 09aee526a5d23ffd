import * as z from 'zod';
import { MAX_ASSETS_PER_RUN } from '../limits';
import { DataSetName } from './data-sets';
import { SafeS3Key } from './fields';

/**
 * The document a `manifest` source points at: the provider names the objects of one revision, one by one or
 * by prefix, and the data set they go to. Keys and prefixes are in the run's bucket.
 */
export const ProviderManifest = z
  .strictObject({
    keys: z.array(SafeS3Key).max(MAX_ASSETS_PER_RUN, `must list at most ${MAX_ASSETS_PER_RUN} keys`).optional(),
    prefixes: z.array(SafeS3Key).optional(),
    comment: z.string().optional(),
    /** The configured name of the data set to publish to; without it, the run's input decides, else the default. */
    dataSet: DataSetName.optional(),
  })
  .refine((manifest) => (manifest.keys?.length ?? 0) + (manifest.prefixes?.length ?? 0) > 0, {
    message: 'must list at least one key or prefix',
    path: ['keys'],
  });
export type ProviderManifest = z.infer<typeof ProviderManifest>;
