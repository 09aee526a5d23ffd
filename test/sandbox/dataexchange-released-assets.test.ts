import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROVIDER_ACCOUNT, SUBSCRIBER_ACCOUNT } from '../../sandbox/accounts';
import { type AccountState, DataExchangeStore, revisionPartOf, snapshotOfSaved } from '../../sandbox/dataexchange/store';
import type { JobRecord } from '../../sandbox/dataexchange/model';
import { partKey } from '../../sandbox/dataexchange/store/saved-state';
import { DamagedStateFileError, type FileWriter, loadPartedState, PartedStateFile, writeFileAtomic } from '../../sandbox/persist';
import { importedRevision } from './dataexchange-store-harness';

/*
 * Once a save has committed a published revision's part, its assets leave memory and are read back from the part
 * when asked for: the store's memory grows with the revisions in use, not with every revision published. What is
 * read back is what was in memory, in the same order; a change to such a revision reads its assets back first.
 */

describe('a published revision’s assets once saved', () => {
  let directory: string;
  let stateFile: string;
  /** Runs once, in place of the next file write. */
  let nextWrite: FileWriter | undefined;
  /** The part keys the store read back, in order. */
  let partsRead: string[];

  const writer: FileWriter = async (file, data) => {
    const write = nextWrite ?? writeFileAtomic;
    nextWrite = undefined;
    await write(file, data);
  };

  /** A store saved in parts to `stateFile`, reading released assets back from them, as the emulator's is. */
  const savedStore = () => {
    const saves: PartedStateFile = new PartedStateFile(stateFile, undefined, () => store.changes(), 60_000, writer);
    const store = new DataExchangeStore(() => saves.changed(), undefined, undefined, (key) => {
      partsRead.push(key);
      return saves.readPartSync(key, revisionPartOf);
    });
    const provider = store.account(PROVIDER_ACCOUNT.accountId);
    const dataSet = provider.createDataSet({ Name: 'sales', Description: 'daily', AssetType: 'S3_SNAPSHOT' });
    /** A finalized revision with three assets, listed as they were in memory. */
    const publish = (names = ['b.csv', 'a.csv', 'c.csv']) => {
      const revision = importedRevision(provider, dataSet.Id, names);
      provider.updateRevision(dataSet.Id, revision.Id, { Finalized: true });
      return { revision, assets: structuredClone(provider.listAssets(dataSet.Id, revision.Id)) };
    };
    return { store, saves, provider, dataSet, publish };
  };

  /** The store a restarted emulator has: loaded from the saved parts, reading released data back from them. */
  const restartedStore = async () => {
    const loaded = await loadPartedState(stateFile, revisionPartOf);
    const snapshot = loaded && snapshotOfSaved(loaded.index, loaded.parts).snapshot;
    const reopened: PartedStateFile = new PartedStateFile(stateFile, loaded?.listing, () => restarted.changes(), 60_000);
    const restarted = new DataExchangeStore(() => reopened.changed(), snapshot, undefined, (key) => reopened.readPartSync(key, revisionPartOf));
    return restarted;
  };

  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-dataexchange-released-'));
    stateFile = path.join(directory, 'dataexchange.json');
    nextWrite = undefined;
    partsRead = [];
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('are held in memory no more once a save commits the part, and read back the same, in the same order', async () => {
    const { store, saves, provider, dataSet, publish } = savedStore();
    const { revision, assets } = publish();
    expect(store.assetsInMemory()).toBe(3);

    await saves.flush();

    expect(store.assetsInMemory()).toBe(0);
    expect(provider.listAssets(dataSet.Id, revision.Id)).toEqual(assets);
    expect(assets.map((asset) => asset.Name)).toEqual(['c.csv', 'b.csv', 'a.csv']);
    expect(provider.asset(dataSet.Id, revision.Id, assets[1].Id)).toEqual(assets[1]);
  });

  it('stay in memory while the revision is open, and so do its jobs’ sources, which StartImport’s retries list', async () => {
    const { store, saves, dataSet, provider } = savedStore();
    importedRevision(provider, dataSet.Id, ['open.csv']);

    await saves.flush();

    expect(store.assetsInMemory()).toBe(1);
    expect(store.jobSourcesInMemory()).toBe(1);
  });

  it('stay in memory when the revision changed after the save captured it, until a later save commits that change', async () => {
    const { store, saves, provider, dataSet, publish } = savedStore();
    const { revision } = publish();
    nextWrite = async (file, data) => {
      provider.revokeRevision(dataSet.Id, revision.Id, 'wrong figures');
      await writeFileAtomic(file, data);
    };

    await saves.flush();
    expect(store.assetsInMemory()).toBe(3);

    await saves.flush();
    expect(store.assetsInMemory()).toBe(0);
  });

  it('leave memory once a later save commits the part a failed save captured', async () => {
    const { store, saves, publish } = savedStore();
    publish();
    nextWrite = () => Promise.reject(new Error('disk full'));
    const warned = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);

    await expect(saves.flush()).rejects.toThrow('disk full');
    expect(store.assetsInMemory()).toBe(3);
    await saves.flush();

    expect(store.assetsInMemory()).toBe(0);
    warned.mockRestore();
  });

  it('are read back into memory to change: un-finalized and imported into, then published and saved again', async () => {
    const { store, saves, provider, dataSet, publish } = savedStore();
    const { revision, assets } = publish();
    await saves.flush();

    provider.updateRevision(dataSet.Id, revision.Id, { Finalized: false });
    const job = provider.createImportJob({ DataSetId: dataSet.Id, RevisionId: revision.Id, AssetSources: [{ Bucket: 'source', Key: 'bb.csv' }] });
    provider.startJob(job.Id, () => undefined);
    provider.completeImport(job, [{ id: 'f'.repeat(32), name: 'bb.csv', size: 6 }]);
    provider.updateRevision(dataSet.Id, revision.Id, { Finalized: true });
    const changed = structuredClone(provider.listAssets(dataSet.Id, revision.Id));
    await saves.flush();

    expect(changed.map((asset) => asset.Name)).toEqual(['c.csv', 'bb.csv', 'b.csv', 'a.csv']);
    expect(changed.filter((asset) => asset.Name !== 'bb.csv')).toEqual(assets);
    expect(store.assetsInMemory()).toBe(0);
    expect(provider.listAssets(dataSet.Id, revision.Id)).toEqual(changed);
  });

  it('are read back to delete one once the revision is revoked, and saved without it', async () => {
    const { store, saves, provider, dataSet, publish } = savedStore();
    const { revision, assets } = publish();
    provider.revokeRevision(dataSet.Id, revision.Id, 'wrong figures');
    await saves.flush();

    provider.deleteAsset(dataSet.Id, revision.Id, assets[0].Id);
    await saves.flush();

    expect(store.assetsInMemory()).toBe(0);
    expect(provider.listAssets(dataSet.Id, revision.Id)).toEqual(assets.slice(1));
  });

  it('are what a receiver of the data set lists, under its own data set', async () => {
    const { store, saves, provider, dataSet, publish } = savedStore();
    const { revision, assets } = publish();
    const receiver = store.account(SUBSCRIBER_ACCOUNT.accountId);
    const grant = provider.createDataGrant({ Name: 'to the receiver', GrantDistributionScope: 'NONE', ReceiverPrincipal: receiver.accountId, SourceDataSetId: dataSet.Id });
    const entitled = receiver.acceptDataGrant(grant.Arn).DataSetId ?? '';
    await saves.flush();

    const listed = receiver.listAssets(entitled, revision.Id);

    expect(listed.map((asset) => [asset.Id, asset.DataSetId])).toEqual(assets.map((asset) => [asset.Id, entitled]));
  });

  it('go with their data set, which the save drops without reading them back', async () => {
    const { saves, provider, dataSet, publish } = savedStore();
    const { revision } = publish();
    await saves.flush();

    provider.deleteDataSet(dataSet.Id);
    await saves.flush();

    // The import job into it keeps the part, which no longer holds the revision or its assets.
    expect(saves.readPartSync(partKey(PROVIDER_ACCOUNT.accountId, revision.Id), revisionPartOf)).toMatchObject({ assets: [] });
  });

  it('keep the last few revisions read back in memory, dropping the one read least recently', async () => {
    const { store, saves, provider, dataSet, publish } = savedStore();
    const [first, ...others] = Array.from({ length: 5 }, () => publish().revision);
    await saves.flush();
    const list = (revisionId: string) => provider.listAssets(dataSet.Id, revisionId);

    [first, ...others.slice(0, 3), first, others[3]].forEach((revision) => list(revision.Id));
    list(first.Id);
    list(others[0].Id);

    expect(store.assetsInMemory()).toBe(4 * 3);
    expect(partsRead).toEqual([first, ...others, others[0]].map((revision) => partKey(PROVIDER_ACCOUNT.accountId, revision.Id)));
  });

  it('leave memory as soon as a state loaded from its parts is known to be on disk', async () => {
    const { saves, publish } = savedStore();
    const { revision, assets } = publish();
    await saves.flush();
    const restarted = await restartedStore();
    expect(restarted.assetsInMemory()).toBe(3);

    restarted.loadedFromParts();

    expect(restarted.assetsInMemory()).toBe(0);
    expect(restarted.account(PROVIDER_ACCOUNT.accountId).listAssets(revision.DataSetId, revision.Id)).toEqual(assets);
  });

  it.each([
    ['cut short', (part: string) => writeFileSync(part, '{"assets":['), 'not valid JSON'],
    ['gone', (part: string) => rmSync(part), 'it is missing'],
  ])('are read from a part found %s as an error naming the part', async (_, damage, reason) => {
    const { saves, provider, dataSet, publish } = savedStore();
    const { revision } = publish();
    await saves.flush();
    const folder = path.join(directory, 'dataexchange');
    const part = path.join(folder, readdirSync(folder).find((name) => name.startsWith(partKey(PROVIDER_ACCOUNT.accountId, revision.Id))) ?? '');
    damage(part);

    expect(() => provider.listAssets(dataSet.Id, revision.Id)).toThrow(DamagedStateFileError);
    expect(() => provider.listAssets(dataSet.Id, revision.Id)).toThrow(`The sandbox file ${part} is damaged (${reason}`);
  });

  describe('and its import jobs’ sources', () => {
    /** The revision's jobs as GetJob's and ListJobs' JSON holds them. */
    const jobsJson = (account: AccountState, revisionId: string) =>
      account.listJobs({ revisionId }).map((job) => JSON.parse(JSON.stringify(account.job(job.Id))) as JobRecord);

    it('leave memory with its assets, and GetJob and ListJobs answer the same sources, read back', async () => {
      const { store, saves, provider, publish } = savedStore();
      const { revision } = publish();
      const before = jobsJson(provider, revision.Id);
      expect(store.jobSourcesInMemory()).toBe(3);

      await saves.flush();

      expect(store.jobSourcesInMemory()).toBe(0);
      expect(jobsJson(provider, revision.Id)).toEqual(before);
      expect(before[0].Details).toMatchObject({ ImportAssetsFromS3: { AssetSources: [{ Key: 'b.csv' }, { Key: 'a.csv' }, { Key: 'c.csv' }] } });
    });

    it('are saved again, read back, when the revision’s part is rewritten', async () => {
      const { store, saves, provider, dataSet, publish } = savedStore();
      const { revision } = publish();
      const before = jobsJson(provider, revision.Id);
      await saves.flush();

      provider.updateRevision(dataSet.Id, revision.Id, { Finalized: false });
      await saves.flush();

      const part = saves.readPartSync(partKey(PROVIDER_ACCOUNT.accountId, revision.Id), revisionPartOf);
      expect(part?.jobs.map((job) => job.record)).toEqual(before);
      expect(store.jobSourcesInMemory()).toBe(0);
    });

    it('leave memory as soon as a state loaded from its parts is known to be on disk', async () => {
      const { saves, provider, publish } = savedStore();
      const { revision } = publish();
      const before = jobsJson(provider, revision.Id);
      await saves.flush();
      const restarted = await restartedStore();
      expect(restarted.jobSourcesInMemory()).toBe(3);

      restarted.loadedFromParts();

      expect(restarted.jobSourcesInMemory()).toBe(0);
      expect(jobsJson(restarted.account(PROVIDER_ACCOUNT.accountId), revision.Id)).toEqual(before);
    });
  });
});
