import { DataExchangeClient } from '@aws-sdk/client-dataexchange';
import { RedriveExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Command, InvalidArgumentError, Option } from 'commander';
import { rmSync } from 'node:fs';
import { InputValidationError } from '../shared/errors';
import { splitAccountList } from '../shared/schemas/fields';
import { EXECUTION_NAME_MAX_LENGTH } from '../shared/limits';
import { extractRunnableAsl, extractRunnableAsls, type AslDefinition, type RunnableAsl } from '../workflows/asl';
import { mermaidFlowchart } from '../workflows/diagram';
import { SUBSCRIBER_ACCOUNT } from '../sandbox/accounts';
import { DEFAULT_SANDBOX_DIR, findRunningSandbox, knownSandboxDefaults, resetSandbox, sandboxEnvironment, type SandboxInfo } from '../sandbox/directory';
import type * as ConsoleServer from '../console/server';
import { CliError, CliFailure, explainAwsError, explainNetworkError, explainSandboxError } from './errors';
import { followRun, latestEventId } from './follow';
import { planFromDir, uploadFromDir, withFromDirSource } from './from-dir';
import { loadApp, loadSandbox } from './lazy';
import { registerOperateCommands } from './operate/commands';
import { buildRunInput, type RunInputDefaults, type RunInputFlags, validateRunInput } from './run-input';
import { describeSummary, errorSummary, summarize, type RunSummary } from './summary';
import { acceptGrant, receiveAsSubscriber, sandboxSubscriberDataExchange } from './subscriber-side';
import { configFileOf, openTarget, readStackOutputs, type Target, type TargetOptions } from './target';

/*
 * dx-flow: runs, follows and inspects the publish workflow through the Step Functions API, against the local
 * sandbox or a deployed stack. Exit codes: 0 succeeded, 1 failed, timed out or aborted, 2 rejected, 130 Ctrl-C.
 */

interface OutputOptions {
  readonly json?: boolean;
}

const EXIT = { succeeded: 0, failed: 1, rejected: 2, interrupted: 130 } as const;

/** `<runId>-<compact UTC timestamp>`, at most 80 characters, so the same runId can run again. */
export function executionNameFor(runId: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '');
  // With --no-validate a runId may hold characters a name cannot; the state machine then rejects the runId itself.
  const prefix = runId.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, EXECUTION_NAME_MAX_LENGTH - stamp.length - 1);
  return `${prefix}-${stamp}`;
}

function progressWriter(options: OutputOptions) {
  // With --json, stdout ends with the summary object alone; progress goes to stderr.
  const out = options.json === true ? process.stderr : process.stdout;
  return (text: string) => out.write(`${text}\n`);
}

function finish(summary: RunSummary, options: OutputOptions, interrupted = false): number {
  const write = progressWriter(options);
  if (!interrupted) write(describeSummary(summary));
  if (options.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (interrupted) return EXIT.interrupted;
  return summary.status === 'SUCCEEDED' ? EXIT.succeeded : EXIT.failed;
}

async function followAndSummarize(
  target: Target,
  executionArn: string,
  options: OutputOptions,
  quietThroughEventId?: number,
  afterRun?: (summary: RunSummary) => Promise<RunSummary>,
): Promise<number> {
  const write = progressWriter(options);
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    const followed = await followRun(target.sfn, executionArn, {
      pollMs: target.pollMs,
      signal: stop.signal,
      quietThroughEventId,
      onLine: (line, elapsedMs) =>
        write(`${(elapsedMs / 1000).toFixed(1).padStart(7)}s  ${line.state.padEnd(22)} ${line.detail}`.trimEnd()),
    });
    const interrupted = followed.some((execution) => execution.interrupted);
    if (interrupted) {
      write(
        target.stopsWithProcess
          ? `Stopped. The in-process sandbox stops with the CLI; redrive the execution later: ${executionArn}`
          : `Stopped following. The execution goes on: ${followed[followed.length - 1].execution.executionArn ?? executionArn}`,
      );
    }
    const summary = summarize(followed);
    return finish(interrupted || afterRun === undefined ? summary : await afterRun(summary), options, interrupted);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function withTarget(options: TargetOptions, work: (target: Target) => Promise<number>): Promise<number> {
  const target = await openTarget(options);
  try {
    return await work(target);
  } finally {
    await target.close();
  }
}

interface RunOptions extends RunInputFlags, TargetOptions, OutputOptions {
  readonly validate: boolean;
  readonly fromDir?: string;
  readonly subscriberSide?: boolean;
}

/** `--subscriber-side` receives as the sandbox's subscriber account, which the run must share with. */
function checkSubscriberSide(options: RunOptions): void {
  if (options.subscriberSide !== true) return;
  if (options.local !== true) throw new CliError('--subscriber-side works only with --local.');
  if (!splitAccountList(options.subscriber ?? '').includes(SUBSCRIBER_ACCOUNT.accountId)) {
    throw new CliError(`--subscriber-side receives as the sandbox's subscriber account: give --subscriber ${SUBSCRIBER_ACCOUNT.accountId}.`);
  }
}

/** After a successful run, the subscriber accepts the grant and exports the revision into its own bucket. */
function subscriberSide(target: Target, options: RunOptions): ((summary: RunSummary) => Promise<RunSummary>) | undefined {
  if (options.subscriberSide !== true || target.dataExchangeEndpoint === undefined || target.s3Endpoint === undefined) return undefined;
  const endpoints = { dataexchange: target.dataExchangeEndpoint, s3: target.s3Endpoint };
  return async (summary) => {
    const grant = summary.dataGrants.find((entry) => entry.receiver === SUBSCRIBER_ACCOUNT.accountId);
    if (summary.status !== 'SUCCEEDED' || summary.revisionId === null || grant === undefined) return summary;
    const subscriber = await receiveAsSubscriber(endpoints, { dataGrantId: grant.id, revisionId: summary.revisionId }, progressWriter(options));
    return { ...summary, subscriber };
  };
}

async function run(options: RunOptions): Promise<number> {
  // Said first: without a target, the input has no bucket or data set to default to, and would be refused for that.
  if (options.local !== true && options.stateMachineArn === undefined && options.outputsFile === undefined) {
    throw new CliError('Give --state-machine-arn, --outputs-file or --local.');
  }
  const defaults: RunInputDefaults =
    options.local === true
      ? knownSandboxDefaults(options.sandboxDir ?? DEFAULT_SANDBOX_DIR)
      : options.outputsFile === undefined
        ? {}
        : readStackOutputs(options.outputsFile);
  const built = buildRunInput(options, defaults);
  // Skipped entries go to stderr whatever the output, so that --json stdout stays its summary alone.
  const warn = (line: string) => process.stderr.write(`${line}\n`);
  const fromDir = options.fromDir === undefined ? undefined : await planFromDir({ fromDir: options.fromDir, local: options.local }, built.runId, warn);
  const withSource = (runInput: Record<string, unknown>) => (fromDir === undefined ? runInput : withFromDirSource(runInput, fromDir));
  const input = withSource(built);
  if (options.validate) validateRunInput(input);
  checkSubscriberSide(options);
  return withTarget({ ...options, follows: true }, async (target) => {
    const started = withSource(buildRunInput(options, target));
    if (target.stateMachineArn === undefined) throw new CliError('Give --state-machine-arn, --outputs-file or --local.');
    if (fromDir !== undefined) await uploadFromDir(fromDir, target, String(started.bucket), progressWriter(options));
    const name = executionNameFor(typeof started.runId === 'string' ? started.runId : 'run', new Date());
    const { executionArn } = await target.sfn.send(
      new StartExecutionCommand({ stateMachineArn: target.stateMachineArn, name, input: JSON.stringify(started) }),
    );
    if (executionArn === undefined) throw new CliError('Step Functions started the execution without naming it.');
    progressWriter(options)(`Started ${name}\n  ${executionArn}`);
    return followAndSummarize(target, executionArn, options, undefined, subscriberSide(target, options));
  });
}

async function status(executionArn: string, options: TargetOptions & OutputOptions): Promise<number> {
  return withTarget({ ...options, executionArn }, async (target) => {
    const summary = summarize(await followRun(target.sfn, executionArn, { pollMs: 0, signal: AbortSignal.abort() }));
    finish(summary, options);
    return EXIT.succeeded;
  });
}

async function redrive(executionArn: string, options: TargetOptions & OutputOptions): Promise<number> {
  return withTarget({ ...options, executionArn, follows: true }, async (target) => {
    // The earlier attempts are history: follow what the redrive adds, and count it all in the summary.
    const before = await latestEventId(target.sfn, executionArn);
    await target.sfn.send(new RedriveExecutionCommand({ executionArn }));
    progressWriter(options)(`Redriving ${executionArn}`);
    return followAndSummarize(target, executionArn, options, before);
  });
}

/** `accept-grant`: the receiver accepts a data grant by hand, on AWS or as the sandbox's subscriber. */
async function acceptGrantCommand(dataGrantArn: string, options: TargetOptions & OutputOptions): Promise<number> {
  return withTarget({ ...options, executionArn: dataGrantArn }, async (target) => {
    const dataExchange =
      target.local && target.dataExchangeEndpoint !== undefined
        ? sandboxSubscriberDataExchange(target.dataExchangeEndpoint)
        : new DataExchangeClient({ region: dataGrantArn.split(':')[3] || process.env.AWS_REGION });
    try {
      const accepted = await acceptGrant(dataExchange, dataGrantArn);
      progressWriter(options)(`Data grant ${dataGrantArn} ${accepted.acceptance}; received data set ${accepted.dataSetId}`);
      if (options.json === true) process.stdout.write(`${JSON.stringify({ dataGrantArn, ...accepted })}\n`);
      return EXIT.succeeded;
    } finally {
      dataExchange.destroy();
    }
  });
}

/** A sandbox directory another process serves is that process's: neither a second sandbox nor a reset may take it. */
function checkNotUp(directory: string, then: string): void {
  const running = findRunningSandbox(directory);
  if (running === undefined) return;
  if (running.shared !== true) {
    throw new CliFailure(`The sandbox in ${directory} belongs to the run in process ${running.pid}: wait for that run to end.`, 'SandboxInUseError');
  }
  throw new CliFailure(`The sandbox in ${directory} is up, in process ${running.pid}: ${then}.`);
}

/** The console's server, loaded when served: it bundles mermaid for its page, which no other command needs. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- `require` for the reason cli/lazy.ts gives
const startConsole = (sandbox: SandboxInfo, port?: number) => (require('../console/server') as typeof ConsoleServer).startConsole({ sandbox, port });

interface SandboxUpOptions {
  readonly sandboxDir: string;
  readonly portBase?: number;
  readonly consolePort?: number;
  readonly config?: string;
}

/** A value as a POSIX shell reads it back: quoted when it holds anything but plain characters (the data sets' JSON). */
const shellWord = (value: string) => (/^[\w@%+=:,./-]*$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`);

async function sandboxUp(options: SandboxUpOptions): Promise<number> {
  checkNotUp(options.sandboxDir, 'use it, or stop it before starting another');
  const configFile = options.config === undefined ? undefined : configFileOf(options.config);
  const sandbox = await loadSandbox().startSandbox({ directory: options.sandboxDir, portBase: options.portBase, shared: true, configFile });
  const consoleServer = await startConsole(sandbox, options.consolePort).catch(async (error: unknown) => {
    await sandbox.close();
    throw error;
  });
  const lines = Object.entries(sandboxEnvironment(sandbox)).map(([key, value]) => `export ${key}=${shellWord(value)}`);
  process.stdout.write(`# dx-flow sandbox in ${sandbox.directory}; Ctrl-C stops it.\n# console: ${consoleServer.url}\n${lines.join('\n')}\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await consoleServer.close();
  await sandbox.close();
  process.stderr.write('Sandbox stopped; its state stays in the sandbox directory.\n');
  return EXIT.succeeded;
}

/** `console`: the browser console for the sandbox another process serves, until Ctrl-C. */
async function consoleCommand(options: { sandboxDir: string; port?: number }): Promise<number> {
  const sandbox = findRunningSandbox(options.sandboxDir);
  if (sandbox === undefined) throw new CliFailure(`No sandbox is up in ${options.sandboxDir}: start one with \`dx-flow sandbox up\`, which serves the console too.`);
  const consoleServer = await startConsole(sandbox, options.port);
  process.stdout.write(`# dx-flow console for the sandbox in ${sandbox.directory}; Ctrl-C stops it.\n${consoleServer.url}\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await consoleServer.close();
  return EXIT.succeeded;
}

/**
 * Synthesizes the app as `cdk synth` would and prints its entry state machine's runnable definition, rendered
 * (with every state machine of the template at hand, for those the entry one runs).
 */
function printDefinition(render: (definition: AslDefinition, stateMachines: readonly RunnableAsl[]) => string): number {
  const { buildApp, PROVIDER_STACK_NAME } = loadApp();
  const { app } = buildApp({ env: process.env, bundle: false, nag: false });
  let template: unknown;
  try {
    template = app.synth().getStackByName(PROVIDER_STACK_NAME).template as unknown;
  } finally {
    // Without CDK_OUTDIR, the app writes its cloud assembly to a fresh `cdk.out*` folder in the system temp directory: only the template is wanted.
    if (process.env.CDK_OUTDIR === undefined) rmSync(app.outdir, { recursive: true, force: true });
  }
  process.stdout.write(`${render(extractRunnableAsl(template).definition, extractRunnableAsls(template))}\n`);
  return EXIT.succeeded;
}

const positiveInt = (value: string) => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
};

/** The sandbox listens on ports N to N+3, so N+3 must be a port, and N one a user may listen on. */
const portBase = (value: string) => {
  const base = positiveInt(value);
  if (base < 1024 || base + 3 > 65_535) throw new InvalidArgumentError('must be from 1024 to 65532: the sandbox takes ports N to N+3');
  return base;
};

function program(setExit: (code: number) => void): Command {
  const root = new Command('dx-flow').description('Publish revisions to AWS Data Exchange, on AWS or in the local sandbox.');
  root.exitOverride();
  // Usage errors read like every other error of the CLI.
  root.configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'dx-flow: ')) });
  const sandboxDir = () => new Option('--sandbox-dir <dir>', 'the sandbox directory').default(DEFAULT_SANDBOX_DIR);
  const act =
    <A extends unknown[]>(work: (...args: A) => Promise<number> | number) =>
    async (...args: A) =>
      setExit(await work(...args));

  root
    .command('run')
    .description('Start a run and follow it state by state')
    .option('--local', 'use the local sandbox (attach to `sandbox up`, or start one in this process)')
    .option('--state-machine-arn <arn>', 'a deployed state machine')
    .option('--outputs-file <file>', 'the file `cdk deploy --outputs-file` wrote')
    .option('--bucket <bucket>', 'the data bucket')
    .option('--dataset <name|id>', "the data set: a name the stack's configuration gives it, or its Data Exchange id (default: the stack's first)")
    .option('--config <file>', "the sandbox's data sets, as a `configFile` of the app lists them (--local, when the CLI starts the sandbox)")
    .option('--input <json|@file>', 'the workflow input, as JSON or @file')
    .option('--run-id <id>', 'the idempotency key: a runId publishes one revision')
    .option('--assets <n>', 'generate N sample assets')
    .option('--subscriber <accounts>', 'share with these accounts (comma-separated)')
    .option('--from-dir <dir>', 'publish the files of a local folder, relative paths kept as keys (--local only)')
    .option('--subscriber-side', `then, as the sandbox's subscriber ${SUBSCRIBER_ACCOUNT.accountId}, accept the grant and export the revision to its bucket (--local)`)
    .option('--faults <file>', 'a fault plan for the sandbox (--local)')
    .addOption(sandboxDir())
    .option('--json', 'end with one JSON summary line')
    .option('--no-validate', 'let the state machine validate the input instead of the CLI')
    .action(act((options: RunOptions) => run(options)));

  root
    .command('status <executionArn>')
    .description('Where a run is; for a failure, the error, the cause and the failing state')
    .option('--local', 'look in the local sandbox')
    .addOption(sandboxDir())
    .option('--json', 'end with one JSON summary line')
    .action(act((arn: string, options: TargetOptions & OutputOptions) => status(arn, options)));

  root
    .command('redrive <executionArn>')
    .description('Redrive a failed run and follow it')
    .option('--local', 'use the local sandbox')
    .addOption(sandboxDir())
    .option('--json', 'end with one JSON summary line')
    .action(act((arn: string, options: TargetOptions & OutputOptions) => redrive(arn, options)));

  root
    .command('accept-grant <dataGrantArn>')
    .description("Accept a data grant as its receiver (idempotent); --local acts as the sandbox's subscriber")
    .option('--local', 'use the local sandbox')
    .addOption(sandboxDir())
    .option('--json', 'end with one JSON line')
    .action(act((arn: string, options: TargetOptions & OutputOptions) => acceptGrantCommand(arn, options)));

  registerOperateCommands(root, { act, sandboxDir });

  const sandbox = root.command('sandbox').description('The local sandbox');
  sandbox
    .command('up')
    .description('Start the sandbox and print the environment that points AWS clients at it')
    .addOption(sandboxDir())
    .option('--port-base <n>', 'ports N to N+3 for S3, Data Exchange, SNS and Step Functions', portBase)
    .option('--console-port <n>', 'the port of the browser console (default: a free one)', positiveInt)
    .option('--config <file>', 'the data sets to publish to, as a `configFile` of the app lists them (their datasetIds are ignored)')
    .action(act((options: SandboxUpOptions) => sandboxUp(options)));
  sandbox
    .command('reset')
    .description('Delete the sandbox state')
    .addOption(sandboxDir())
    .action(
      act((options: { sandboxDir: string }) => {
        checkNotUp(options.sandboxDir, 'stop it before resetting it');
        resetSandbox(options.sandboxDir);
        process.stdout.write(`Reset ${options.sandboxDir}\n`);
        return EXIT.succeeded;
      }),
    );

  root
    .command('console')
    .description('Serve the browser console for the sandbox `sandbox up` runs, on 127.0.0.1, and print its URL')
    .addOption(sandboxDir())
    .option('--port <n>', 'the port to serve on (default: a free one)', positiveInt)
    .action(act((options: { sandboxDir: string; port?: number }) => consoleCommand(options)));

  root
    .command('asl')
    .description('Print the runnable state machine definition (for Workflow Studio)')
    .action(act(() => printDefinition((definition) => JSON.stringify(definition, null, 2))));
  root
    .command('diagram')
    .description('Print the state machines as a Mermaid flowchart: the publish one, and below it the one it runs per batch (README.md embeds it)')
    .action(act(() => printDefinition(mermaidFlowchart)));
  return root;
}

export async function main(argv: readonly string[]): Promise<number> {
  let exitCode: number = EXIT.succeeded;
  try {
    await program((code) => (exitCode = code)).parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return EXIT.succeeded;
    // With --json, every exit 1 or 2 ends with a summary too (FAILED, REJECTED), so a script always has its last line.
    const summarized = (status: 'REJECTED' | 'FAILED', name: string, message: string) => {
      if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(errorSummary(status, name, message))}\n`);
      return status === 'FAILED' ? EXIT.failed : EXIT.rejected;
    };
    if (code?.startsWith('commander.') === true) return summarized('REJECTED', 'UsageError', (error as Error).message); // commander has said it
    const failure = error instanceof CliFailure ? error : (explainNetworkError(error) ?? explainSandboxError(error));
    if (failure !== undefined) {
      process.stderr.write(`dx-flow: ${failure.message}\n`);
      return summarized('FAILED', failure.error, failure.message);
    }
    // A config file's settings are refused with the app's own message (ConfigurationError), which names the setting.
    const userError = error instanceof InputValidationError || (error instanceof Error && error.name === 'ConfigurationError');
    const explained = error instanceof CliError ? error : userError ? new CliError(error.message) : explainAwsError(error);
    if (explained === undefined) throw error;
    process.stderr.write(`dx-flow: ${explained.message}\n`);
    return summarized('REJECTED', (error as Error).name, explained.message);
  }
}
