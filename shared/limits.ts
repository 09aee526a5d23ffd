/**
 * AWS Data Exchange and Step Functions quotas the workflow is shaped around, and the project's own bounds.
 * One place, so the schemas, the tasks, the state machine and the sandbox emulator agree.
 */

/** ADX: assets per IMPORT_ASSETS_FROM_S3 job (not adjustable). */
export const MAX_ASSETS_PER_IMPORT_JOB = 100;

/** ADX: import-from-S3 jobs in progress at once, per account and region (not adjustable). */
export const MAX_CONCURRENT_IMPORT_JOBS = 10;

/** ADX: assets per revision. */
export const MAX_ASSETS_PER_REVISION = 10_000;

/** The ServiceLimitExceededException LimitName that means "wait for another import job to finish". */
export const CONCURRENT_IMPORT_JOBS_LIMIT_NAME = 'Concurrent in progress jobs to import assets from Amazon S3';

/**
 * Assets one run publishes. Beyond MAX_ASSETS_PER_REVISION a run is cut into parts, one revision each,
 * published in order by a chain of executions.
 */
export const MAX_ASSETS_PER_RUN = 100_000;

/** How many assets one `generate` source may ask for. */
export const MAX_GENERATED_ASSETS = MAX_ASSETS_PER_RUN;

/**
 * Batches one execution imports, so that its history stays far from Step Functions' 25,000 events (a batch
 * writes about 25 with one poll, 9 more per extra poll) and its state payload far from 256 KB. Only batches cut
 * by bytes can reach it: 10,000 assets at 100 a batch are 100 batches.
 */
export const MAX_BATCHES_PER_PART = 400;

/** Records per generated asset: enough for a realistic sample, small enough to stay a sample. */
export const MAX_RECORDS_PER_ASSET = 1_000_000;

/**
 * Bytes per generated asset, when asked for by size: the largest object S3 takes in one PutObject, so a
 * generated asset is never bigger than a provider could upload without multipart. At 8 MiB parts it is 640
 * parts, far under multipart's 10,000.
 */
export const MAX_BYTES_PER_ASSET = 5 * 1024 ** 3;

/** The smallest size asked for by bytes: the CSV header and one whole row always fit. */
export const MIN_BYTES_PER_ASSET = 1024;

/** ADX revision comments are limited to 16,384 characters. */
export const MAX_REVISION_COMMENT_LENGTH = 16_384;

/** Subscriber accounts one run shares with. */
export const MAX_SUBSCRIBERS = 20;

/** runId pattern: safe in S3 keys, execution names and ADX comments. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const RUN_ID_MAX_LENGTH = 64;

/** Step Functions execution names are at most 80 characters. */
export const EXECUTION_NAME_MAX_LENGTH = 80;

/**
 * An execution's input is at most 262,144 bytes of UTF-8: StartExecution's `input`
 * (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html) and the quota
 * "Maximum input or output size for a task, state, or execution" (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).
 */
export const EXECUTION_INPUT_MAX_BYTES = 262_144;

/** ADX data set and revision ids. */
export const ADX_ID_PATTERN = /^[a-zA-Z0-9]{30,40}$/;
