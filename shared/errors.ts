import { CONCURRENT_IMPORT_JOBS_LIMIT_NAME } from './limits';

/*
 * The project's named errors. Step Functions routes on `Error`, which Lambda fills from `error.name`, so
 * every class sets a string literal: a minifier renames classes, never string literals.
 */

export class InputValidationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InputValidationError';
  }
}

/** Worth retrying: throttling, a 5xx, a dropped connection, the concurrent-import-jobs limit. */
export class TransientAwsError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientAwsError';
  }
}

export class ImportJobFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ImportJobFailedError';
  }
}

export class ImportTimeoutError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ImportTimeoutError';
  }
}

/** The revision is not in the state the step needs: empty, wrong asset count, finalized under our feet. */
export class RevisionStateError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RevisionStateError';
  }
}

/**
 * The revision IS published, but its success notification could not be sent for a reason a retry will not fix
 * (a denied or missing topic, a bad key policy). The message says so, so that nobody republishes.
 */
export class NotificationFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotificationFailedError';
  }
}

/**
 * A fatal AWS error, kept under the SDK exception's own name (ValidationException, AccessDeniedException, ...)
 * so the Step Functions console shows what AWS said, with a message that names the resource.
 */
export class FatalAwsError extends Error {
  constructor(awsErrorName: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = awsErrorName;
  }
}

export const ERROR_NAMES = {
  inputValidation: 'InputValidationError',
  transientAws: 'TransientAwsError',
  importJobFailed: 'ImportJobFailedError',
  importTimeout: 'ImportTimeoutError',
  revisionState: 'RevisionStateError',
  /**
   * Raised by the notify task in NotifySuccess when SNS refuses the success notification for good: the revision
   * IS published, only its notification was lost. A transient SNS failure stays TransientAwsError, for the retry.
   */
  notificationFailed: 'NotificationFailedError',
} as const;

const PROJECT_ERRORS = [
  InputValidationError,
  TransientAwsError,
  ImportJobFailedError,
  ImportTimeoutError,
  RevisionStateError,
  NotificationFailedError,
  FatalAwsError,
];

const TRANSIENT_AWS_NAMES = new Set([
  'ThrottlingException',
  // SNS's spelling of throttling.
  'ThrottledException',
  'Throttling',
  'TooManyRequestsException',
  'InternalServerException',
  'InternalError',
  'ServiceUnavailable',
  'SlowDown',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

const NETWORK_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface AwsLikeError {
  name?: string;
  message?: string;
  code?: string;
  LimitName?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

/** What the failing call was doing, so that a fatal error names the resource or the permission. */
export interface AwsCallContext {
  /** The API operation, as IAM names it: `dataexchange:CreateJob`, `s3:PutObject`. */
  readonly action: string;
  /** The resource it acted on: a bucket and key, a data set id, a job id. */
  readonly resource: string;
}

function isProjectError(error: unknown): error is Error {
  return PROJECT_ERRORS.some((cls) => error instanceof cls);
}

function isAwsServiceError(error: AwsLikeError): boolean {
  return error.$metadata !== undefined || error.$fault !== undefined;
}

/**
 * ADX's quota of 10 import jobs in progress ("Concurrent in progress jobs to import assets from Amazon S3",
 * https://docs.aws.amazon.com/general/latest/gr/dataexchange.html) is a LimitName of ServiceLimitExceededException,
 * yet the API reference lists that exception for neither CreateJob nor StartJob, and documents no answer for a
 * job started past the quota. So any refusal that names the quota, by LimitName or in its message, whatever
 * the error's name, is the wait for another job to finish.
 */
function namesConcurrentImportJobsLimit(e: AwsLikeError): boolean {
  return e.LimitName === CONCURRENT_IMPORT_JOBS_LIMIT_NAME || (e.message ?? '').toLowerCase().includes(CONCURRENT_IMPORT_JOBS_LIMIT_NAME.toLowerCase());
}

export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsLikeError;
  if (namesConcurrentImportJobsLimit(e)) return true;
  if (e.name === 'ServiceLimitExceededException') return false;
  if (e.name !== undefined && TRANSIENT_AWS_NAMES.has(e.name)) return true;
  if (e.code !== undefined && NETWORK_ERROR_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return e.$fault === 'server' || (status !== undefined && status >= 500);
}

function describeFatal(e: AwsLikeError, call: AwsCallContext): string {
  const said = e.message ? `: ${e.message}` : '';
  switch (e.name) {
    case 'AccessDeniedException':
    case 'AccessDenied':
      return `${call.action} on ${call.resource} was denied${said}. Check that the task's role allows ${call.action} on ${call.resource}.`;
    case 'ResourceNotFoundException':
    case 'NoSuchKey':
    case 'NoSuchBucket':
    case 'NotFound':
      return `${call.action} found no ${call.resource}${said}`;
    case 'ServiceLimitExceededException':
      return `${call.action} on ${call.resource} hit the quota "${e.LimitName ?? 'unknown'}"${said}`;
    default:
      return `${call.action} on ${call.resource} failed with ${e.name ?? 'an error'}${said}`;
  }
}

/**
 * Turns whatever an AWS call threw into the error the workflow routes on: a project error passes through,
 * a transient AWS failure becomes TransientAwsError, any other AWS error stays fatal under its SDK name, and
 * anything else (a bug) is returned as it is so it is not disguised as an AWS problem.
 */
export function toWorkflowError(error: unknown, call: AwsCallContext): Error {
  if (isProjectError(error)) return error;
  if (typeof error !== 'object' || error === null) return new Error(String(error));
  const e = error as AwsLikeError;
  if (isTransientAwsError(e)) {
    const attempts = e.$metadata?.attempts;
    const tried = attempts === undefined ? '' : ` after ${attempts} SDK attempt${attempts === 1 ? '' : 's'}`;
    return new TransientAwsError(
      `${call.action} on ${call.resource} failed${tried} with ${e.name ?? e.code ?? 'a transient error'}: ${e.message ?? ''}`.trim(),
      { cause: error },
    );
  }
  if (isAwsServiceError(e)) return new FatalAwsError(e.name ?? 'UnknownAwsError', describeFatal(e, call), { cause: error });
  return error as Error;
}

/** Runs one AWS call and maps its failure. Keeps the call sites to one line of intent each. */
export async function awsCall<T>(call: AwsCallContext, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw toWorkflowError(error, call);
  }
}
