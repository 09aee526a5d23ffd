import { type DataExchangeClient, GetJobCommand, type GetJobResponse, type JobError } from '@aws-sdk/client-dataexchange';
import { awsCall, ImportJobFailedError, ImportTimeoutError } from '../../shared/errors';
import { type ImportPollConfig, nextWaitSeconds, totalWaitSeconds, withFirstWait } from '../../shared/import-poll';
import type { CheckImportInput, ImportStatus } from '../../shared/schemas/payloads';

export interface CheckImportDeps {
  readonly dataExchange: DataExchangeClient;
  readonly poll: ImportPollConfig;
}

/** Bounds of the failure message: Step Functions keeps a Cause of at most 32,768 characters. */
const MAX_LISTED = 20;
const MAX_ERROR_MESSAGE_LENGTH = 300;

function bounded(items: readonly string[], separator: string): string {
  const listed = items.slice(0, MAX_LISTED).join(separator);
  return items.length > MAX_LISTED ? `${listed}${separator}and ${items.length - MAX_LISTED} more` : listed;
}

function describeJobError(error: JobError): string {
  const message = (error.Message ?? 'no message').slice(0, MAX_ERROR_MESSAGE_LENGTH);
  const about = [
    error.ResourceId && `${error.ResourceType ?? 'resource'} ${error.ResourceId}`,
    error.LimitName && `limit "${error.LimitName}" = ${error.LimitValue ?? '?'}`,
    error.Details?.ImportAssetFromSignedUrlJobErrorDetails?.AssetName &&
      `asset ${error.Details.ImportAssetFromSignedUrlJobErrorDetails.AssetName}`,
    error.Details?.ImportAssetsFromS3JobErrorDetails && `${error.Details.ImportAssetsFromS3JobErrorDetails.length} key(s)`,
  ].filter(Boolean);
  return `${error.Code ?? 'UNKNOWN'}: ${message}${about.length > 0 ? ` (${about.join('; ')})` : ''}`;
}

/** The keys ADX blames; when it names none, the job's own keys, said as such. */
function describeFailingKeys(job: GetJobResponse): string {
  const blamed = new Set(
    (job.Errors ?? []).flatMap((error) => (error.Details?.ImportAssetsFromS3JobErrorDetails ?? []).map((source) => `s3://${source.Bucket}/${source.Key}`)),
  );
  if (blamed.size > 0) return `Failing keys: ${bounded([...blamed], ', ')}.`;
  const sources = job.Details?.ImportAssetsFromS3?.AssetSources ?? [];
  if (sources.length === 0) return 'ADX named no failing keys.';
  return `ADX named no failing keys; the job imported ${bounded(sources.map((source) => `s3://${source.Bucket}/${source.Key}`), ', ')}.`;
}

function importFailure(input: CheckImportInput, jobId: string, job: GetJobResponse): ImportJobFailedError {
  const errors = job.Errors ?? [];
  const listed = errors.length === 0 ? ' ADX reported no errors.' : `\n- ${bounded(errors.map(describeJobError), '\n- ')}`;
  return new ImportJobFailedError(
    `Import job ${jobId} for batch ${input.status.batchIndex} of revision ${input.revisionId} (data set ${input.datasetId}, ` +
      `manifest ${input.manifestKey}) ended ${job.State ?? 'in no known state'} with ${errors.length} error(s):${listed}\n` +
      describeFailingKeys(job),
  );
}

/**
 * One poll of a batch's import job: COMPLETED ends the loop, WAITING or IN_PROGRESS sets the next, longer wait,
 * and anything else fails the batch with the job's errors. The loop is bounded by the poll count.
 */
export async function checkImport(input: CheckImportInput, deps: CheckImportDeps): Promise<ImportStatus> {
  const { status } = input;
  if (status.jobId === null || status.state === 'COMPLETED') return status;
  const jobId = status.jobId;
  const job = await awsCall({ action: 'dataexchange:GetJob', resource: `import job ${jobId}` }, () =>
    deps.dataExchange.send(new GetJobCommand({ JobId: jobId })),
  );
  const pollCount = status.pollCount + 1;
  if (job.State === 'COMPLETED') return { ...status, state: 'COMPLETED', pollCount };
  if (job.State !== 'WAITING' && job.State !== 'IN_PROGRESS') throw importFailure(input, jobId, job);
  const poll = withFirstWait(deps.poll, status.firstWaitSeconds ?? undefined);
  if (pollCount >= poll.maxAttempts) {
    throw new ImportTimeoutError(
      `Import job ${jobId} for batch ${status.batchIndex} of revision ${input.revisionId} is still ${job.State} after ` +
        `${pollCount} polls over ${totalWaitSeconds(poll, pollCount)} s of waiting (the bound is ${poll.maxAttempts} polls)`,
    );
  }
  return { ...status, state: job.State, pollCount, waitSeconds: nextWaitSeconds(poll, pollCount) };
}
