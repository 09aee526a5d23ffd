import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AcceptDataGrantCommand,
  ConflictException,
  CreateDataGrantCommand,
  CreateDataSetCommand,
  CreateEventActionCommand,
  CreateJobCommand,
  CreateRevisionCommand,
  DataExchangeClient,
  DeleteAssetCommand,
  DeleteDataGrantCommand,
  DeleteDataSetCommand,
  DeleteRevisionCommand,
  GetAssetCommand,
  GetDataGrantCommand,
  GetDataSetCommand,
  GetEventActionCommand,
  GetJobCommand,
  type GetJobCommandOutput,
  GetReceivedDataGrantCommand,
  GetRevisionCommand,
  ListDataGrantsCommand,
  ListDataSetRevisionsCommand,
  ListDataSetsCommand,
  ListJobsCommand,
  ListReceivedDataGrantsCommand,
  ListRevisionAssetsCommand,
  ResourceNotFoundException,
  RevokeRevisionCommand,
  SendDataSetNotificationCommand,
  type SendDataSetNotificationCommandInput,
  StartJobCommand,
  UpdateAssetCommand,
  UpdateDataSetCommand,
  UpdateEventActionCommand,
  UpdateRevisionCommand,
  ValidationException,
} from '@aws-sdk/client-dataexchange';
import { S3Client } from '@aws-sdk/client-s3';
import { PROVIDER_ACCOUNT, SANDBOX_REGION, type SandboxAccount, SUBSCRIBER_ACCOUNT } from '../../sandbox/accounts';
import { type RunningDataExchangeEmulator, startDataExchangeEmulator } from '../../sandbox/dataexchange/server';
import { CLIENT_TOKEN_WINDOW_MS } from '../../sandbox/dataexchange/store/notifications';
import { FaultInjector } from '../../sandbox/faults';
import { ExchangeEvent } from '../../shared/schemas/exchange-event';

/*
 * What a provider does after publishing, against the Data Exchange emulator through the real
 * @aws-sdk/client-dataexchange: revoke a revision, delete a data grant, notify subscribers, and delete or update
 * data sets, revisions, assets and event actions; with what the subscriber sees of each, and what survives a
 * restart. Imports copy a source as a file holding its key, so no S3 is needed; exports never reach theirs here.
 */

const OTHER_ACCOUNT = '333333333333';
const COMMENT = 'Wrong figures in the March file.';
/** Long enough for a revocation to land between a publication and the auto-export it starts. */
const JOB_DELAY_MS = 100;

let directory: string;
let emulator: RunningDataExchangeEmulator;
let provider: DataExchangeClient;
let subscriber: DataExchangeClient;
const unusedS3 = new S3Client({ endpoint: 'http://127.0.0.1:9', region: SANDBOX_REGION, maxAttempts: 1 });
/** Sources under this prefix stay unread until the gate opens: their import stays IN_PROGRESS. */
const SLOW = 'slow/';
let openGate: () => void = () => undefined;
let gate = Promise.resolve();

const sourceReader = {
  copyTo: async (source: { Key: string }, file: string) => {
    if (source.Key.startsWith(SLOW)) await gate;
    await writeFile(file, source.Key);
  },
  check: async () => undefined,
};

const clientAs = (account: SandboxAccount) =>
  new DataExchangeClient({
    endpoint: emulator.endpoint,
    region: SANDBOX_REGION,
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
    maxAttempts: 1,
  });

async function start(): Promise<void> {
  emulator = await startDataExchangeEmulator({
    stateFile: join(directory, 'dataexchange.json'),
    assetDir: join(directory, 'assets'),
    faults: new FaultInjector(),
    s3: unusedS3,
    sourceReader,
    jobDelayMs: JOB_DELAY_MS,
  });
  provider = clientAs(PROVIDER_ACCOUNT);
  subscriber = clientAs(SUBSCRIBER_ACCOUNT);
}

async function stop(): Promise<void> {
  provider.destroy();
  subscriber.destroy();
  await emulator.close();
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'dx-flow-operate-'));
  await start();
});

afterAll(async () => {
  await stop();
  unusedS3.destroy();
  await rm(directory, { recursive: true, force: true });
});

async function waitForJob(client: DataExchangeClient, jobId: string): Promise<GetJobCommandOutput> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const job = await client.send(new GetJobCommand({ JobId: jobId }));
    if (job.State !== 'WAITING' && job.State !== 'IN_PROGRESS') return job;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`job ${jobId} did not end`);
}

async function providerDataSet(name = 'sales'): Promise<string> {
  const dataSet = await provider.send(new CreateDataSetCommand({ Name: name, Description: 'daily sales', AssetType: 'S3_SNAPSHOT' }));
  return dataSet.Id!;
}

/** Starts an import of `keys` into a new revision; returns the revision and the job. */
async function startImport(dataSetId: string, keys: string[]): Promise<{ revisionId: string; jobId: string }> {
  const revision = await provider.send(new CreateRevisionCommand({ DataSetId: dataSetId, Comment: 'March' }));
  const job = await provider.send(
    new CreateJobCommand({
      Type: 'IMPORT_ASSETS_FROM_S3',
      Details: { ImportAssetsFromS3: { DataSetId: dataSetId, RevisionId: revision.Id, AssetSources: keys.map((Key) => ({ Bucket: 'data', Key })) } },
    }),
  );
  await provider.send(new StartJobCommand({ JobId: job.Id }));
  return { revisionId: revision.Id!, jobId: job.Id! };
}

/** A revision holding one asset per key; finalized unless told not to. */
async function revisionOf(dataSetId: string, keys = ['march.csv'], finalize = true): Promise<string> {
  const { revisionId, jobId } = await startImport(dataSetId, keys);
  expect((await waitForJob(provider, jobId)).State).toBe('COMPLETED');
  if (finalize) await provider.send(new UpdateRevisionCommand({ DataSetId: dataSetId, RevisionId: revisionId, Finalized: true }));
  return revisionId;
}

async function grant(dataSetId: string, receiver = SUBSCRIBER_ACCOUNT.accountId): Promise<{ Id: string; Arn: string }> {
  const created = await provider.send(
    new CreateDataGrantCommand({ Name: `to ${receiver}`, GrantDistributionScope: 'NONE', ReceiverPrincipal: receiver, SourceDataSetId: dataSetId }),
  );
  return { Id: created.Id!, Arn: created.Arn! };
}

/** A provider's data set, granted to and accepted by the subscriber. */
async function shared(): Promise<{ source: string; entitledId: string; grantId: string; grantArn: string }> {
  const source = await providerDataSet();
  const { Id, Arn } = await grant(source);
  const accepted = await subscriber.send(new AcceptDataGrantCommand({ DataGrantArn: Arn }));
  return { source, entitledId: accepted.DataSetId!, grantId: Id, grantArn: Arn };
}

async function autoExport(entitledId: string): Promise<string> {
  const action = await subscriber.send(
    new CreateEventActionCommand({
      Event: { RevisionPublished: { DataSetId: entitledId } },
      Action: { ExportRevisionToS3: { RevisionDestination: { Bucket: 'subscriber-data', KeyPattern: '${Revision.Id}/${Asset.Name}' } } },
    }),
  );
  return action.Id!;
}

const revoke = (client: DataExchangeClient, DataSetId: string, RevisionId: string, RevocationComment = COMMENT) =>
  client.send(new RevokeRevisionCommand({ DataSetId, RevisionId, RevocationComment }));

/** The subscriber's events about one of its data sets. */
const eventsAbout = (dataSetId: string) =>
  emulator.deliveredEvents(SUBSCRIBER_ACCOUNT.accountId).filter((event) => JSON.stringify(event).includes(dataSetId));

/** Whether dx-flow's handlers take the events as ones they know, whose details they read. */
const known = (events: readonly unknown[]) => events.map((event) => ExchangeEvent.parse(event).kind !== 'unknown');

/** Rejects as `type`, with a message that says `text`. */
async function expectRefused(call: Promise<unknown>, type: new (...args: never[]) => Error, text: string): Promise<void> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toContain(text);
}

describe('RevokeRevision', () => {
  it('marks the revision revoked for its provider and its subscriber, and tells the subscriber once', async () => {
    // Arrange
    const { source, entitledId } = await shared();
    const revisionId = await revisionOf(source);

    // Act
    const revoked = await revoke(provider, source, revisionId);
    const again = await revoke(provider, source, revisionId, 'A better reason, edited.');

    // Assert
    expect(revoked).toMatchObject({ Id: revisionId, Finalized: true, Revoked: true, RevocationComment: COMMENT });
    expect(revoked.RevokedAt).toBeInstanceOf(Date);
    expect(again).toMatchObject({ Revoked: true, RevocationComment: 'A better reason, edited.', RevokedAt: revoked.RevokedAt });
    expect(await provider.send(new GetRevisionCommand({ DataSetId: source, RevisionId: revisionId }))).toMatchObject({ Revoked: true });
    const listed = await subscriber.send(new ListDataSetRevisionsCommand({ DataSetId: entitledId }));
    expect(listed.Revisions).toEqual([expect.objectContaining({ Id: revisionId, Revoked: true, RevocationComment: 'A better reason, edited.' })]);
    const events = eventsAbout(entitledId);
    expect(known(events)).toEqual([true]);
    expect(events).toEqual([
      expect.objectContaining({
        'detail-type': 'Revision Revoked',
        source: 'aws.dataexchange',
        account: SUBSCRIBER_ACCOUNT.accountId,
        resources: [entitledId],
        detail: {
          RevisionIds: [revisionId],
          RevocationComment: COMMENT,
          Revisions: [{ Id: revisionId, Comment: 'March' }],
          DataSets: [{ Id: entitledId, Name: 'sales' }],
        },
      }),
    ]);
  });

  it('refuses a short comment, a revision not finalized, a subscriber, and a revision that is not there', async () => {
    const { source, entitledId } = await shared();
    const draft = await revisionOf(source, ['draft.csv'], false);
    const published = await revisionOf(source);

    await expectRefused(revoke(provider, source, published, 'too short'), ValidationException, 'RevocationComment');
    await expectRefused(revoke(provider, source, draft), ConflictException, 'not finalized');
    await expectRefused(revoke(subscriber, entitledId, published), ValidationException, 'only its owner');
    await expectRefused(revoke(provider, source, 'a'.repeat(32)), ResourceNotFoundException, 'a'.repeat(32));
  });

  it('keeps a revoked revision as it is: no un-finalizing, no new comment', async () => {
    const source = await providerDataSet();
    const revisionId = await revisionOf(source);
    await revoke(provider, source, revisionId);

    const unfinalize = provider.send(new UpdateRevisionCommand({ DataSetId: source, RevisionId: revisionId, Finalized: false }));
    await expectRefused(unfinalize, ConflictException, 'revoked');
  });

  it('fails the subscriber\'s export of a revoked revision, and the auto-export a revocation overtakes', async () => {
    // Arrange: the auto-export starts on publication and runs JOB_DELAY_MS later, after the revocation.
    const { source, entitledId } = await shared();
    await autoExport(entitledId);
    const revisionId = await revisionOf(source);
    await revoke(provider, source, revisionId);

    // Act
    const job = await subscriber.send(
      new CreateJobCommand({
        Type: 'EXPORT_REVISIONS_TO_S3',
        Details: { ExportRevisionsToS3: { DataSetId: entitledId, RevisionDestinations: [{ Bucket: 'subscriber-data', RevisionId: revisionId }] } },
      }),
    );
    await subscriber.send(new StartJobCommand({ JobId: job.Id }));

    // Assert
    const jobs = (await subscriber.send(new ListJobsCommand({ DataSetId: entitledId, RevisionId: revisionId }))).Jobs ?? [];
    expect(jobs).toHaveLength(2);
    for (const { Id } of jobs) {
      const ended = await waitForJob(subscriber, Id!);
      expect(ended.State).toBe('ERROR');
      expect(ended.Errors).toEqual([expect.objectContaining({ Code: 'ACCESS_DENIED_EXCEPTION', ResourceId: revisionId, ResourceType: 'REVISION' })]);
      expect(ended.Errors?.[0].Message).toContain(`revoked by its provider at ${new Date(ended.CreatedAt!).getUTCFullYear()}`);
    }
  });
});

describe('DeleteDataGrant', () => {
  it('takes the grant away from its sender and the entitled data set, its event actions and the grant from its receiver', async () => {
    // Arrange: an export the subscriber created before, to start after.
    const { source, entitledId, grantId, grantArn } = await shared();
    const revisionId = await revisionOf(source);
    const actionId = await autoExport(entitledId);
    const job = await subscriber.send(
      new CreateJobCommand({
        Type: 'EXPORT_REVISIONS_TO_S3',
        Details: { ExportRevisionsToS3: { DataSetId: entitledId, RevisionDestinations: [{ Bucket: 'subscriber-data', RevisionId: revisionId }] } },
      }),
    );

    // Act
    await provider.send(new DeleteDataGrantCommand({ DataGrantId: grantId }));
    await subscriber.send(new StartJobCommand({ JobId: job.Id }));

    // Assert
    await expectRefused(provider.send(new GetDataGrantCommand({ DataGrantId: grantId })), ResourceNotFoundException, grantId);
    expect((await provider.send(new ListDataGrantsCommand({}))).DataGrantSummaries?.map((g) => g.Id)).not.toContain(grantId);
    await expectRefused(subscriber.send(new GetReceivedDataGrantCommand({ DataGrantArn: grantArn })), ResourceNotFoundException, grantArn);
    expect((await subscriber.send(new ListReceivedDataGrantsCommand({}))).DataGrantSummaries?.map((g) => g.Arn)).not.toContain(grantArn);
    expect((await subscriber.send(new ListDataSetsCommand({ Origin: 'ENTITLED' }))).DataSets?.map((d) => d.Id)).not.toContain(entitledId);
    await expectRefused(subscriber.send(new GetDataSetCommand({ DataSetId: entitledId })), ResourceNotFoundException, entitledId);
    await expectRefused(subscriber.send(new GetEventActionCommand({ EventActionId: actionId })), ResourceNotFoundException, actionId);
    expect((await waitForJob(subscriber, job.Id!)).Errors).toEqual([expect.objectContaining({ Code: 'RESOURCE_NOT_FOUND_EXCEPTION', ResourceId: entitledId })]);
    expect(known(eventsAbout(entitledId))).toEqual([true]);
    expect(eventsAbout(entitledId)).toEqual([
      expect.objectContaining({
        'detail-type': 'Data Grant Revoked',
        resources: [`arn:aws:dataexchange:${SANDBOX_REGION}::data-sets/${entitledId}`],
        detail: { DataSets: [{ Id: entitledId, Name: 'sales' }], DataGrant: { Arn: grantArn, Name: `to ${SUBSCRIBER_ACCOUNT.accountId}` } },
      }),
    ]);
  });

  it('deletes a grant not yet accepted, and refuses one that is not the caller\'s', async () => {
    const source = await providerDataSet();
    const pending = await grant(source);
    const other = await grant(source, OTHER_ACCOUNT);

    await provider.send(new DeleteDataGrantCommand({ DataGrantId: pending.Id }));

    expect((await subscriber.send(new ListReceivedDataGrantsCommand({}))).DataGrantSummaries?.map((g) => g.Arn)).not.toContain(pending.Arn);
    await expectRefused(subscriber.send(new DeleteDataGrantCommand({ DataGrantId: other.Id })), ResourceNotFoundException, other.Id);
  });
});

describe('SendDataSetNotification', () => {
  const delay = (dataSetId: string, extra: Partial<SendDataSetNotificationCommandInput> = {}) =>
    new SendDataSetNotificationCommand({ DataSetId: dataSetId, Type: 'DATA_DELAY', Comment: 'Late today.', ...extra });

  it('delivers each type as its event to the receivers that accepted a grant, and to no one else', async () => {
    // Arrange
    const { source, entitledId } = await shared();
    await grant(source, OTHER_ACCOUNT);
    const at = new Date('2026-12-01T06:00:00Z');
    const notices: Omit<SendDataSetNotificationCommandInput, 'DataSetId'>[] = [
      { Type: 'DATA_UPDATE', Details: { DataUpdate: { DataUpdatedAt: at } } },
      { Type: 'DATA_DELAY', Comment: 'Late today.', Scope: { S3DataAccesses: [{ KeyPrefixes: ['march/'] }] } },
      { Type: 'SCHEMA_CHANGE', Details: { SchemaChange: { SchemaChangeAt: at, Changes: [{ Name: 'price', Type: 'MODIFY', Description: 'cents' }] } } },
      { Type: 'DEPRECATION', Details: { Deprecation: { DeprecationAt: at } } },
    ];

    // Act
    for (const notice of notices) await provider.send(new SendDataSetNotificationCommand({ DataSetId: source, ...notice }));

    // Assert
    const events = eventsAbout(entitledId);
    expect(events.map((event) => event['detail-type'])).toEqual([
      'Data Updated in Data Set',
      'Data Set Update Delayed',
      'Schema Change Planned for Data Set',
      'Deprecation Planned for Data Set',
    ]);
    expect(events[1]).toMatchObject({
      resources: [`arn:aws:dataexchange:${SANDBOX_REGION}::data-sets/${entitledId}`],
      detail: {
        DataSet: { Id: entitledId, Name: 'sales', AssetType: 'S3_SNAPSHOT' },
        Notification: { Comment: 'Late today.', Type: 'DATA_DELAY', Scope: { S3DataAccesses: [{ KeyPrefixes: ['march/'] }] } },
      },
    });
    expect(events[2].detail).toMatchObject({
      Notification: {
        Details: { SchemaChange: { SchemaChangeAt: '2026-12-01T06:00:00Z', Changes: [{ Name: 'price', Type: 'MODIFY', Description: 'cents' }] } },
      },
    });
    expect(known(events)).toEqual([true, true, true, true]);
    expect(emulator.deliveredEvents(OTHER_ACCOUNT)).toEqual([]);
  });

  it('sends a ClientToken once in quick succession, again after that, and refuses it for another notification', async () => {
    const { source, entitledId } = await shared();
    const realNow = Date.now;

    await provider.send(delay(source, { ClientToken: 'run-1-delay' }));
    await provider.send(delay(source, { ClientToken: 'run-1-delay' }));
    await expectRefused(provider.send(delay(source, { ClientToken: 'run-1-delay', Comment: 'Other news.' })), ConflictException, 'run-1-delay');
    expect(eventsAbout(entitledId)).toHaveLength(1);

    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + CLIENT_TOKEN_WINDOW_MS + 1);
    try {
      await provider.send(delay(source, { ClientToken: 'run-1-delay' }));
    } finally {
      jest.restoreAllMocks();
    }
    expect(eventsAbout(entitledId)).toHaveLength(2);
  });

  it('refuses what AWS\'s shapes refuse, details that do not go with the type, a subscriber and a data set that is not there', async () => {
    const { source, entitledId } = await shared();
    const at = new Date();

    await expectRefused(provider.send(delay(source, { Type: 'SOON' as 'DATA_DELAY' })), ValidationException, 'Type');
    await expectRefused(provider.send(delay(source, { Comment: 'x'.repeat(4097) })), ValidationException, 'Comment');
    await expectRefused(provider.send(delay(source, { ClientToken: 'with space' })), ValidationException, 'ClientToken');
    await expectRefused(provider.send(delay(source, { Type: 'SCHEMA_CHANGE' })), ValidationException, 'requires Details.SchemaChange');
    const mismatched = delay(source, { Type: 'DATA_UPDATE', Details: { Deprecation: { DeprecationAt: at } } });
    await expectRefused(provider.send(mismatched), ValidationException, 'Details.Deprecation');
    await expectRefused(
      provider.send(delay(source, { Type: 'SCHEMA_CHANGE', Details: { SchemaChange: { SchemaChangeAt: at, Changes: [{ Name: '', Type: 'ADD' }] } } })),
      ValidationException,
      'Details.SchemaChange.Changes[0].Name',
    );
    await expectRefused(subscriber.send(delay(entitledId)), ValidationException, 'only its owner');
    await expectRefused(provider.send(delay('b'.repeat(32))), ResourceNotFoundException, 'b'.repeat(32));
    expect(eventsAbout(entitledId)).toEqual([]);
  });
});

describe('UpdateDataSet and DeleteDataSet', () => {
  it('renames and re-describes an owned data set, and refuses a subscriber and an empty name', async () => {
    const { source, entitledId } = await shared();

    const updated = await provider.send(new UpdateDataSetCommand({ DataSetId: source, Name: 'sales (EU)', Description: 'daily EU sales' }));

    expect(updated).toMatchObject({ Id: source, Name: 'sales (EU)', Description: 'daily EU sales', Origin: 'OWNED' });
    expect(await provider.send(new GetDataSetCommand({ DataSetId: source }))).toMatchObject({ Name: 'sales (EU)' });
    await expectRefused(provider.send(new UpdateDataSetCommand({ DataSetId: source, Name: '' })), ValidationException, 'Name');
    await expectRefused(subscriber.send(new UpdateDataSetCommand({ DataSetId: entitledId, Name: 'mine' })), ValidationException, 'only its owner');
  });

  it('deletes a data set with its revisions once no grant shares it, and never a subscriber\'s entitled one', async () => {
    // Arrange
    const { source, entitledId, grantId } = await shared();
    const revisionId = await revisionOf(source);
    await expectRefused(provider.send(new DeleteDataSetCommand({ DataSetId: source })), ConflictException, grantId);
    await expectRefused(subscriber.send(new DeleteDataSetCommand({ DataSetId: entitledId })), ValidationException, 'only its owner');
    await provider.send(new DeleteDataGrantCommand({ DataGrantId: grantId }));

    // Act
    await provider.send(new DeleteDataSetCommand({ DataSetId: source }));

    // Assert
    await expectRefused(provider.send(new GetDataSetCommand({ DataSetId: source })), ResourceNotFoundException, source);
    await expectRefused(provider.send(new GetRevisionCommand({ DataSetId: source, RevisionId: revisionId })), ResourceNotFoundException, source);
    expect((await provider.send(new ListDataSetsCommand({ Origin: 'OWNED' }))).DataSets?.map((d) => d.Id)).not.toContain(source);
  });

  it('refuses to delete a data set or a revision an import is filling', async () => {
    // Arrange: the import's source stays unread until the gate opens.
    gate = new Promise((resolve) => (openGate = resolve));
    const source = await providerDataSet();
    const { revisionId, jobId } = await startImport(source, [`${SLOW}march.csv`]);
    await new Promise((resolve) => setTimeout(resolve, JOB_DELAY_MS * 2));

    try {
      await expectRefused(provider.send(new DeleteRevisionCommand({ DataSetId: source, RevisionId: revisionId })), ConflictException, jobId);
      await expectRefused(provider.send(new DeleteDataSetCommand({ DataSetId: source })), ConflictException, jobId);
    } finally {
      openGate();
    }
    expect((await waitForJob(provider, jobId)).State).toBe('COMPLETED');
  });
});

describe('DeleteRevision, DeleteAsset and UpdateAsset', () => {
  it('deletes a draft revision, and refuses a finalized one', async () => {
    const source = await providerDataSet();
    const draft = await revisionOf(source, ['a.csv'], false);
    const published = await revisionOf(source);

    await provider.send(new DeleteRevisionCommand({ DataSetId: source, RevisionId: draft }));

    await expectRefused(provider.send(new GetRevisionCommand({ DataSetId: source, RevisionId: draft })), ResourceNotFoundException, draft);
    await expectRefused(provider.send(new DeleteRevisionCommand({ DataSetId: source, RevisionId: published })), ConflictException, 'finalized');
    expect((await provider.send(new ListDataSetRevisionsCommand({ DataSetId: source }))).Revisions?.map((r) => r.Id)).toEqual([published]);
  });

  it('renames and deletes a draft\'s assets, refuses a finalized revision\'s, and deletes a revoked revision\'s', async () => {
    // Arrange
    const source = await providerDataSet();
    const draft = await revisionOf(source, ['a.csv', 'b.csv'], false);
    const published = await revisionOf(source, ['c.csv']);
    const assetOf = async (revisionId: string, name: string) =>
      (await provider.send(new ListRevisionAssetsCommand({ DataSetId: source, RevisionId: revisionId }))).Assets!.find((a) => a.Name === name)!.Id!;
    const [a, b, c] = [await assetOf(draft, 'a.csv'), await assetOf(draft, 'b.csv'), await assetOf(published, 'c.csv')];

    // Act
    const renamed = await provider.send(new UpdateAssetCommand({ DataSetId: source, RevisionId: draft, AssetId: a, Name: 'z.csv' }));
    await provider.send(new DeleteAssetCommand({ DataSetId: source, RevisionId: draft, AssetId: b }));

    // Assert
    expect(renamed).toMatchObject({ Id: a, Name: 'z.csv', RevisionId: draft });
    const names = (await provider.send(new ListRevisionAssetsCommand({ DataSetId: source, RevisionId: draft }))).Assets?.map((asset) => asset.Name);
    expect(names).toEqual(['z.csv']);
    await expectRefused(provider.send(new UpdateAssetCommand({ DataSetId: source, RevisionId: draft, AssetId: a, Name: '' })), ValidationException, 'Name');
    const rename = provider.send(new UpdateAssetCommand({ DataSetId: source, RevisionId: published, AssetId: c, Name: 'd.csv' }));
    await expectRefused(rename, ConflictException, 'finalized');
    await expectRefused(provider.send(new DeleteAssetCommand({ DataSetId: source, RevisionId: published, AssetId: c })), ConflictException, 'finalized');
    await revoke(provider, source, published);
    await provider.send(new DeleteAssetCommand({ DataSetId: source, RevisionId: published, AssetId: c }));
    await expectRefused(provider.send(new GetAssetCommand({ DataSetId: source, RevisionId: published, AssetId: c })), ResourceNotFoundException, c);
  });
});

describe('UpdateEventAction', () => {
  it('changes where the event action exports, with the key pattern checked, and refuses one that is not there', async () => {
    const { entitledId } = await shared();
    const actionId = await autoExport(entitledId);
    const destination = { Bucket: 'elsewhere', KeyPattern: '${Revision.CreatedAt.Year}/${Asset.Name}' };

    const action = { ExportRevisionToS3: { RevisionDestination: destination } };
    const update = (EventActionId: string, Action: typeof action) => subscriber.send(new UpdateEventActionCommand({ EventActionId, Action }));

    const updated = await update(actionId, action);

    expect(updated).toMatchObject({ Id: actionId, Action: action, Event: { RevisionPublished: { DataSetId: entitledId } } });
    expect((await subscriber.send(new GetEventActionCommand({ EventActionId: actionId }))).Action).toEqual(updated.Action);
    const noAsset = { ExportRevisionToS3: { RevisionDestination: { Bucket: 'elsewhere', KeyPattern: '${Revision.Id}/data.csv' } } };
    await expectRefused(update(actionId, noAsset), ValidationException, '${Asset.Name} or ${Asset.Id}');
    await expectRefused(update('c'.repeat(32), noAsset), ResourceNotFoundException, 'c'.repeat(32));
  });
});

describe('across a restart', () => {
  it('keeps revocations, deleted grants, the events delivered and the ClientTokens just used', async () => {
    // Arrange
    const { source, entitledId, grantId } = await shared();
    const revisionId = await revisionOf(source);
    await revoke(provider, source, revisionId);
    await provider.send(new SendDataSetNotificationCommand({ DataSetId: source, Type: 'DATA_DELAY', ClientToken: 'before-restart' }));
    const gone = await shared();
    await provider.send(new DeleteDataGrantCommand({ DataGrantId: gone.grantId }));
    const delivered = eventsAbout(entitledId);

    // Act
    await stop();
    await start();

    // Assert
    const revision = await provider.send(new GetRevisionCommand({ DataSetId: source, RevisionId: revisionId }));
    expect(revision).toMatchObject({ Revoked: true, RevocationComment: COMMENT });
    expect(await provider.send(new GetDataGrantCommand({ DataGrantId: grantId }))).toMatchObject({ AcceptanceState: 'ACCEPTED' });
    await expectRefused(provider.send(new GetDataGrantCommand({ DataGrantId: gone.grantId })), ResourceNotFoundException, gone.grantId);
    await expectRefused(subscriber.send(new GetDataSetCommand({ DataSetId: gone.entitledId })), ResourceNotFoundException, gone.entitledId);
    expect(eventsAbout(entitledId)).toEqual(delivered);
    expect(eventsAbout(gone.entitledId).map((event) => event['detail-type'])).toEqual(['Data Grant Revoked']);
    await provider.send(new SendDataSetNotificationCommand({ DataSetId: source, Type: 'DATA_DELAY', ClientToken: 'before-restart' }));
    expect(eventsAbout(entitledId)).toHaveLength(2);
  });
});
