import {
  CreateDataGrantCommand,
  CreateJobCommand,
  CreateRevisionCommand,
  DataExchangeClient,
  GetJobCommand,
  GetRevisionCommand,
  ListDataGrantsCommand,
  ListDataSetRevisionsCommand,
  ListJobsCommand,
  ListRevisionAssetsCommand,
  StartJobCommand,
  UpdateRevisionCommand,
  type JobEntry,
  type RevisionEntry,
} from '@aws-sdk/client-dataexchange';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { sdkStreamMixin } from '@smithy/util-stream';
import { mockClient } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';
import { awsError } from '../fixtures/ids';

/*
 * An in-memory account behind aws-sdk-client-mock, so the workflow tests run the real handlers over the
 * real command objects. Each import job goes through the states a test scripts for it.
 */

export type ScriptedJobState = 'WAITING' | 'IN_PROGRESS' | 'COMPLETED' | 'ERROR';

export interface FakeAwsOptions {
  /** What GetJob reports on each successive call for a job; the last entry repeats. @default ['COMPLETED'] */
  readonly jobStates?: readonly ScriptedJobState[];
}

async function bodyToBuffer(body: unknown): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

let nextId = 0;
const newId = () => (nextId++).toString(16).padStart(32, '0');

export function createFakeAws(options: FakeAwsOptions = {}) {
  const s3 = mockClient(S3Client);
  const dataExchange = mockClient(DataExchangeClient);
  const sns = mockClient(SNSClient);
  const injected = new Map<string, { error: () => Error; times: number }>();
  /** Wraps a fake so that a test can make its next calls fail (aws-sdk-client-mock drops a fake after a *Once). */
  const failable =
    <I, O>(operation: string, fake: (input: I) => O) =>
    (input: I): O => {
      const fault = injected.get(operation);
      if (fault !== undefined && fault.times > 0) {
        fault.times -= 1;
        throw fault.error();
      }
      return fake(input);
    };
  const objects = new Map<string, Buffer>();
  const revisions: (RevisionEntry & { assetNames: Set<string> })[] = [];
  const jobs = new Map<string, { entry: JobEntry; keys: string[]; polls: number; started: boolean }>();
  const grants: { Id: string; ReceiverPrincipal: string; SourceDataSetId: string; AcceptanceState: string }[] = [];
  const messages: { Subject?: string; Message?: string }[] = [];
  const jobStates = options.jobStates ?? ['COMPLETED'];
  let inFlight = 0;
  let maxInFlight = 0;

  s3.on(PutObjectCommand).callsFake(failable('PutObject', async (input) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      objects.set(`${input.Bucket}/${input.Key}`, await bodyToBuffer(input.Body));
      return { ETag: '"etag"' };
    } finally {
      inFlight -= 1;
    }
  }));
  s3.on(GetObjectCommand).callsFake(failable('GetObject', (input) => {
    const data = objects.get(`${input.Bucket}/${input.Key}`);
    if (data === undefined) throw awsError('NoSuchKey', 404);
    return { Body: sdkStreamMixin(Readable.from([data])), ContentLength: data.length };
  }));
  s3.on(HeadObjectCommand).callsFake(failable('HeadObject', (input) => {
    const data = objects.get(`${input.Bucket}/${input.Key}`);
    if (data === undefined) throw awsError('NotFound', 404);
    return { ContentLength: data.length, ETag: '"etag"' };
  }));
  s3.on(ListObjectsV2Command).callsFake(failable('ListObjectsV2', (input) => ({
    Contents: [...objects.entries()]
      .filter(([path]) => path.startsWith(`${input.Bucket}/${input.Prefix ?? ''}`))
      .map(([path, data]) => ({ Key: path.slice(`${input.Bucket}/`.length), Size: data.length, ETag: '"etag"' })),
  })));

  dataExchange.on(ListDataSetRevisionsCommand).callsFake(failable('ListDataSetRevisions', () => ({ Revisions: revisions })));
  dataExchange.on(CreateRevisionCommand).callsFake(failable('CreateRevision', (input) => {
    const id = newId();
    const revision = { Id: id, Arn: `arn:aws:dataexchange:us-east-1:000000000000:data-sets/${input.DataSetId}/revisions/${id}`, DataSetId: input.DataSetId, Comment: input.Comment, Finalized: false, CreatedAt: new Date(), UpdatedAt: new Date(), assetNames: new Set<string>() };
    revisions.push(revision);
    return revision;
  }));
  const revision = (id?: string) => {
    const found = revisions.find((r) => r.Id === id);
    if (found === undefined) throw awsError('ResourceNotFoundException', 404);
    return found;
  };
  dataExchange.on(GetRevisionCommand).callsFake(failable('GetRevision', (input) => revision(input.RevisionId)));
  dataExchange.on(ListRevisionAssetsCommand).callsFake(failable('ListRevisionAssets', (input) => ({
    Assets: [...revision(input.RevisionId).assetNames].map((name, i) => ({ Id: `asset${i}`, Name: name })),
  })));
  dataExchange.on(ListJobsCommand).callsFake(failable('ListJobs', (input) => ({
    Jobs: [...jobs.values()].filter((j) => j.entry.Details?.ImportAssetsFromS3?.RevisionId === input.RevisionId).map((j) => j.entry),
  })));
  dataExchange.on(CreateJobCommand).callsFake(failable('CreateJob', (input) => {
    const id = newId();
    const sources = input.Details?.ImportAssetsFromS3?.AssetSources ?? [];
    const entry: JobEntry = { Id: id, Arn: `arn:job/${id}`, Type: input.Type, State: 'WAITING', Details: { ImportAssetsFromS3: input.Details?.ImportAssetsFromS3 }, CreatedAt: new Date(), UpdatedAt: new Date() };
    jobs.set(id, { entry, keys: sources.map((s: { Key?: string }) => s.Key ?? ''), polls: 0, started: false });
    return entry;
  }));
  dataExchange.on(StartJobCommand).callsFake(failable('StartJob', (input) => {
    const job = jobs.get(input.JobId ?? '');
    if (job === undefined) throw awsError('ResourceNotFoundException', 404);
    job.started = true;
    job.entry.State = 'IN_PROGRESS';
    return {};
  }));
  dataExchange.on(GetJobCommand).callsFake(failable('GetJob', (input) => {
    const job = jobs.get(input.JobId ?? '');
    if (job === undefined) throw awsError('ResourceNotFoundException', 404);
    const state = jobStates[Math.min(job.polls, jobStates.length - 1)];
    job.polls += 1;
    job.entry.State = state;
    if (state === 'COMPLETED') {
      const target = revision(job.entry.Details?.ImportAssetsFromS3?.RevisionId);
      job.keys.forEach((key) => target.assetNames.add(key));
    }
    const errors = state === 'ERROR' ? [{ Code: 'RESOURCE_NOT_FOUND', Message: 'The source object was not found', ResourceId: job.keys[0] }] : undefined;
    return { ...job.entry, Errors: errors };
  }));
  dataExchange.on(UpdateRevisionCommand).callsFake(failable('UpdateRevision', (input) => {
    const target = revision(input.RevisionId);
    target.Finalized = input.Finalized;
    return target;
  }));
  dataExchange.on(ListDataGrantsCommand).callsFake(failable('ListDataGrants', () => ({ DataGrantSummaries: grants })));
  dataExchange.on(CreateDataGrantCommand).callsFake(failable('CreateDataGrant', (input) => {
    const grant = { Id: newId(), ReceiverPrincipal: input.ReceiverPrincipal ?? '', SourceDataSetId: input.SourceDataSetId ?? '', AcceptanceState: 'PENDING_RECEIVER_ACCEPTANCE' };
    grants.push(grant);
    return { ...grant, Name: input.Name, Arn: `arn:grant/${grant.Id}`, GrantDistributionScope: 'NONE', CreatedAt: new Date(), UpdatedAt: new Date(), SenderPrincipal: '000000000000' };
  }));
  sns.on(PublishCommand).callsFake(failable('Publish', (input) => {
    messages.push({ Subject: input.Subject, Message: input.Message });
    return { MessageId: `m-${messages.length}` };
  }));

  return {
    /** The next `times` calls of `operation` (CreateRevision, GetJob, PutObject, Publish, ...) throw. */
    failNext(operation: string, error: () => Error, times = 1) {
      injected.set(operation, { error, times });
    },
    s3,
    dataExchange,
    sns,
    objects,
    revisions,
    jobs,
    grants,
    messages,
    maxConcurrentUploads: () => maxInFlight,
    restore() {
      s3.restore();
      dataExchange.restore();
      sns.restore();
    },
  };
}
