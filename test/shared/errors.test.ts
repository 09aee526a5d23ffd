import {
  AccessDeniedException,
  LimitName,
  ServiceLimitExceededException,
  ThrottlingException,
} from '@aws-sdk/client-dataexchange';
import {
  awsCall,
  ERROR_NAMES,
  FatalAwsError,
  ImportJobFailedError,
  ImportTimeoutError,
  InputValidationError,
  isTransientAwsError,
  RevisionStateError,
  toWorkflowError,
  TransientAwsError,
} from '../../shared/errors';
import { CONCURRENT_IMPORT_JOBS_LIMIT_NAME } from '../../shared/limits';
import { awsError, DATA_SET_ID, JOB_ID } from '../fixtures/ids';

const createJob = { action: 'dataexchange:CreateJob', resource: `data set ${DATA_SET_ID}` };
const putObject = { action: 's3:PutObject', resource: 's3://dx-flow-test-bucket/runs/r1/asset-0.csv' };

/** A failure below the HTTP layer, as the SDK's retry middleware leaves it after its last attempt. */
const networkError = (fields: Record<string, unknown>) =>
  Object.assign(new Error('socket hang up'), { $metadata: { attempts: 2 }, ...fields });

describe('error classes', () => {
  it.each([
    [InputValidationError, ERROR_NAMES.inputValidation],
    [TransientAwsError, ERROR_NAMES.transientAws],
    [ImportJobFailedError, ERROR_NAMES.importJobFailed],
    [ImportTimeoutError, ERROR_NAMES.importTimeout],
    [RevisionStateError, ERROR_NAMES.revisionState],
  ])('%p is named %p and keeps its message and cause', (ErrorClass, name) => {
    // Arrange
    const cause = new Error('underlying');

    // Act
    const error = new ErrorClass('what went wrong', { cause });

    // Assert
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.message).toBe('what went wrong');
    expect(error.cause).toBe(cause);
  });

  it.each([[InputValidationError], [TransientAwsError], [ImportJobFailedError], [ImportTimeoutError], [RevisionStateError]])(
    '%p keeps its name when the class is renamed, as a minifier would',
    (ErrorClass) => {
      // Arrange
      const Renamed = class e extends ErrorClass {};

      // Act
      const error = new Renamed('x');

      // Assert
      expect(error.name).toBe(new ErrorClass('x').name);
      expect(error.name).not.toBe('e');
    },
  );

  it('FatalAwsError takes the SDK exception name it is given and keeps its cause', () => {
    const cause = awsError('ValidationException', 400);

    const error = new FatalAwsError('ValidationException', 'bad request', { cause });

    expect(error).toMatchObject({ name: 'ValidationException', message: 'bad request', cause });
  });
});

describe('toWorkflowError', () => {
  describe('transient failures', () => {
    it.each([
      ['ADX ThrottlingException', awsError('ThrottlingException', 429)],
      ['ADX InternalServerException', awsError('InternalServerException', 500)],
      ['S3 SlowDown', awsError('SlowDown', 503)],
      ['a generic 500', awsError('SomethingBroke', 500)],
      ['a 503 without a name the project knows', awsError('ServiceUnavailableThing', 503, { $fault: undefined })],
    ])('maps %s to TransientAwsError naming the action, resource and SDK attempts', (_label, error) => {
      // Act
      const mapped = toWorkflowError(error, createJob);

      // Assert
      expect(mapped).toBeInstanceOf(TransientAwsError);
      expect(mapped.name).toBe('TransientAwsError');
      expect(mapped.message).toContain('dataexchange:CreateJob');
      expect(mapped.message).toContain(`data set ${DATA_SET_ID}`);
      expect(mapped.message).toContain('after 1 SDK attempt ');
      expect(mapped.message).toContain(error.name);
      expect(mapped.cause).toBe(error);
    });

    it.each([
      ['ECONNRESET', networkError({ code: 'ECONNRESET' })],
      ['ETIMEDOUT', networkError({ code: 'ETIMEDOUT' })],
      ['a TimeoutError', networkError({ name: 'TimeoutError', message: 'Connection timed out after 1000 ms' })],
    ])('maps a network error (%s) to TransientAwsError with the attempts', (_label, error) => {
      const mapped = toWorkflowError(error, putObject);

      expect(mapped).toBeInstanceOf(TransientAwsError);
      expect(mapped.message).toContain('s3:PutObject on s3://dx-flow-test-bucket/runs/r1/asset-0.csv');
      expect(mapped.message).toContain('after 2 SDK attempts');
      expect(mapped.cause).toBe(error);
    });

    it('maps a real SDK ThrottlingException instance', () => {
      // Arrange
      const error = new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: { attempts: 3 } });

      // Act
      const mapped = toWorkflowError(error, createJob);

      // Assert
      expect(mapped).toBeInstanceOf(TransientAwsError);
      expect(mapped.message).toBe(
        `dataexchange:CreateJob on data set ${DATA_SET_ID} failed after 3 SDK attempts with ThrottlingException: Rate exceeded`,
      );
    });

    it('treats the concurrent-import-jobs quota as transient: another job will finish', () => {
      // Arrange
      const error = new ServiceLimitExceededException({
        message: 'Too many jobs',
        Message: 'Too many jobs',
        LimitName: LimitName.Concurrent_in_progress_jobs_to_import_assets_from_Amazon_S3,
        LimitValue: 10,
        $metadata: { httpStatusCode: 402, attempts: 1 },
      });

      // Act
      const mapped = toWorkflowError(error, createJob);

      // Assert
      expect(LimitName.Concurrent_in_progress_jobs_to_import_assets_from_Amazon_S3).toBe(CONCURRENT_IMPORT_JOBS_LIMIT_NAME);
      expect(mapped).toBeInstanceOf(TransientAwsError);
      expect(mapped.message).toContain('ServiceLimitExceededException');
    });
  });

  it.each([
    ['ValidationException', 400, { message: 'Concurrent in progress jobs to import assets from Amazon S3 exceeded (10)' }],
    ['ConflictException', 409, { message: 'concurrent in progress jobs to import assets from amazon s3: limit reached' }],
    ['ThrottlingException', 429, { LimitName: CONCURRENT_IMPORT_JOBS_LIMIT_NAME }],
  ])('treats a %s that names the concurrent-import-jobs quota as transient: AWS documents no error name for it', (name, status, fields) => {
    const mapped = toWorkflowError(awsError(name, status, fields), createJob);

    expect(mapped).toBeInstanceOf(TransientAwsError);
  });

  describe('fatal AWS errors', () => {
    it('keeps any other ServiceLimitExceededException fatal, naming the limit', () => {
      const error = awsError('ServiceLimitExceededException', 402, { LimitName: 'Assets per import job from Amazon S3' });

      const mapped = toWorkflowError(error, createJob);

      expect(mapped).not.toBeInstanceOf(TransientAwsError);
      expect(mapped).toBeInstanceOf(FatalAwsError);
      expect(mapped.name).toBe('ServiceLimitExceededException');
      expect(mapped.message).toContain('"Assets per import job from Amazon S3"');
      expect(mapped.message).toContain('dataexchange:CreateJob');
      expect(mapped.cause).toBe(error);
    });

    it.each([
      ['ValidationException', 400],
      ['ResourceNotFoundException', 404],
      ['ConflictException', 409],
    ])('keeps %s fatal under its own name, naming the action and resource', (name, status) => {
      const error = awsError(name, status);

      const mapped = toWorkflowError(error, createJob);

      expect(mapped).not.toBeInstanceOf(TransientAwsError);
      expect(mapped.name).toBe(name);
      expect(mapped.message).toContain('dataexchange:CreateJob');
      expect(mapped.message).toContain(DATA_SET_ID);
      expect(mapped.cause).toBe(error);
    });

    it('says which IAM action on which resource was denied', () => {
      // Arrange
      const error = new AccessDeniedException({ message: 'User is not authorized', Message: 'User is not authorized', $metadata: { httpStatusCode: 403 } });
      const startJob = { action: 'dataexchange:StartJob', resource: `job ${JOB_ID}` };

      // Act
      const mapped = toWorkflowError(error, startJob);

      // Assert
      expect(mapped.name).toBe('AccessDeniedException');
      expect(mapped.message).toContain(`allows dataexchange:StartJob on job ${JOB_ID}`);
      expect(mapped.message).toContain('User is not authorized');
    });

    it('names the missing S3 object on NoSuchKey', () => {
      const mapped = toWorkflowError(awsError('NoSuchKey', 404), { action: 's3:GetObject', resource: 's3://b/k.csv' });

      expect(mapped).toMatchObject({ name: 'NoSuchKey', message: expect.stringContaining('s3:GetObject found no s3://b/k.csv') });
    });
  });

  describe('errors that are not AWS failures', () => {
    it.each([
      [new InputValidationError('bad')],
      [new TransientAwsError('again')],
      [new ImportJobFailedError('job failed')],
      [new ImportTimeoutError('too slow')],
      [new RevisionStateError('empty')],
      [new FatalAwsError('ValidationException', 'already mapped')],
    ])('passes the project error %p through unchanged', (error) => {
      expect(toWorkflowError(error, createJob)).toBe(error);
    });

    it('returns a bug (a TypeError) as it is rather than calling it an AWS problem', () => {
      const bug = new TypeError("Cannot read properties of undefined (reading 'Id')");

      expect(toWorkflowError(bug, createJob)).toBe(bug);
    });

    it('wraps a thrown non-object in an Error that carries its text', () => {
      const mapped = toWorkflowError('plain string', createJob);

      expect(mapped).toBeInstanceOf(Error);
      expect(mapped.message).toBe('plain string');
    });
  });
});

describe('toWorkflowError, one case at a time', () => {
  const getObject = { action: 's3:GetObject', resource: 's3://b/k.csv' };

  it.each([
    ['AccessDeniedException', 403],
    ['AccessDenied', 403],
  ])('says, for %s, which IAM action on which resource to allow, quoting what AWS said', (name, status) => {
    const mapped = toWorkflowError(awsError(name, status), getObject);

    expect(mapped).toMatchObject({
      name,
      message: `s3:GetObject on s3://b/k.csv was denied: ${name} from the mock. Check that the task's role allows s3:GetObject on s3://b/k.csv.`,
    });
  });

  it.each([['ResourceNotFoundException'], ['NoSuchKey'], ['NoSuchBucket'], ['NotFound']])('says, for %s, what the action found missing', (name) => {
    const mapped = toWorkflowError(awsError(name, 404), getObject);

    expect(mapped).toMatchObject({ name, message: `s3:GetObject found no s3://b/k.csv: ${name} from the mock` });
  });

  it('names the quota a ServiceLimitExceededException hit, or says it is unknown', () => {
    const named = toWorkflowError(awsError('ServiceLimitExceededException', 402, { LimitName: 'Assets per revision' }), createJob);
    const unnamed = toWorkflowError(awsError('ServiceLimitExceededException', 402), createJob);

    expect(named.message).toBe(
      `dataexchange:CreateJob on data set ${DATA_SET_ID} hit the quota "Assets per revision": ServiceLimitExceededException from the mock`,
    );
    expect(unnamed.message).toContain('hit the quota "unknown"');
  });

  it('says which call failed with which error, and leaves out a message AWS did not give', () => {
    const error = Object.assign(awsError('ValidationException', 400), { message: '' });

    expect(toWorkflowError(error, createJob).message).toBe(`dataexchange:CreateJob on data set ${DATA_SET_ID} failed with ValidationException`);
  });

  it('keeps a service error without a name fatal, as UnknownAwsError', () => {
    const error = { $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'odd' };

    const mapped = toWorkflowError(error, createJob);

    expect(mapped).toBeInstanceOf(FatalAwsError);
    expect(mapped).toMatchObject({ name: 'UnknownAwsError', message: `dataexchange:CreateJob on data set ${DATA_SET_ID} failed with an error: odd` });
  });

  it('takes an error with only $fault, or only $metadata, for an AWS service error', () => {
    expect(toWorkflowError({ name: 'ValidationException', $fault: 'client' }, createJob)).toBeInstanceOf(FatalAwsError);
    expect(toWorkflowError({ name: 'ValidationException', $metadata: {} }, createJob)).toBeInstanceOf(FatalAwsError);
  });

  it('returns an object that is neither an AWS error nor an Error as it is', () => {
    const odd = { name: 'ValidationException' };

    expect(toWorkflowError(odd, createJob)).toBe(odd);
  });

  it.each([[null], [undefined], [42]])('wraps a thrown %p in an Error that carries its text', (thrown) => {
    const mapped = toWorkflowError(thrown, createJob);

    expect(mapped).toBeInstanceOf(Error);
    expect(mapped).not.toBeInstanceOf(TransientAwsError);
    expect(mapped.message).toBe(String(thrown));
  });

  it('treats a 500 as transient even without $fault, and a 499 as fatal', () => {
    expect(toWorkflowError(awsError('Odd', 500, { $fault: undefined }), createJob)).toBeInstanceOf(TransientAwsError);
    expect(toWorkflowError(awsError('Odd', 499), createJob)).not.toBeInstanceOf(TransientAwsError);
  });

  it('names a transient network error by its code when it has no name, and says nothing of attempts it does not know', () => {
    const error = { code: 'ECONNRESET', message: 'socket hang up' };

    expect(toWorkflowError(error, putObject).message).toBe(`s3:PutObject on ${putObject.resource} failed with ECONNRESET: socket hang up`);
  });

  it('calls a transient failure without a name or code "a transient error", and ends its message cleanly without AWS\'s', () => {
    const error = { $fault: 'server', $metadata: { attempts: 3 } };

    expect(toWorkflowError(error, putObject).message).toBe(`s3:PutObject on ${putObject.resource} failed after 3 SDK attempts with a transient error:`);
  });
});

describe('isTransientAwsError', () => {
  it.each([[null], [undefined], ['ThrottlingException'], [503]])('says %p, which is not an error object, is not transient', (value) => {
    expect(isTransientAwsError(value)).toBe(false);
  });

  it('keeps a client error with a name and code the project does not know fatal', () => {
    expect(isTransientAwsError({ name: 'ValidationException', code: 'EINVAL', $fault: 'client', $metadata: { httpStatusCode: 400 } })).toBe(false);
  });

  it('judges a ServiceLimitExceededException by its limit alone, even with a server status', () => {
    expect(isTransientAwsError({ name: 'ServiceLimitExceededException', LimitName: 'Assets per revision', $metadata: { httpStatusCode: 500 } })).toBe(false);
    expect(isTransientAwsError({ name: 'ServiceLimitExceededException', LimitName: CONCURRENT_IMPORT_JOBS_LIMIT_NAME })).toBe(true);
  });
});

describe('awsCall', () => {
  it('returns what the call resolves', async () => {
    await expect(awsCall(createJob, () => Promise.resolve({ Id: JOB_ID }))).resolves.toEqual({ Id: JOB_ID });
  });

  it('throws the mapped error when the call fails', async () => {
    const call = () => Promise.reject(awsError('ThrottlingException', 429));

    await expect(awsCall(createJob, call)).rejects.toBeInstanceOf(TransientAwsError);
  });
});
