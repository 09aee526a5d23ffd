import * as z from 'zod';
import { DataSetName } from '../shared/schemas/data-sets';
import { DataSetId } from '../shared/schemas/fields';
import { describeIssues, parseJsonText } from '../shared/validation';
import { DATA_SET_IDS_VARIABLE } from '../sandbox/directory';
import { CliError } from './errors';

/*
 * `--dataset` names a data set by its Data Exchange id or by the name the stack's configuration gives it. The two
 * can look alike (a lowercase name of 30 to 32 letters and digits is also a valid id), so a name the target knows
 * wins; otherwise a value shaped like an id is an id, and anything else a name.
 */

/** Data set ids by name, as JSON: the stack's `DataSets` output, and the sandbox's DX_FLOW_DATA_SET_IDS. */
export const DataSetIds = z.string().transform(parseJsonText('must be JSON')).pipe(z.record(DataSetName, DataSetId));

/** The value `--dataset` takes, checked before anything is opened or called. */
export const DataSetFlag = z
  .string()
  .refine(
    (value) => DataSetId.safeParse(value).success || DataSetName.safeParse(value).success,
    'must be a Data Exchange data set id (30 to 40 letters and digits) or a configured data set name (lowercase letters, digits and "-")',
  );

export type DataSetRef = { readonly datasetId: string } | { readonly dataSet: string };

/** What `--dataset` names: a known name, else an id if it has an id's shape, else a name the target must know. */
export function dataSetRef(value: string, known: Readonly<Record<string, string>> = {}): DataSetRef {
  if (Object.hasOwn(known, value)) return { dataSet: value };
  return DataSetId.safeParse(value).success ? { datasetId: value } : { dataSet: value };
}

/** The id `--dataset` names: an id as given, a name by the known ids; an unknown name says which names are known. */
export function dataSetIdOf(value: string, known: Readonly<Record<string, string>> | undefined): string {
  const ref = dataSetRef(value, known);
  if ('datasetId' in ref) return ref.datasetId;
  // Own keys only: a name such as "constructor" is no id the prototype has.
  if (known !== undefined && Object.hasOwn(known, ref.dataSet)) return known[ref.dataSet];
  const names = Object.keys(known ?? {});
  throw new CliError(
    names.length === 0
      ? `--dataset ${value} is a data set name, but no names are known here: give the data set's id, --local, an --outputs-file with a DataSets output, or set ${DATA_SET_IDS_VARIABLE}.`
      : `--dataset ${value} is neither a data set id nor a known data set name; the names are ${names.join(', ')}.`,
  );
}

/** The ids `dx-flow sandbox up` exported, if this shell has them. */
export function dataSetIdsFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> | undefined {
  const text = env[DATA_SET_IDS_VARIABLE];
  if (text === undefined || text.trim() === '') return undefined;
  const parsed = DataSetIds.safeParse(text);
  if (!parsed.success) {
    throw new CliError(`${DATA_SET_IDS_VARIABLE}: ${describeIssues(parsed.error)}; it is JSON of data set names to ids, as \`dx-flow sandbox up\` prints it.`);
  }
  return parsed.data;
}
