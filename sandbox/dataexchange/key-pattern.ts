import { invalid } from './errors';
import type { AssetRecord, RevisionRecord } from './model';

/*
 * Key patterns of revision exports: `${...}` references that name each exported object. The references and the
 * rule that a pattern names the asset are ADX's ("Key patterns when exporting revisions").
 */

/** ADX's pattern when a destination gives none. */
export const DEFAULT_KEY_PATTERN = '${Revision.CreatedAt}/${Asset.Name}';

type Reference = (revision: RevisionRecord, asset: AssetRecord) => string;

const utcPart = (pick: (date: Date) => number, width: number): Reference => (revision) =>
  String(pick(new Date(revision.CreatedAt))).padStart(width, '0');

const REFERENCES: Readonly<Record<string, Reference>> = {
  'Asset.Id': (_revision, asset) => asset.Id,
  'Asset.Name': (_revision, asset) => asset.Name,
  'DataSet.Id': (revision) => revision.DataSetId,
  'Revision.Id': (revision) => revision.Id,
  'Revision.CreatedAt': (revision) => revision.CreatedAt,
  'Revision.CreatedAt.Year': utcPart((date) => date.getUTCFullYear(), 4),
  'Revision.CreatedAt.Month': utcPart((date) => date.getUTCMonth() + 1, 2),
  'Revision.CreatedAt.Day': utcPart((date) => date.getUTCDate(), 2),
  'Revision.CreatedAt.Hour': utcPart((date) => date.getUTCHours(), 2),
  'Revision.CreatedAt.Minute': utcPart((date) => date.getUTCMinutes(), 2),
  'Revision.CreatedAt.Second': utcPart((date) => date.getUTCSeconds(), 2),
};

const REFERENCE = /\$\{([^}]*)\}/g;

/** Throws ValidationException for an unknown reference, or a pattern that would give every asset one key. */
export function checkKeyPattern(pattern: string): void {
  const names = [...pattern.matchAll(REFERENCE)].map((match) => match[1]);
  const unknown = names.find((name) => !(name in REFERENCES));
  if (unknown !== undefined) {
    throw invalid(`KeyPattern "${pattern}" uses \${${unknown}}; it may use ${Object.keys(REFERENCES).map((name) => `\${${name}}`).join(', ')}.`);
  }
  if (!names.includes('Asset.Name') && !names.includes('Asset.Id')) {
    throw invalid(`KeyPattern "${pattern}" must contain \${Asset.Name} or \${Asset.Id}, so that each asset gets its own key.`);
  }
}

/** The object key of one asset of a revision under a checked pattern. */
export function renderKeyPattern(pattern: string, revision: RevisionRecord, asset: AssetRecord): string {
  return pattern.replace(REFERENCE, (_match, name: string) => REFERENCES[name](revision, asset));
}
