import { S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROVIDER_ACCOUNT, SANDBOX_REGION, SUBSCRIBER_ACCOUNT } from '../../sandbox/accounts';
import { startDataExchangeEmulator } from '../../sandbox/dataexchange/server';
import { DataExchangeStore, revisionPartOf, snapshotOfSaved, type StoreSnapshot } from '../../sandbox/dataexchange/store';
import { partKey } from '../../sandbox/dataexchange/store/saved-state';
import { FaultInjector } from '../../sandbox/faults';
import { DamagedStateFileError, loadPartedState, PartedStateFile, writeFileAtomic } from '../../sandbox/persist';
import { importedRevision } from './dataexchange-store-harness';

/*
 * The Data Exchange state as saved: an index and a part per revision. A change to one revision writes that
 * revision's part and the index, and nothing of the other revisions; a restart reads back exactly the state that was
 * saved; a state an older sandbox saved whole loads and is saved in parts; a damaged part stops the start naming it.
 */

/**
 * A provider with a published revision, an open one with a job waiting to import into it, an export of the first, one
 * deleted after its import (its job stays) and an empty one; a receiver that accepted a grant, with an event action
 * whose export job targets the provider's published revision.
 */
function buildState(store: DataExchangeStore) {
  const provider = store.account(PROVIDER_ACCOUNT.accountId);
  const receiver = store.account(SUBSCRIBER_ACCOUNT.accountId);
  const dataSet = provider.createDataSet({ Name: 'sales', Description: 'daily', AssetType: 'S3_SNAPSHOT', Tags: { team: 'data' } });
  const published = importedRevision(provider, dataSet.Id, ['b.csv', 'a.csv', 'c.csv'], 'published');
  provider.updateRevision(dataSet.Id, published.Id, { Finalized: true });
  const open = importedRevision(provider, dataSet.Id, ['z.csv'], 'open');
  // A job that lands in an older revision's part: the parts alone do not say the jobs' order.
  provider.createExportJob({ DataSetId: dataSet.Id, RevisionDestinations: [{ Bucket: 'copies', RevisionId: published.Id }] });
  const dropped = importedRevision(provider, dataSet.Id, ['dropped.csv']);
  provider.deleteRevision(dataSet.Id, dropped.Id);
  const grant = provider.createDataGrant({ Name: 'to the receiver', GrantDistributionScope: 'NONE', ReceiverPrincipal: receiver.accountId, SourceDataSetId: dataSet.Id });
  const entitled = receiver.acceptDataGrant(grant.Arn);
  receiver.createEventAction({
    Action: { ExportRevisionToS3: { RevisionDestination: { Bucket: 'receiver-bucket' } } },
    Event: { RevisionPublished: { DataSetId: entitled.DataSetId ?? '' } },
  });
  for (const started of provider.revisionPublished(dataSet.Id, published.Id)) started.account.completeExport(started.job);
  provider.createRevision(dataSet.Id, { Comment: 'empty' });
  const waiting = provider.createImportJob({ DataSetId: dataSet.Id, RevisionId: open.Id, AssetSources: [{ Bucket: 'source', Key: 'later.csv' }] });
  const [openAsset] = provider.listAssets(dataSet.Id, open.Id);
  return { provider, dataSet, published, open, openAsset: openAsset.Id, waitingJob: waiting.Id };
}

type Fixture = ReturnType<typeof buildState>;

describe('the Data Exchange state as saved', () => {
  let directory: string;
  let stateFile: string;
  let written: string[];

  const recordingWriter = async (file: string, data: string) => {
    written.push(path.relative(directory, file));
    await writeFileAtomic(file, data);
  };
  /** A store saved to `stateFile` with the emulator's parts, and what its saves write recorded in `written`. */
  const savedStore = () => {
    const store: DataExchangeStore = new DataExchangeStore(() => saves.changed());
    const saves = new PartedStateFile(stateFile, undefined, () => store.changes(), 60_000, recordingWriter);
    return { store, saves };
  };
  const readBack = async (): Promise<StoreSnapshot | undefined> => {
    const loaded = await loadPartedState(stateFile, revisionPartOf);
    return loaded && snapshotOfSaved(loaded.index, loaded.parts).snapshot;
  };
  const partFile = (revisionId: string) => new RegExp(`^dataexchange/${partKey(PROVIDER_ACCOUNT.accountId, revisionId).replace('.', '\\.')}\\.\\d+\\.json$`);

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-dataexchange-saved-'));
    stateFile = path.join(directory, 'dataexchange.json');
    written = [];
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('writes, for a change to one revision, that revision’s part and the index, and nothing of the others', async () => {
    const { store, saves } = savedStore();
    const { provider, dataSet, open } = buildState(store);
    await saves.flush();
    written = [];

    provider.updateRevision(dataSet.Id, open.Id, { Comment: 'renamed' });
    await saves.flush();

    expect(written).toEqual([expect.stringMatching(partFile(open.Id)), 'dataexchange.json']);
  });

  it.each([
    ['revoking', (f: Fixture) => f.provider.revokeRevision(f.dataSet.Id, f.published.Id, 'wrong figures').Id],
    ['deleting', (f: Fixture) => {
      f.provider.deleteRevision(f.dataSet.Id, f.open.Id);
      return f.open.Id;
    }],
    ['renaming an asset of', (f: Fixture) => f.provider.updateAsset(f.dataSet.Id, f.open.Id, f.openAsset, 'y.csv').RevisionId],
    ['deleting an asset of', (f: Fixture) => {
      f.provider.deleteAsset(f.dataSet.Id, f.open.Id, f.openAsset);
      return f.open.Id;
    }],
    ['cancelling a job into', (f: Fixture) => {
      f.provider.cancelJob(f.waitingJob);
      return f.open.Id;
    }],
  ])('writes, for %s a revision, that revision’s part and the index', async (_, act) => {
    const { store, saves } = savedStore();
    const fixture = buildState(store);
    await saves.flush();
    written = [];

    const revisionId = act(fixture);
    await saves.flush();

    expect(written).toEqual([expect.stringMatching(partFile(revisionId)), 'dataexchange.json']);
  });

  it('writes, for deleting a data set, the part of each of its revisions', async () => {
    const { store, saves } = savedStore();
    const { provider, open, published } = buildState(store);
    const other = provider.createDataSet({ Name: 'other', Description: 'deleted', AssetType: 'S3_SNAPSHOT' });
    const first = importedRevision(provider, other.Id, ['1.csv']);
    const second = importedRevision(provider, other.Id, ['2.csv']);
    await saves.flush();
    written = [];

    provider.deleteDataSet(other.Id);
    await saves.flush();

    expect(written).toHaveLength(3);
    expect(written).toEqual(
      expect.arrayContaining(['dataexchange.json', expect.stringMatching(partFile(first.Id)), expect.stringMatching(partFile(second.Id))]),
    );
    expect(written.some((file) => partFile(open.Id).test(file) || partFile(published.Id).test(file))).toBe(false);
  });

  it('drops the part of a revision deleted before any job targeted it', async () => {
    const { store, saves } = savedStore();
    const { provider, dataSet } = buildState(store);
    const short = provider.createRevision(dataSet.Id, {});
    await saves.flush();

    provider.deleteRevision(dataSet.Id, short.Id);
    await saves.flush();

    const index = JSON.parse(readFileSync(stateFile, 'utf8')) as { partFiles: Record<string, string> };
    expect(Object.keys(index.partFiles)).not.toContain(partKey(PROVIDER_ACCOUNT.accountId, short.Id));
    expect(readdirSync(path.join(directory, 'dataexchange')).filter((name) => name.includes(short.Id))).toEqual([]);
  });

  it('writes, for an import job, the part of the revision it imports into, which holds both the job and its assets', async () => {
    const { store, saves } = savedStore();
    const { provider, dataSet } = buildState(store);
    await saves.flush();
    written = [];

    const next = importedRevision(provider, dataSet.Id, ['n.csv']);
    await saves.flush();

    expect(written).toEqual([expect.stringMatching(partFile(next.Id)), 'dataexchange.json']);
    const part = JSON.parse(readFileSync(path.join(directory, written[0]), 'utf8')) as { assets: { Name: string }[]; jobs: unknown[] };
    expect(part.assets.map((asset) => asset.Name)).toEqual(['n.csv']);
    expect(part.jobs).toHaveLength(1);
  });

  it('reads back after a restart exactly the state that was saved', async () => {
    const { store, saves } = savedStore();
    buildState(store);
    await saves.flush();

    const saved = await readBack();

    expect(saved).toEqual(store.snapshot());
    expect(new DataExchangeStore(() => undefined, saved).snapshot()).toEqual(store.snapshot());
  });

  describe('through the emulator', () => {
    const unusedS3 = new S3Client({ endpoint: 'http://127.0.0.1:9', region: SANDBOX_REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const start = () =>
      startDataExchangeEmulator({ stateFile, assetDir: path.join(directory, 'dataexchange-assets'), faults: new FaultInjector(), s3: unusedS3 });
    afterAll(() => unusedS3.destroy());

    it('loads a state an older sandbox saved whole, and saves it in parts from then on', async () => {
      const whole = new DataExchangeStore(() => undefined);
      buildState(whole);
      const snapshot = whole.snapshot();
      // An older sandbox kept assets in the order they came, not by revision.
      const older = structuredClone(snapshot);
      older.accounts[PROVIDER_ACCOUNT.accountId].assets.reverse();
      writeFileSync(stateFile, JSON.stringify(older));

      const emulator = await start();
      await emulator.close();

      expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ format: 'dx-flow-sandbox-dataexchange/2' });
      // The provider's published, open, empty and deleted (its job's) revisions, and the receiver's export of the first.
      expect(readdirSync(path.join(directory, 'dataexchange'))).toHaveLength(5);
      await expect(readBack()).resolves.toEqual(snapshot);
    });

    it('refuses to start on a damaged part file, in one sentence naming it', async () => {
      const { store, saves } = savedStore();
      const { open } = buildState(store);
      await saves.flush();
      const damaged = path.join(directory, written.find((file) => partFile(open.Id).test(file)) ?? '');
      writeFileSync(damaged, '{"assets":[{"Id"');

      const started = start();

      await expect(started).rejects.toThrow(DamagedStateFileError);
      await expect(started).rejects.toThrow(new RegExp(`^The sandbox file ${damaged} is damaged \\(not valid JSON: [^\\n]+\\): `));
    });

    it('refuses to start on an index that lists a revision its part does not hold, naming the index', async () => {
      const { store, saves } = savedStore();
      const { open } = buildState(store);
      await saves.flush();
      const index = JSON.parse(readFileSync(stateFile, 'utf8')) as { partFiles: Record<string, string> };
      delete index.partFiles[partKey(PROVIDER_ACCOUNT.accountId, open.Id)];
      writeFileSync(stateFile, JSON.stringify(index));

      await expect(start()).rejects.toThrow(
        `The sandbox file ${stateFile} is damaged (account ${PROVIDER_ACCOUNT.accountId} lists revision ${open.Id}, whose part holds no revision)`,
      );
    });
  });
});
