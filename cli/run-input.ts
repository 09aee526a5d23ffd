import { EXECUTION_INPUT_MAX_BYTES } from '../shared/limits';
import { splitAccountList } from '../shared/schemas/fields';
import { WorkflowInput } from '../shared/schemas/workflow-input';
import { parseOrThrow } from '../shared/validation';
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

/** A syntactically valid id, standing in for the sandbox's data set before the sandbox has made it. */
const PLACEHOLDER_DATA_SET_ID = '0'.repeat(32);

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

/** The execution input from --input and the flags; a flag wins over the same field of --input. */
export function buildRunInput(flags: RunInputFlags, defaults: { bucket?: string; datasetId?: string }): Record<string, unknown> {
  const input = flags.input === undefined ? {} : readInputFlag(flags.input);
  const has = (...keys: string[]) => keys.some((key) => key in input);
  if (flags.bucket !== undefined) input.bucket = flags.bucket;
  else if (!has('bucket', 'bucket_name') && defaults.bucket !== undefined) input.bucket = defaults.bucket;
  if (flags.dataset !== undefined) input.datasetId = flags.dataset;
  else if (!has('datasetId', 'dataset_id') && defaults.datasetId !== undefined) input.datasetId = defaults.datasetId;
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
 * Validates with the workflow's own schema before anything starts. The sandbox's data set may not exist yet;
 * a stand-in id keeps that from failing validation, and the real one is filled in once the sandbox is up.
 */
export function validateRunInput(input: Record<string, unknown>, sandboxDataSetPending: boolean): void {
  const checked = sandboxDataSetPending && !('datasetId' in input) && !('dataset_id' in input) ? { ...input, datasetId: PLACEHOLDER_DATA_SET_ID } : input;
  parseOrThrow(WorkflowInput, checked, 'workflow input');
}
