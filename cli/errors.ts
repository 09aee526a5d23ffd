/** A failure the CLI explains in one sentence and ends with exit code 2: bad usage, bad input, an expected AWS error. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

/** A failure of what the CLI was doing, not of what it was given (a port taken, a sandbox gone): one sentence, exit 1. */
export class CliFailure extends Error {
  constructor(
    message: string,
    /** What `--json` names as the summary's error: the system error's code, say. */
    readonly error = 'CliFailure',
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}

/** A file named by `flag` that cannot be read (the system error, or an error that has it as its cause) or used. */
export function unreadableFile(flag: string, file: string, error: unknown): CliError {
  const { code } = ((error as Error).cause ?? error) as NodeJS.ErrnoException;
  const reason = code === 'ENOENT' ? 'there is no such file' : code === 'EISDIR' ? 'it is a folder, not a file' : (error as Error).message;
  return new CliError(`${flag} ${file}: ${reason}.`);
}

type NetworkError = NodeJS.ErrnoException & { readonly address?: string; readonly port?: number };

/** What went wrong on the network, said as a sentence: the address is the user's clue to which server. */
const NETWORK_ERRORS: Readonly<Record<string, (error: NetworkError) => string>> = {
  EADDRINUSE: (error) => `Port ${error.port} is in use: give another --port-base, or stop the process that listens there.`,
  ECONNREFUSED: (error) => `Nothing answers at ${error.address}:${error.port} (connection refused): the sandbox has stopped, or the endpoint is wrong.`,
};

export function explainNetworkError(error: unknown): CliFailure | undefined {
  // Not `instanceof Error`: Node's own errors may come from another realm (a test's), and are objects all the same.
  const code = typeof error === 'object' && error !== null ? (error as NetworkError).code : undefined;
  if (code === undefined || !Object.hasOwn(NETWORK_ERRORS, code)) return undefined;
  return new CliFailure(NETWORK_ERRORS[code](error as NetworkError), code);
}

/** The sandbox's refusals, which are no bug: a directory another process holds, a state file a crash damaged. Each says itself in one sentence. */
const SANDBOX_FAILURES: ReadonlySet<string> = new Set(['SandboxInUseError', 'DamagedStateFileError']);

export function explainSandboxError(error: unknown): CliFailure | undefined {
  if (!(error instanceof Error) || !SANDBOX_FAILURES.has(error.name)) return undefined;
  return new CliFailure(error.message, error.name);
}

/** AWS errors an operator meets in normal use, said as a sentence instead of a stack trace. */
const EXPECTED_AWS_ERRORS: Readonly<Record<string, (message: string) => string>> = {
  CredentialsProviderError: () => 'No AWS credentials were found: configure a profile or environment credentials, or use --local.',
  ExpiredTokenException: () => 'The AWS credentials have expired: refresh them and try again.',
  UnrecognizedClientException: () => 'AWS does not recognize these credentials: check the profile and region.',
  AccessDeniedException: (message) => `AWS denied the request: ${message}`,
  ExecutionDoesNotExist: (message) => `No such execution: ${message}`,
  StateMachineDoesNotExist: (message) => `No such state machine: ${message}`,
  ExecutionAlreadyExists: (message) => `An execution with that name already exists: ${message}`,
  ExecutionNotRedrivable: (message) => `That execution cannot be redriven: ${message}`,
  InvalidArn: (message) => `That is not a valid ARN: ${message}`,
  ResourceNotFoundException: (message) => `AWS found no such resource: ${message}`,
  ValidationException: (message) => `AWS rejected the request: ${message}`,
  // Met first by the commands that operate a data set: a change the resource's state refuses, and throttling that outlasted the SDK's retries.
  ConflictException: (message) => `AWS refused the change in the resource's current state: ${message}`,
  ThrottlingException: () => 'AWS is throttling these requests: wait a moment and run the command again.',
};

export function explainAwsError(error: unknown): CliError | undefined {
  if (!(error instanceof Error)) return undefined;
  const explain = EXPECTED_AWS_ERRORS[error.name];
  return explain === undefined ? undefined : new CliError(explain(error.message));
}
