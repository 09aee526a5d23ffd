import {
  AcceptDataGrantCommand,
  CreateEventActionCommand,
  CreateJobCommand,
  DataExchangeClient,
  GetJobCommand,
  type GetJobCommandOutput,
  GetReceivedDataGrantCommand,
  GetRevisionCommand,
  ListJobsCommand,
  paginateListEventActions,
  StartJobCommand,
} from '@aws-sdk/client-dataexchange';
import { CreateBucketCommand, HeadBucketCommand, paginateListObjectsV2, S3Client } from '@aws-sdk/client-s3';
import { AUTO_EXPORT_KEY_PATTERN } from '../infra/constructs/subscriber/export-layout';
import { PROVIDER_ACCOUNT, SANDBOX_REGION, SUBSCRIBER_ACCOUNT } from '../sandbox/accounts';
import { CliError } from './errors';

/*
 * `run --local --subscriber-side`: after the provider's run, the sandbox's subscriber account does what the
 * SubscriberStack does on AWS (accept the grant, export each revision into its own bucket), with its own keys.
 */

export const SANDBOX_SUBSCRIBER_BUCKET = 'dx-flow-subscriber-data';

/** What arrived on the subscriber's side: the `subscriber` member of the `--json` summary. */
export interface SubscriberReport {
  readonly account: string;
  readonly dataGrantArn: string;
  /** `accepted` by this run, or `already accepted` by an earlier one. */
  readonly acceptance: 'accepted' | 'already accepted';
  readonly dataSetId: string;
  readonly bucket: string;
  readonly exportJob: { readonly id: string; readonly state: string; readonly errors: string[] };
  readonly objects: { readonly key: string; readonly bytes: number }[];
}

export interface SandboxEndpoints {
  readonly dataexchange: string;
  readonly s3: string;
}

const JOB_POLL_MS = 50;
const JOB_WAIT_MS = 120_000;

function subscriberClients(endpoints: SandboxEndpoints) {
  const common = {
    region: SANDBOX_REGION,
    credentials: { accessKeyId: SUBSCRIBER_ACCOUNT.accessKeyId, secretAccessKey: SUBSCRIBER_ACCOUNT.secretAccessKey },
  };
  return {
    dataExchange: new DataExchangeClient({ ...common, endpoint: endpoints.dataexchange }),
    s3: new S3Client({ ...common, endpoint: endpoints.s3, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED' }),
  };
}

async function ensureBucket(s3: S3Client, bucket: string): Promise<void> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

/** The event action that exports each later revision into the bucket; one per data set and bucket, whatever the reruns. */
async function ensureAutoExport(dataExchange: DataExchangeClient, dataSetId: string, bucket: string): Promise<void> {
  for await (const page of paginateListEventActions({ client: dataExchange }, { EventSourceId: dataSetId })) {
    if (page.EventActions?.some((action) => action.Action?.ExportRevisionToS3?.RevisionDestination?.Bucket === bucket)) return;
  }
  await dataExchange.send(
    new CreateEventActionCommand({
      Event: { RevisionPublished: { DataSetId: dataSetId } },
      Action: { ExportRevisionToS3: { RevisionDestination: { Bucket: bucket, KeyPattern: AUTO_EXPORT_KEY_PATTERN } } },
    }),
  );
}

/**
 * The export of the revision: the auto-export an event action started when it was published, or else (the
 * revision was published before the grant was accepted) an export job started here with the same key pattern.
 */
async function exportJobFor(dataExchange: DataExchangeClient, dataSetId: string, revisionId: string, bucket: string): Promise<string> {
  const { Jobs } = await dataExchange.send(new ListJobsCommand({ DataSetId: dataSetId, RevisionId: revisionId }));
  const started = Jobs?.find((job) => job.Type === 'EXPORT_REVISIONS_TO_S3' && job.State !== 'ERROR' && job.State !== 'CANCELLED');
  if (started?.Id !== undefined) return started.Id;
  const created = await dataExchange.send(
    new CreateJobCommand({
      Type: 'EXPORT_REVISIONS_TO_S3',
      Details: { ExportRevisionsToS3: { DataSetId: dataSetId, RevisionDestinations: [{ Bucket: bucket, RevisionId: revisionId, KeyPattern: AUTO_EXPORT_KEY_PATTERN }] } },
    }),
  );
  await dataExchange.send(new StartJobCommand({ JobId: created.Id }));
  return created.Id!;
}

async function jobEnd(dataExchange: DataExchangeClient, jobId: string): Promise<GetJobCommandOutput> {
  const deadline = Date.now() + JOB_WAIT_MS;
  while (Date.now() < deadline) {
    const job = await dataExchange.send(new GetJobCommand({ JobId: jobId }));
    if (job.State !== 'WAITING' && job.State !== 'IN_PROGRESS') return job;
    await new Promise((resolve) => setTimeout(resolve, JOB_POLL_MS));
  }
  throw new CliError(`Export job ${jobId} did not end within ${JOB_WAIT_MS / 1000} s.`);
}

/**
 * Accepts a data grant as the receiver, idempotently: a grant already accepted is reported as such. Either
 * way the answer names the receiver's entitled copy of the data set.
 */
export async function acceptGrant(
  dataExchange: DataExchangeClient,
  dataGrantArn: string,
): Promise<{ readonly dataSetId: string; readonly acceptance: 'accepted' | 'already accepted' }> {
  const received = await dataExchange.send(new GetReceivedDataGrantCommand({ DataGrantArn: dataGrantArn }));
  const pending = received.AcceptanceState !== 'ACCEPTED';
  const grant = pending ? await dataExchange.send(new AcceptDataGrantCommand({ DataGrantArn: dataGrantArn })) : received;
  if (grant.DataSetId === undefined) throw new CliError(`The data grant ${dataGrantArn} names no data set.`);
  return { dataSetId: grant.DataSetId, acceptance: pending ? 'accepted' : 'already accepted' };
}

/** The sandbox subscriber's Data Exchange client, for `accept-grant --local`. */
export function sandboxSubscriberDataExchange(endpoint: string): DataExchangeClient {
  return subscriberClients({ dataexchange: endpoint, s3: endpoint }).dataExchange;
}

/** Receives the run's revision as the sandbox's subscriber, reporting each step through `write`. */
export async function receiveAsSubscriber(
  endpoints: SandboxEndpoints,
  run: { readonly dataGrantId: string; readonly revisionId: string },
  write: (line: string) => void,
): Promise<SubscriberReport> {
  const { dataExchange, s3 } = subscriberClients(endpoints);
  try {
    const dataGrantArn = `arn:aws:dataexchange:${SANDBOX_REGION}:${PROVIDER_ACCOUNT.accountId}:data-grants/${run.dataGrantId}`;
    const { dataSetId, acceptance } = await acceptGrant(dataExchange, dataGrantArn);
    write(`subscriber ${SUBSCRIBER_ACCOUNT.accountId}: data grant ${run.dataGrantId} ${acceptance}; received data set ${dataSetId}`);

    const bucket = SANDBOX_SUBSCRIBER_BUCKET;
    await ensureBucket(s3, bucket);
    await ensureAutoExport(dataExchange, dataSetId, bucket);
    const jobId = await exportJobFor(dataExchange, dataSetId, run.revisionId, bucket);
    const job = await jobEnd(dataExchange, jobId);
    const errors = (job.Errors ?? []).map((error) => `${error.Code ?? 'ERROR'}: ${error.Message ?? ''}`);
    write(`subscriber ${SUBSCRIBER_ACCOUNT.accountId}: export job ${jobId} ${job.State}${errors.length > 0 ? `: ${errors.join('; ')}` : ''}`);

    const revision = await dataExchange.send(new GetRevisionCommand({ DataSetId: dataSetId, RevisionId: run.revisionId }));
    const prefix = `${revision.CreatedAt!.toISOString()}/${run.revisionId}/`;
    const objects: { key: string; bytes: number }[] = [];
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) objects.push({ key: object.Key!, bytes: object.Size ?? 0 });
    }
    for (const object of objects) write(`  s3://${bucket}/${object.key}  ${object.bytes} bytes`);
    return { account: SUBSCRIBER_ACCOUNT.accountId, dataGrantArn, acceptance, dataSetId, bucket, exportJob: { id: jobId, state: job.State ?? 'UNKNOWN', errors }, objects };
  } finally {
    dataExchange.destroy();
    s3.destroy();
  }
}
