import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from './accounts';

/*
 * A sandbox directory as seen from outside a running sandbox: what it kept from its last run, whether a
 * `dx-flow sandbox up` serves it now, and the environment that points clients at it. It loads neither the
 * CDK nor the servers, so a CLI command that only reads these pays for neither.
 */

export const SANDBOX_BUCKET = 'dx-flow-sandbox-data';
export const SANDBOX_TOPIC = 'dx-flow-sandbox-notifications';
export const DEFAULT_SANDBOX_DIR = '.sandbox';
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
  readonly dataSetId: string;
  readonly topicArn: string;
  readonly stateMachineArn: string;
  readonly pid: number;
}
export interface PersistedSandbox {
  dataSetId?: string;
  ports?: number[];
}

export const sandboxFiles = (directory: string) => ({
  persisted: path.join(directory, 'sandbox.json'),
  running: path.join(directory, 'running.json'),
});

/** What the sandbox kept from its last run in this directory: its data set and its ports. */
export function readPersisted(directory: string): PersistedSandbox {
  const file = sandboxFiles(path.resolve(directory)).persisted;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PersistedSandbox) : {};
}

/** The sandbox's bucket, and its data set once a sandbox has run in this directory, without starting one. */
export function knownSandboxDefaults(directory = DEFAULT_SANDBOX_DIR): { bucket: string; datasetId?: string } {
  return { bucket: SANDBOX_BUCKET, datasetId: readPersisted(directory).dataSetId };
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
    DX_FLOW_STATE_MACHINE_ARN: info.stateMachineArn,
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The sandbox a `dx-flow sandbox up` is serving from this directory, if one is. */
export function findRunningSandbox(directory = DEFAULT_SANDBOX_DIR): SandboxInfo | undefined {
  const file = sandboxFiles(path.resolve(directory)).running;
  if (!existsSync(file)) return undefined;
  const info = JSON.parse(readFileSync(file, 'utf8')) as SandboxInfo;
  return isAlive(info.pid) && info.pid !== process.pid ? info : undefined;
}

export function resetSandbox(directory = DEFAULT_SANDBOX_DIR): void {
  const running = findRunningSandbox(directory);
  if (running !== undefined) throw new Error(`The sandbox in ${directory} is in use by process ${running.pid}; stop it first`);
  rmSync(path.resolve(directory), { recursive: true, force: true });
}
