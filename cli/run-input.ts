import { EXECUTION_INPUT_MAX_BYTES } from '../shared/limits';
import { splitAccountList } from '../shared/schemas/fields';
import { WorkflowInput } from '../shared/schemas/workflow-input';
import { parseOrThrow } from '../shared/validation';
import { dataSetRef } from './data-set-ref';
import { CliError, unreadableFile } from './errors';
import { FileTooLargeError, readFileUpTo } from './read-file';

export interface RunInputFlags {
  readonly input?: string;
  readonly bucket?: string;
  readonly dataset?: string;
  readonly runId?: string;
  readonly assets?: string;
  readonly subscriber?: string;
}

/**
 * An `--input @file`, read up to the most an execution's input can be: a larger file is refused there, so that
 * `@/dev/zero` or a huge file ends in a sentence rather than in all the memory there is.
 */
function readInputFile(file: string): string {
  try {
    return readFileUpTo(file, EXECUTION_INPUT_MAX_BYTES);
  } catch (error) {
    if (error instanceof FileTooLargeError) {
      throw new CliError(`--input ${file} is over ${EXECUTION_INPUT_MAX_BYTES} bytes, the most Step Functions takes as an execution's input.`);
    }
    throw unreadableFile('--input', file, error);
  }
}

function readInputFlag(value: string): Record<string, unknown> {
  const text = value.startsWith('@') ? readInputFile(value.slice(1)) : value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`--input is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError('--input must be a JSON object');
  }
  return { ...parsed };
}

/** What the target gives an input that names none: its bucket, its default data set, and its data sets' names. */
export interface RunInputDefaults {
  readonly bucket?: string;
  readonly datasetId?: string;
  /** Data set ids by name: a known name given to `--dataset` is a name, even when it looks like an id. */
  readonly dataSets?: Readonly<Record<string, string>>;
}

const DATA_SET_FIELDS = ['datasetId', 'dataset_id', 'dataSet'] as const;

/** The execution input from --input and the flags; a flag wins over the same field of --input. */
export function buildRunInput(flags: RunInputFlags, defaults: RunInputDefaults): Record<string, unknown> {
  const input = flags.input === undefined ? {} : readInputFlag(flags.input);
  const has = (...keys: string[]) => keys.some((key) => key in input);
  if (flags.bucket !== undefined) input.bucket = flags.bucket;
  else if (!has('bucket', 'bucket_name') && defaults.bucket !== undefined) input.bucket = defaults.bucket;
  if (flags.dataset !== undefined) {
    // A name goes in as `dataSet`, which the state machine resolves; an id as `datasetId`. Either replaces --input's.
    for (const field of DATA_SET_FIELDS) delete input[field];
    Object.assign(input, dataSetRef(flags.dataset, defaults.dataSets));
  } else if (!has(...DATA_SET_FIELDS) && defaults.datasetId !== undefined) input.datasetId = defaults.datasetId;
  if (flags.runId !== undefined) input.runId = flags.runId;
  if (flags.assets !== undefined) {
    const source = typeof input.source === 'object' && input.source !== null ? (input.source as Record<string, unknown>) : {};
    // A number that is not one stays a string, so validation names the field.
    const assets = /^\d+$/.test(flags.assets) ? Number(flags.assets) : flags.assets;
    input.source = { ...(source.type === 'generate' ? source : {}), type: 'generate', assets };
  }
  if (flags.subscriber !== undefined) input.subscriberAccountIds = splitAccountList(flags.subscriber);
  return input;
}

/**
 * Validates with the workflow's own schema before anything starts. An input that names no data set is valid: the
 * state machine then publishes to the stack's default (with `--local`, the sandbox's, which may not exist yet).
 */
export function validateRunInput(input: Record<string, unknown>): void {
  parseOrThrow(WorkflowInput, input, 'workflow input');
}
