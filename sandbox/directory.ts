import { existsSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_DATA_SET_NAME } from '../shared/schemas/data-sets';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from './accounts';
import { claimDirectory, isAlive, lockFileOf, SandboxInUseError } from './ownership';
import { DamagedStateFileError, readStateFileSync } from './persist';

/*
 * A sandbox directory as seen from outside a running sandbox: what it kept from its last run, whether a
 * `dx-flow sandbox up` serves it now, and the environment that points clients at it. It loads neither the
 * CDK nor the servers, so a CLI command that only reads these pays for neither.
 */

export const SANDBOX_BUCKET = 'dx-flow-sandbox-data';
export const SANDBOX_TOPIC = 'dx-flow-sandbox-notifications';
export const DEFAULT_SANDBOX_DIR = '.sandbox';
/**
 * The sandbox's data set ids by name, as JSON (the stack's `DataSets` output has the same shape), for `--dataset
 * <name>`. Not DX_FLOW_DATA_SETS: that is the app's own setting, which lists the data sets with their settings.
 */
export const DATA_SET_IDS_VARIABLE = 'DX_FLOW_DATA_SET_IDS';
export interface SandboxEndpoints {
  readonly s3: string;
  readonly dataexchange: string;
  readonly sns: string;
  readonly sfn: string;
}

/** What a client needs to use the sandbox: the `export` lines of `dx-flow sandbox up`. */
export interface SandboxInfo {
  readonly directory: string;
  readonly endpoints: SandboxEndpoints;
  readonly bucket: string;
  /** The default data set's id: the first of `dataSets`. */
  readonly dataSetId: string;
  /** Every data set the sandbox publishes to, the default first: name to id, as the stack's `DataSets` output. */
  readonly dataSets: Readonly<Record<string, string>>;
  readonly topicArn: string;
  readonly stateMachineArn: string;
  readonly pid: number;
  /**
   * Whether the sandbox serves other processes until it is stopped (`dx-flow sandbox up`), rather than ending
   * with the run that started it in its own process: only such a sandbox may a run in another process attach to.
   */
  readonly shared?: boolean;
}
export interface PersistedSandbox {
  /** The default data set of the last run: all a directory from before several data sets kept. */
  dataSetId?: string;
  /** Every data set the directory has made, by name, whether the last run published to it or not. */
  dataSets?: Record<string, string>;
  ports?: number[];
}

export const sandboxFiles = (directory: string) => ({
  persisted: path.join(directory, 'sandbox.json'),
  running: path.join(directory, 'running.json'),
});

/** What the sandbox kept from its last run in this directory: its data set and its ports. A damaged file throws DamagedStateFileError. */
export function readPersisted(directory: string): PersistedSandbox {
  return readStateFileSync<PersistedSandbox>(sandboxFiles(path.resolve(directory)).persisted) ?? {};
}

/**
 * The ids of the data sets this directory has made, by name: those of its last run and of the runs before, which
 * the Data Exchange emulator keeps. A directory from before several data sets kept one id, the data set "default".
 */
export function knownDataSetIds(persisted: PersistedSandbox): Record<string, string> {
  if (persisted.dataSets !== undefined) return { ...persisted.dataSets };
  return persisted.dataSetId === undefined ? {} : { [DEFAULT_DATA_SET_NAME]: persisted.dataSetId };
}

/** The sandbox's bucket, and its data sets once a sandbox has run in this directory, without starting one. */
export function knownSandboxDefaults(directory = DEFAULT_SANDBOX_DIR): { bucket: string; datasetId?: string; dataSets: Record<string, string> } {
  const persisted = readPersisted(directory);
  return { bucket: SANDBOX_BUCKET, datasetId: persisted.dataSetId, dataSets: knownDataSetIds(persisted) };
}

/** The environment that points any AWS SDK or the AWS CLI at the sandbox. */
export function sandboxEnvironment(info: SandboxInfo): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: PROVIDER_ACCOUNT.accessKeyId,
    AWS_SECRET_ACCESS_KEY: PROVIDER_ACCOUNT.secretAccessKey,
    AWS_REGION: SANDBOX_REGION,
    AWS_DEFAULT_REGION: SANDBOX_REGION,
    AWS_ENDPOINT_URL_S3: info.endpoints.s3,
    AWS_ENDPOINT_URL_DATAEXCHANGE: info.endpoints.dataexchange,
    AWS_ENDPOINT_URL_SNS: info.endpoints.sns,
    AWS_ENDPOINT_URL_SFN: info.endpoints.sfn,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
    DX_FLOW_BUCKET: info.bucket,
    DX_FLOW_DATASET_ID: info.dataSetId,
    [DATA_SET_IDS_VARIABLE]: JSON.stringify(info.dataSets),
    DX_FLOW_STATE_MACHINE_ARN: info.stateMachineArn,
  };
}

/**
 * The sandbox another process serves from this directory, if one does: a `dx-flow sandbox up` (`shared`), or
 * the in-process sandbox of another process's run, which ends with that run.
 */
export function findRunningSandbox(directory = DEFAULT_SANDBOX_DIR): SandboxInfo | undefined {
  let info: SandboxInfo | undefined;
  try {
    info = readStateFileSync<SandboxInfo>(sandboxFiles(path.resolve(directory)).running);
  } catch (error) {
    // Only a running sandbox's note, removed when it stops: a damaged one (from before it was written atomically) is no sandbox.
    if (error instanceof DamagedStateFileError) return undefined;
    throw error;
  }
  return info !== undefined && isAlive(info.pid) && info.pid !== process.pid ? info : undefined;
}

/**
 * Deletes the directory and its state; refused (SandboxInUseError) while a process holds it. The reset holds
 * the directory itself while it deletes, so that no sandbox starts there halfway through.
 */
export function resetSandbox(directory = DEFAULT_SANDBOX_DIR): void {
  const absolute = path.resolve(directory);
  if (!existsSync(absolute)) return;
  const running = findRunningSandbox(absolute);
  if (running !== undefined) throw new SandboxInUseError(absolute, running.pid);
  const lock = claimDirectory(absolute);
  try {
    for (const name of readdirSync(absolute)) {
      if (path.join(absolute, name) !== lockFileOf(absolute)) rmSync(path.join(absolute, name), { recursive: true, force: true });
    }
  } finally {
    lock.release();
  }
  // Left in place if a sandbox started there since.
  try {
    rmdirSync(absolute);
  } catch {
    // Not empty: another process's now.
  }
}
