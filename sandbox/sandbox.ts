import { CreateDataSetCommand, GetDataSetCommand } from '@aws-sdk/client-dataexchange';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createDataExchangeClient } from '../shared/clients/dataexchange';
import { createS3Client } from '../shared/clients/s3';
import { createSnsClient } from '../shared/clients/sns';
import { ENV_KEYS } from '../shared/env';
import { TASK_NAMES, type TaskName } from '../tasks/registry';
import { extractRunnableAsl, taskEnvironments } from '../workflows/asl';
import { loadTaskHandlers, type TaskHandlers } from '../workflows/local-runner';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from './accounts';
import {
  DEFAULT_SANDBOX_DIR,
  findRunningSandbox,
  type PersistedSandbox,
  readPersisted,
  SANDBOX_BUCKET,
  SANDBOX_TOPIC,
  sandboxFiles,
  type SandboxInfo,
} from './directory';
import { startDataExchangeEmulator } from './dataexchange/server';
import { type Fault, FaultInjector } from './faults';
import { ManifestTrigger, s3EventRuleFromTemplate } from './manifest-trigger';
import { providerTemplate } from './provider-template';
import { fireSchedule, scheduleRuleFromTemplate } from './schedule-trigger';
import { startS3 } from './s3/server';
import type { RecordedMessage } from './sns/model';
import { startSns } from './sns/server';
import { ExecutionStore } from './stepfunctions/executions';
import { startStepFunctions } from './stepfunctions/server';

/*
 * The local sandbox: S3, Data Exchange, SNS and Step Functions on 127.0.0.1, with their state in one
 * directory, like one long-lived account. Step Functions runs the definition the app synthesizes, and its
 * Lambda states run the registry's handler modules with the environment the stack gives each function.
 */

export interface SandboxOptions {
  /** @default `.sandbox` */
  readonly directory?: string;
  /** Ports N (S3), N+1 (Data Exchange), N+2 (SNS) and N+3 (Step Functions). @default the ports of the last run, else free ones */
  readonly portBase?: number;
  readonly faults?: readonly Fault[];
  /**
   * Real milliseconds one second of a Wait state lasts: the sandbox polls an import as often as AWS would,
   * on a faster clock. The stack's own poll bound holds, so an import stuck IN_PROGRESS fails with
   * ImportTimeoutError after about 7,000 scaled seconds: 70 s at the default. @default 10
   */
  readonly timeScaleMs?: number;
  /** Milliseconds before a state machine retry. @default 50 */
  readonly retryMs?: number;
  /** Milliseconds an import job spends IN_PROGRESS before it runs. @default 20 */
  readonly importDelayMs?: number;
  /** Where synthesized templates are kept between starts. @default DEFAULT_SYNTH_CACHE_DIR */
  readonly synthCacheDirectory?: string;
}

export interface RunningSandbox extends SandboxInfo {
  readonly faults: FaultInjector;
  readonly executions: ExecutionStore;
  /** Every SNS message published so far, oldest first: what subscribers of the topics would have received. */
  notifications(): readonly RecordedMessage[];
  /**
   * Fires the stack's schedule for the tick `at`, through the scheduled rule's own target input, `deliveries`
   * times (EventBridge delivers at least once); resolves with the executions started, once each has ended.
   */
  fireSchedule(at: Date, deliveries?: number): Promise<string[]>;
  close(): Promise<void>;
}

/** Sets the environment for this process's task handlers; a key two tasks set differently cannot be shared. */
function applyTaskEnvironments(environments: Partial<Record<TaskName, Record<string, string>>>): void {
  const merged: Record<string, { value: string; task: string }> = {};
  for (const [task, variables] of Object.entries(environments)) {
    for (const [key, value] of Object.entries(variables)) {
      // Per-function by design, and nothing a handler reads: the task's own name, and source-map flags.
      if (key === ENV_KEYS.task || key === 'NODE_OPTIONS') continue;
      const seen = merged[key];
      if (seen !== undefined && seen.value !== value) {
        throw new Error(`Tasks ${seen.task} and ${task} set ${key} differently; the sandbox runs them in one process`);
      }
      merged[key] = { value, task };
    }
  }
  for (const [key, { value }] of Object.entries(merged)) process.env[key] = value;
}

/** The registry's handlers, each first giving the fault plan its chance to throw. */
function handlersWithFaults(faults: FaultInjector): TaskHandlers {
  const handlers = loadTaskHandlers();
  return Object.fromEntries(
    TASK_NAMES.map((task) => [
      task,
      async (event: unknown) => {
        faults.beforeTask(task);
        return handlers[task](event);
      },
    ]),
  ) as TaskHandlers;
}

async function ensureBucket(): Promise<void> {
  const s3 = createS3Client({ maxAttempts: 1 });
  try {
    await s3.send(new HeadBucketCommand({ Bucket: SANDBOX_BUCKET }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: SANDBOX_BUCKET }));
  }
}

async function ensureDataSet(persisted: PersistedSandbox): Promise<string> {
  const dataExchange = createDataExchangeClient({ maxAttempts: 1 });
  if (persisted.dataSetId !== undefined) {
    const found = await dataExchange.send(new GetDataSetCommand({ DataSetId: persisted.dataSetId })).catch(() => undefined);
    if (found !== undefined) return persisted.dataSetId;
  }
  const created = await dataExchange.send(
    new CreateDataSetCommand({
      AssetType: 'S3_SNAPSHOT',
      Name: 'dx-flow sandbox data set',
      Description: 'The data set the local sandbox publishes to',
    }),
  );
  if (created.Id === undefined) throw new Error('The sandbox data set was created without an id');
  return created.Id;
}

/** Starts the sandbox in this process. Close it to stop every server and flush its state. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const directory = path.resolve(options.directory ?? DEFAULT_SANDBOX_DIR);
  const running = findRunningSandbox(directory);
  if (running !== undefined) throw new Error(`The sandbox in ${directory} is already up (process ${running.pid})`);
  mkdirSync(directory, { recursive: true });
  const { persisted: persistedFile, running: runningFile } = sandboxFiles(directory);
  const persisted = readPersisted(directory);
  const port = (i: number) => (options.portBase === undefined ? (persisted.ports?.[i] ?? 0) : options.portBase + i);
  const faults = new FaultInjector(options.faults);
  // Task logs would drown the CLI's progress; the history carries every error. POWERTOOLS_LOG_LEVEL=INFO shows them.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const servers: { readonly endpoint: string; close(): Promise<void> }[] = [];
  const close = async () => {
    const triggerClosed = trigger?.close();
    await executions?.drain();
    await triggerClosed;
    // One at a time, the last started first: a service stops (aborting its own calls, such as the Data Exchange
    // emulator's exports to S3) before the services it calls.
    for (const server of servers.reverse()) await server.close();
    rmSync(runningFile, { force: true });
  };
  let executions: ExecutionStore | undefined;
  let trigger: ManifestTrigger | undefined;
  try {
    const s3 = await startS3({
      port: port(0),
      directory: path.join(directory, 's3'),
      faults,
      onObjectCreated: (object) => trigger?.onObjectCreated(object),
    });
    servers.push(s3);
    process.env.AWS_ENDPOINT_URL_S3 = s3.endpoint;
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: PROVIDER_ACCOUNT.accessKeyId,
      AWS_SECRET_ACCESS_KEY: PROVIDER_ACCOUNT.secretAccessKey,
      AWS_REGION: SANDBOX_REGION,
      AWS_DEFAULT_REGION: SANDBOX_REGION,
    });
    const dataexchange = await startDataExchangeEmulator({
      port: port(1),
      stateFile: path.join(directory, 'dataexchange.json'),
      assetDir: path.join(directory, 'dataexchange-assets'),
      faults,
      s3: createS3Client({ maxAttempts: 3 }),
      // Imports copy their sources' files, as AWS copies inside S3; exports still write through the proxy, so that their objects raise events.
      sourceReader: s3.objects,
      jobDelayMs: options.importDelayMs ?? 20,
    });
    servers.push(dataexchange);
    const sns = await startSns({ port: port(2), stateFile: path.join(directory, 'sns.json'), faults });
    servers.push(sns);
    Object.assign(process.env, { AWS_ENDPOINT_URL_DATAEXCHANGE: dataexchange.endpoint, AWS_ENDPOINT_URL_SNS: sns.endpoint });

    await ensureBucket();
    const dataSetId = await ensureDataSet(persisted);
    const topic = await createSnsClient({ maxAttempts: 1 }).send(new CreateTopicCommand({ Name: SANDBOX_TOPIC }));
    const topicArn = topic.TopicArn ?? '';

    // The same app `cdk synth` builds, pointed at the sandbox's data set and topic; handlers run from source.
    const { template, bucketLogicalId } = providerTemplate({ dataSetId, topicArn }, options.synthCacheDirectory).value;
    const accountOptions = { region: SANDBOX_REGION, accountId: PROVIDER_ACCOUNT.accountId };
    const asl = extractRunnableAsl(template, accountOptions);
    applyTaskEnvironments(taskEnvironments(template, accountOptions));
    const stateMachineArn = `arn:aws:states:${SANDBOX_REGION}:${PROVIDER_ACCOUNT.accountId}:stateMachine:${asl.stateMachineName}`;
    executions = new ExecutionStore({
      directory: path.join(directory, 'executions'),
      stateMachine: {
        name: asl.stateMachineName,
        arn: stateMachineArn,
        roleArn: `arn:aws:iam::${PROVIDER_ACCOUNT.accountId}:role/dx-flow-sandbox-state-machine`,
        region: SANDBOX_REGION,
        asl,
        creationDate: Date.now(),
      },
      handlers: handlersWithFaults(faults),
      waitMsPerSecond: options.timeScaleMs ?? 10,
      retryMs: options.retryMs ?? 50,
    });
    // S3 events and schedule ticks reach the deployed state machine through the stack's rules; here through those rules' templates.
    const resolveBucket = (logicalId: string) => {
      if (logicalId !== bucketLogicalId) throw new Error(`A rule refers to ${logicalId}, which has no sandbox stand-in`);
      return SANDBOX_BUCKET;
    };
    const rule = s3EventRuleFromTemplate(template, resolveBucket);
    trigger = new ManifestTrigger({ rule, executions, faults });
    const schedule = scheduleRuleFromTemplate(template, resolveBucket);
    const sfn = await startStepFunctions(executions, port(3));
    servers.push(sfn);
    process.env.AWS_ENDPOINT_URL_SFN = sfn.endpoint;

    const info: SandboxInfo = {
      directory,
      endpoints: { s3: s3.endpoint, dataexchange: dataexchange.endpoint, sns: sns.endpoint, sfn: sfn.endpoint },
      bucket: SANDBOX_BUCKET,
      dataSetId,
      topicArn,
      stateMachineArn,
      pid: process.pid,
    };
    writeFileSync(persistedFile, JSON.stringify({ dataSetId, ports: servers.map((server) => Number(new URL(server.endpoint).port)) }));
    writeFileSync(runningFile, JSON.stringify(info));
    const store = executions; // defined from here on, which a closure over the `let` cannot see
    return {
      ...info,
      faults,
      executions,
      notifications: sns.messages,
      fireSchedule: (at, deliveries) => fireSchedule(schedule, store, at, deliveries),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
