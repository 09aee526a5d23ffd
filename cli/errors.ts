/** A failure the CLI explains in one sentence and ends with exit code 2: bad usage, bad input, an expected AWS error. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
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
};

export function explainAwsError(error: unknown): CliError | undefined {
  if (!(error instanceof Error)) return undefined;
  const explain = EXPECTED_AWS_ERRORS[error.name];
  return explain === undefined ? undefined : new CliError(explain(error.message));
}
