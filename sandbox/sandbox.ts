import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { CreateTopicCommand } from '@aws-sdk/client-sns';
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { createS3Client } from '../shared/clients/s3';
import { createSnsClient } from '../shared/clients/sns';
import { ENV_KEYS } from '../shared/env';
import { TASK_NAMES, type TaskName } from '../tasks/registry';
import { extractRunnableAsl, extractRunnableAsls, taskEnvironments, taskOfFunctionInTemplate } from '../workflows/asl';
import { loadTaskHandlers, type TaskHandlers } from '../workflows/local-runner';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from './accounts';
import { ensureDataSets, type SandboxDataSetConfig, sandboxDataSets, type SandboxDataSetsOptions } from './data-sets';
import {
  DEFAULT_SANDBOX_DIR,
  knownDataSetIds,
  type PersistedSandbox,
  readPersisted,
  SANDBOX_BUCKET,
  SANDBOX_TOPIC,
  sandboxFiles,
  type SandboxInfo,
} from './directory';
import { startDataExchangeEmulator } from './dataexchange/server';
import { type ExchangeEventRecord, scaledJobClock } from './dataexchange/store';
import { importDurationMs, type ImportDurationModel } from './dataexchange/import-duration';
import { type Fault, FaultInjector } from './faults';
import { claimDirectory } from './ownership';
import { removeTemporaryFilesOf, writeFileAtomicSync } from './persist';
import { ManifestTrigger, s3EventRuleFromTemplate } from './manifest-trigger';
import { providerTemplate } from './provider-template';
import { fireSchedule, scheduleRulesFromTemplate } from './schedule-trigger';
import { startS3 } from './s3/server';
import type { RecordedMessage } from './sns/model';
import { startSns } from './sns/server';
import { StatusChangeTrigger, statusChangeRuleFromTemplate } from './status-change-trigger';
import { ExecutionStore, type StateMachineInfo } from './stepfunctions/executions';
import { startStepFunctions } from './stepfunctions/server';

/*
 * The local sandbox: S3, Data Exchange, SNS and Step Functions on 127.0.0.1, with their state in one
 * directory, like one long-lived account. Step Functions runs the definition the app synthesizes, and its
 * Lambda states run the registry's handler modules with the environment the stack gives each function.
 */

/**
 * `dataSets` or `configFile` list the data sets as the app's settings do (docs/sandbox.md), without ids: the
 * sandbox makes one data set per name, and keeps it in its directory for the next start with that name.
 */
export interface SandboxOptions extends SandboxDataSetsOptions {
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
  /**
   * AWS's import duration, in scaled seconds (each `timeScaleMs` long): an import job completes no sooner than
   * this after StartJob. @default none: a job completes once its copy ends
   */
  readonly importDuration?: ImportDurationModel;
  /** Where synthesized templates are kept between starts. @default DEFAULT_SYNTH_CACHE_DIR */
  readonly synthCacheDirectory?: string;
  /** Synthesize the stack with `notifySubscribers` on: the workflow sends Data Exchange notices. @default false */
  readonly notifySubscribers?: boolean;
  /**
   * Real milliseconds before an execution times out, instead of its state machine's TimeoutSeconds (24 hours
   * of real time): how a test or a user sees the TIMED_OUT path. @default the definition's
   */
  readonly executionTimeoutMs?: number;
  /**
   * Whether runs in other processes may attach to this sandbox: true for `dx-flow sandbox up`, which serves
   * until it is stopped; a run's own sandbox ends with that run. @default false
   */
  readonly shared?: boolean;
}

export interface RunningSandbox extends SandboxInfo {
  readonly faults: FaultInjector;
  readonly executions: ExecutionStore;
  /** Every SNS message published so far, oldest first: what subscribers of the topics would have received. */
  notifications(): readonly RecordedMessage[];
  /**
   * The Data Exchange events delivered to an account so far, oldest first (revocations, notices, deleted grants):
   * what its default event bus would have received. The sandbox has no EventBridge to route them.
   */
  exchangeEvents(accountId: string): readonly ExchangeEventRecord[];
  /**
   * Fires the schedule of the data set named `dataSet` for the tick `at`, through its scheduled rule's own target
   * input, `deliveries` times (EventBridge delivers at least once); resolves with the executions started, once each
   * has ended. A data set without a schedule throws, naming those with one.
   * @param dataSet @default the default data set (the first listed)
   */
  fireSchedule(at: Date, deliveries?: number, dataSet?: string): Promise<string[]>;
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
  // Loaded at the first call, once every endpoint variable is set: a handler module makes its clients when it loads.
  let handlers: TaskHandlers | undefined;
  return Object.fromEntries(
    TASK_NAMES.map((task) => [
      task,
      async (event: unknown) => {
        faults.beforeTask(task);
        handlers ??= loadTaskHandlers();
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

/** Starts the sandbox in this process. Close it to stop every server and flush its state. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const directory = path.resolve(options.directory ?? DEFAULT_SANDBOX_DIR);
  mkdirSync(directory, { recursive: true });
  // One owner per directory: another process's sandbox there (SandboxInUseError) is refused before any state is read.
  const ownership = claimDirectory(directory);
  const { persisted: persistedFile, running: runningFile } = sandboxFiles(directory);
  let persisted: PersistedSandbox;
  let dataSetConfigs: SandboxDataSetConfig[];
  try {
    // Before any server starts: settings synth would refuse are refused here, with the app's own message.
    dataSetConfigs = sandboxDataSets(options);
    for (const file of [persistedFile, runningFile]) removeTemporaryFilesOf(file);
    persisted = readPersisted(directory);
  } catch (error) {
    ownership.release();
    throw error;
  }
  const port = (i: number) => (options.portBase === undefined ? (persisted.ports?.[i] ?? 0) : options.portBase + i);
  const faults = new FaultInjector(options.faults);
  // Task logs would drown the CLI's progress; the history carries every error. POWERTOOLS_LOG_LEVEL=INFO shows them.
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const servers: { readonly endpoint: string; close(): Promise<void> }[] = [];
  const close = async () => {
    try {
      const triggerClosed = trigger?.close();
      await executions?.drain();
      await triggerClosed;
      // One at a time, the last started first: a service stops (aborting its own calls, such as the Data Exchange
      // emulator's exports to S3) before the services it calls.
      for (const server of servers.reverse()) await server.close();
      rmSync(runningFile, { force: true });
    } finally {
      // Last: the directory is free only once every service has written its state.
      ownership.release();
    }
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
      importDurationMs: options.importDuration && importDurationMs(options.importDuration, options.timeScaleMs ?? 10),
      // A job's duration reads in the seconds the Wait states sleep, which StartImport learns its first wait from.
      jobClock: scaledJobClock(options.timeScaleMs ?? 10),
    });
    servers.push(dataexchange);
    const sns = await startSns({ port: port(2), stateFile: path.join(directory, 'sns.json'), faults });
    servers.push(sns);
    Object.assign(process.env, { AWS_ENDPOINT_URL_DATAEXCHANGE: dataexchange.endpoint, AWS_ENDPOINT_URL_SNS: sns.endpoint });

    await ensureBucket();
    const known = knownDataSetIds(persisted);
    const dataSets = await ensureDataSets(dataSetConfigs.map((dataSet) => dataSet.name), known);
    const dataSetId = dataSets[dataSetConfigs[0].name];
    const topic = await createSnsClient({ maxAttempts: 1 }).send(new CreateTopicCommand({ Name: SANDBOX_TOPIC }));
    const topicArn = topic.TopicArn ?? '';

    // The same app `cdk synth` builds, pointed at the sandbox's data sets and topic; handlers run from source.
    const { template, bucketLogicalId } = providerTemplate(
      { dataSets: dataSetConfigs.map((dataSet) => ({ ...dataSet, dataSetId: dataSets[dataSet.name] })), topicArn, notifySubscribers: options.notifySubscribers },
      options.synthCacheDirectory,
    ).value;
    const accountOptions = { region: SANDBOX_REGION, accountId: PROVIDER_ACCOUNT.accountId };
    applyTaskEnvironments(taskEnvironments(template, { ...accountOptions, resolveRef: (logicalId) => (logicalId === bucketLogicalId ? SANDBOX_BUCKET : undefined) }));
    const entry = extractRunnableAsl(template, accountOptions);
    const machines = extractRunnableAsls(template, accountOptions).map(
      (asl): StateMachineInfo => ({
        name: asl.stateMachineName,
        arn: `arn:aws:states:${SANDBOX_REGION}:${PROVIDER_ACCOUNT.accountId}:stateMachine:${asl.stateMachineName}`,
        roleArn: `arn:aws:iam::${PROVIDER_ACCOUNT.accountId}:role/dx-flow-sandbox-state-machine`,
        region: SANDBOX_REGION,
        asl,
        creationDate: Date.now(),
      }),
    );
    const [entryMachine] = machines.filter((m) => m.name === entry.stateMachineName);
    const stateMachineArn = entryMachine.arn;
    // S3 events, schedule ticks and status changes reach their targets through the stack's rules; here through those rules' templates.
    const resolveRef = (logicalId: string) => {
      if (logicalId === bucketLogicalId) return SANDBOX_BUCKET;
      const machine = machines.find((m) => m.asl.stateMachineLogicalId === logicalId);
      if (machine === undefined) throw new Error(`A rule refers to ${logicalId}, which has no sandbox stand-in`);
      return machine.arn;
    };
    const handlers = handlersWithFaults(faults);
    const statusChanges = new StatusChangeTrigger({
      rule: statusChangeRuleFromTemplate(template, resolveRef, (logicalId) => taskOfFunctionInTemplate(template, logicalId)),
      handlers,
      faults,
      retryMs: options.retryMs ?? 50,
    });
    executions = new ExecutionStore({
      directory: path.join(directory, 'executions'),
      stateMachines: [entryMachine, ...machines.filter((m) => m !== entryMachine)],
      handlers,
      waitMsPerSecond: options.timeScaleMs ?? 10,
      retryMs: options.retryMs ?? 50,
      executionTimeoutMs: options.executionTimeoutMs,
      onStatusChange: (record) => statusChanges.deliver(record),
      // A crash after this never leaves a SUCCEEDED execution beside an unfinalized revision or an unsent message.
      beforeTerminalRecord: async () => {
        await Promise.all([dataexchange.flush(), sns.flush()]);
      },
    });
    const rule = s3EventRuleFromTemplate(template, resolveRef);
    trigger = new ManifestTrigger({ rule, executions, faults });
    const schedules = scheduleRulesFromTemplate(template, resolveRef);
    const sfn = await startStepFunctions(executions, port(3));
    servers.push(sfn);
    process.env.AWS_ENDPOINT_URL_SFN = sfn.endpoint;

    const info: SandboxInfo = {
      directory,
      endpoints: { s3: s3.endpoint, dataexchange: dataexchange.endpoint, sns: sns.endpoint, sfn: sfn.endpoint },
      bucket: SANDBOX_BUCKET,
      dataSetId,
      dataSets,
      topicArn,
      stateMachineArn,
      pid: process.pid,
    };
    const kept: PersistedSandbox = { dataSetId, dataSets: { ...known, ...dataSets }, ports: servers.map((server) => Number(new URL(server.endpoint).port)) };
    writeFileAtomicSync(persistedFile, JSON.stringify(kept));
    writeFileAtomicSync(runningFile, JSON.stringify({ ...info, shared: options.shared === true }));
    const store = executions; // defined from here on, which a closure over the `let` cannot see
    return {
      ...info,
      faults,
      executions,
      notifications: sns.messages,
      exchangeEvents: (accountId) => dataexchange.deliveredEvents(accountId),
      fireSchedule: (at, deliveries, dataSet) => fireSchedule(schedules, { executions: store, dataSets: Object.keys(dataSets) }, at, deliveries, dataSet),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
