import { SFNClient } from '@aws-sdk/client-sfn';
import * as z from 'zod';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from '../sandbox/accounts';
import { type Fault, parseFaultPlan } from '../sandbox/faults';
import { DEFAULT_SANDBOX_DIR, findRunningSandbox, knownSandboxDefaults, type SandboxInfo } from '../sandbox/directory';
import { describeIssues } from '../shared/validation';
import { DataSetIds } from './data-set-ref';
import { CliError, CliFailure, unreadableFile } from './errors';
import { loadSandbox } from './lazy';
import { FileTooLargeError, readFileUpTo, SMALL_FILE_MAX_BYTES } from './read-file';

/** Where the CLI points: the local sandbox or a deployed stack. Either way it speaks the Step Functions API. */
export interface Target {
  readonly sfn: SFNClient;
  readonly stateMachineArn?: string;
  readonly bucket?: string;
  readonly datasetId?: string;
  /** Data set ids by name, for `--dataset <name>`: the sandbox's, or the outputs file's `DataSets`. */
  readonly dataSets?: Readonly<Record<string, string>>;
  readonly local: boolean;
  /** How often to poll the history. */
  readonly pollMs: number;
  /** What ending means here, for the Ctrl-C message. */
  readonly stopsWithProcess: boolean;
  /** The sandbox's S3 endpoint, where `run --from-dir` uploads; local targets only. */
  readonly s3Endpoint?: string;
  /** The sandbox's Data Exchange endpoint, where `run --subscriber-side` receives; local targets only. */
  readonly dataExchangeEndpoint?: string;
  close(): Promise<void>;
}

export interface TargetOptions {
  readonly local?: boolean;
  readonly stateMachineArn?: string;
  readonly outputsFile?: string;
  readonly sandboxDir?: string;
  readonly faults?: string;
  /** A config file listing the sandbox's data sets, for the CLI's own sandbox (`--local`). */
  readonly config?: string;
  /** The execution `status` and `redrive` work on: its ARN names the region. */
  readonly executionArn?: string;
  /**
   * The command follows an execution to its end (`run`, `redrive`), so it may attach only to a sandbox that
   * outlives it (`sandbox up`), never to the one another process's run started and stops. @default false
   */
  readonly follows?: boolean;
}

const ProviderOutputs = z
  .object({ StateMachineArn: z.string(), BucketName: z.string().optional(), DataSetId: z.string().optional(), DataSets: DataSetIds.optional() })
  .loose();

function sandboxClient(info: SandboxInfo): SFNClient {
  return new SFNClient({
    region: SANDBOX_REGION,
    endpoint: info.endpoints.sfn,
    credentials: { accessKeyId: PROVIDER_ACCOUNT.accessKeyId, secretAccessKey: PROVIDER_ACCOUNT.secretAccessKey },
  });
}

/** A client for AWS in the region of the ARN the command works on: the resource is there, whatever the default. */
function awsClient(arn: string | undefined): SFNClient {
  const region = arn?.split(':')[3] || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
  if (region === undefined || region === '') throw new CliError('No AWS region: set AWS_REGION, or give an ARN that names one.');
  return new SFNClient({ region });
}

/** The provider stack's outputs, from a `cdk deploy --outputs-file` file: it lists every stack deployed with it. */
export function readStackOutputs(file: string): { stateMachineArn: string; bucket?: string; datasetId?: string; dataSets?: Record<string, string> } {
  let text: string;
  try {
    text = readFileUpTo(file, SMALL_FILE_MAX_BYTES);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`No outputs file at ${file}: run cdk deploy --outputs-file ${file} first.`);
    if (error instanceof FileTooLargeError) throw new CliError(`--outputs-file ${file} is over ${SMALL_FILE_MAX_BYTES} bytes, more than stack outputs hold.`);
    throw unreadableFile('--outputs-file', file, error);
  }
  let stacks: unknown;
  try {
    stacks = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`);
  }
  const providers = Object.values(typeof stacks === 'object' && stacks !== null ? stacks : {}).filter(
    (stack) => typeof stack === 'object' && stack !== null && 'StateMachineArn' in stack,
  );
  if (providers.length === 0) throw new CliError(`${file} holds no stack outputs with a StateMachineArn.`);
  const parsed = ProviderOutputs.safeParse(providers[0]);
  if (!parsed.success) throw new CliError(`${file}: the provider stack's outputs are not as dx-flow's stack writes them: ${describeIssues(parsed.error)}.`);
  const outputs = parsed.data;
  return { stateMachineArn: outputs.StateMachineArn, bucket: outputs.BucketName, datasetId: outputs.DataSetId, dataSets: outputs.DataSets };
}

function fromOutputsFile(file: string): Target {
  const outputs = readStackOutputs(file);
  return {
    sfn: awsClient(outputs.stateMachineArn),
    ...outputs,
    local: false,
    pollMs: 2000,
    stopsWithProcess: false,
    close: async () => undefined,
  };
}

/** A small file a flag names, read by `use`; a file that cannot be read, is too large or that `use` refuses is said as what the user gave wrong. */
function useFlagFile<T>(flag: string, file: string, holds: string, use: (text: string) => T): T {
  try {
    return use(readFileUpTo(file, SMALL_FILE_MAX_BYTES));
  } catch (error) {
    if (error instanceof FileTooLargeError) throw new CliError(`${flag} ${file} is over ${SMALL_FILE_MAX_BYTES} bytes, more than ${holds} holds.`);
    throw unreadableFile(flag, file, error);
  }
}

/** The `--faults` plan; a file that is not JSON or is no plan is said as what the user gave wrong. */
const faultPlanOf = (file: string): Fault[] => useFlagFile('--faults', file, 'a fault plan', (text) => parseFaultPlan(text, file));

/**
 * The `--config` file, once it is known to be readable; the sandbox reads it as the app reads its `configFile`, and
 * its settings are refused (ConfigurationError) with the app's own message.
 */
export const configFileOf = (file: string): string => useFlagFile('--config', file, 'a config file', () => file);

export async function openTarget(options: TargetOptions): Promise<Target> {
  const chosen = [options.local === true, options.stateMachineArn !== undefined, options.outputsFile !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new CliError('Give only one of --local, --state-machine-arn and --outputs-file.');
  if (options.faults !== undefined && options.local !== true) throw new CliError('--faults works only with --local.');
  if (options.config !== undefined && options.local !== true) throw new CliError("--config works only with --local: a deployed stack's data sets are its own deploy's.");
  if (options.outputsFile !== undefined) return fromOutputsFile(options.outputsFile);
  if (options.local !== true) {
    return {
      sfn: awsClient(options.stateMachineArn ?? options.executionArn),
      stateMachineArn: options.stateMachineArn,
      local: false,
      pollMs: 2000,
      stopsWithProcess: false,
      close: async () => undefined,
    };
  }
  const directory = options.sandboxDir ?? DEFAULT_SANDBOX_DIR;
  const attached = findRunningSandbox(directory);
  if (attached !== undefined) {
    if (options.follows === true && attached.shared !== true) {
      // It stops when its own run ends, and an execution this command followed there would end ABORTED.
      throw new CliFailure(
        `The sandbox in ${directory} belongs to the run in process ${attached.pid}, and stops when that run ends: wait for it, or start \`dx-flow sandbox up\` for runs to share.`,
        'SandboxInUseError',
      );
    }
    if (options.faults !== undefined) {
      throw new CliError(`--faults needs the CLI's own sandbox, but ${directory} is served by process ${attached.pid}.`);
    }
    if (options.config !== undefined) {
      // Its data sets are those it started with: `sandbox up --config` sets them, and a run cannot change them.
      throw new CliError(
        `--config needs the CLI's own sandbox, but ${directory} is served by process ${attached.pid}, whose data sets (${Object.keys(attached.dataSets).join(', ')}) its \`sandbox up\` set: leave --config out.`,
      );
    }
    return {
      sfn: sandboxClient(attached),
      stateMachineArn: attached.stateMachineArn,
      bucket: attached.bucket,
      datasetId: attached.dataSetId,
      dataSets: knownSandboxDefaults(directory).dataSets,
      s3Endpoint: attached.endpoints.s3,
      dataExchangeEndpoint: attached.endpoints.dataexchange,
      local: true,
      pollMs: 100,
      stopsWithProcess: false,
      close: async () => undefined,
    };
  }
  const faults = options.faults === undefined ? undefined : faultPlanOf(options.faults);
  const sandbox = await loadSandbox().startSandbox({ directory, faults, configFile: options.config === undefined ? undefined : configFileOf(options.config) });
  return {
    sfn: sandboxClient(sandbox),
    stateMachineArn: sandbox.stateMachineArn,
    bucket: sandbox.bucket,
    datasetId: sandbox.dataSetId,
    dataSets: knownSandboxDefaults(directory).dataSets,
    s3Endpoint: sandbox.endpoints.s3,
    dataExchangeEndpoint: sandbox.endpoints.dataexchange,
    local: true,
    pollMs: 50,
    stopsWithProcess: true,
    close: () => sandbox.close(),
  };
}
