/*
 * Where the subscriber's exports land. Kept apart from the construct, which loads the CDK, so that the CLI's
 * subscriber side (`dx-flow run --subscriber-side`) exports the same way without loading it.
 */

/** Keeps revisions apart by date and id, so a later revision never overwrites an earlier one's assets. */
export const AUTO_EXPORT_KEY_PATTERN = '${Revision.CreatedAt}/${Revision.Id}/${Asset.Name}';
