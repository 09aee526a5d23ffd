import { statSync } from 'node:fs';
import * as path from 'node:path';
import { PROVIDER_ACCOUNT } from '../sandbox/accounts';
import { DataExchangeStore, revisionPartOf } from '../sandbox/dataexchange/store';
import { PartedStateFile, StateFile, writeFileAtomic } from '../sandbox/persist';
import { withTempDir } from './scratch';

/*
 * What saving the Data Exchange emulator's state costs as the account ages, done against the store (no HTTP, no
 * publish runs), so that it takes seconds. `whole` saves as sandboxes did before the parts (the whole state in one
 * file, on every save, every asset in memory); `parted` as the emulator does now (the changed revision's part and the
 * index; a published revision's assets only in its part once saved).
 *
 *   npx tsx bench/dataexchange-state.ts sizes        bytes written and time per save of one change, at 1,000 / 10,000 / 20,000 assets
 *   node --expose-gc --import tsx bench/dataexchange-state.ts rss <mode>
 *                                                    heap and RSS after 20 publishes of 1,000 assets, saving after each import job
 *
 * A publish here is what the workflow does to the store: a revision, ten import jobs of 100 assets (each created,
 * started and completed), and the revision finalized.
 */

type Mode = 'whole' | 'parted';

const JOBS_PER_REVISION = 10;
const ASSETS_PER_JOB = 100;
const CHANGES_MEASURED = 5;

/** A store that saves in `mode` under `directory`, counting the bytes each save writes. */
function savedStore(mode: Mode, directory: string) {
  const file = path.join(directory, 'dataexchange.json');
  let written = 0;
  const count = (data: string) => {
    written += Buffer.byteLength(data);
    return data;
  };
  const parted = new PartedStateFile(file, undefined, () => store.changes(), 250, (target, data) => writeFileAtomic(target, count(data)));
  const saves = mode === 'whole' ? new StateFile(file, () => count(JSON.stringify(store.snapshot())), 250) : parted;
  const readPart = mode === 'whole' ? undefined : (key: string) => parted.readPartSync(key, revisionPartOf);
  const store: DataExchangeStore = new DataExchangeStore(() => saves.changed(), undefined, undefined, readPart);
  return {
    file,
    store,
    account: store.account(PROVIDER_ACCOUNT.accountId),
    /** Saves now; the bytes that save wrote. */
    flush: async () => {
      written = 0;
      await saves.flush();
      return written;
    },
  };
}

type Saved = ReturnType<typeof savedStore>;

async function publish(saved: Saved, dataSetId: string, firstAsset: number, flushEachJob: boolean): Promise<void> {
  const { account } = saved;
  const revision = account.createRevision(dataSetId, {});
  for (let j = 0; j < JOBS_PER_REVISION; j += 1) {
    const base = firstAsset + j * ASSETS_PER_JOB;
    const sources = Array.from({ length: ASSETS_PER_JOB }, (_, i) => ({ Bucket: 'source-bucket', Key: `daily/part-${String(base + i).padStart(6, '0')}.csv` }));
    const job = account.createImportJob({ DataSetId: dataSetId, RevisionId: revision.Id, AssetSources: sources });
    account.startJob(job.Id, () => undefined);
    account.completeImport(job, sources.map((source, i) => ({ id: (base + i).toString(16).padStart(32, '0'), name: source.Key, size: 1024 })));
    if (flushEachJob) await saved.flush();
  }
  account.updateRevision(dataSetId, revision.Id, { Finalized: true });
  await saved.flush();
}

const ASSETS_PER_PUBLISH = JOBS_PER_REVISION * ASSETS_PER_JOB;

/** The median bytes and milliseconds of saving one change to an open revision, at each size. */
async function sizes(mode: Mode, directory: string): Promise<void> {
  const saved = savedStore(mode, directory);
  const dataSet = saved.account.createDataSet({ Name: 'bench', Description: 'bench', AssetType: 'S3_SNAPSHOT' });
  let assets = 0;
  for (const size of [1_000, 10_000, 20_000]) {
    for (; assets < size; assets += ASSETS_PER_PUBLISH) await publish(saved, dataSet.Id, assets, false);
    const open = saved.account.createRevision(dataSet.Id, {});
    await saved.flush();
    const samples: { bytes: number; ms: number }[] = [];
    for (let k = 0; k < CHANGES_MEASURED; k += 1) {
      saved.account.updateRevision(dataSet.Id, open.Id, { Comment: `change ${k}` });
      const started = performance.now();
      const bytes = await saved.flush();
      samples.push({ bytes, ms: performance.now() - started });
    }
    samples.sort((a, b) => a.ms - b.ms);
    const median = samples[Math.floor(CHANGES_MEASURED / 2)];
    console.log(JSON.stringify({ mode, assets, bytesPerChange: median.bytes, medianSaveMs: Number(median.ms.toFixed(1)), stateFileBytes: statSync(saved.file).size }));
    saved.account.deleteRevision(dataSet.Id, open.Id);
  }
}

const PUBLISHES_MEASURED = 20;

/** The heap in use after a full collection: what the state keeps, not the garbage of the last save. Needs `node --expose-gc`. */
function heapKept(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

async function rss(mode: Mode, directory: string): Promise<void> {
  const saved = savedStore(mode, directory);
  const dataSet = saved.account.createDataSet({ Name: 'bench', Description: 'bench', AssetType: 'S3_SNAPSHOT' });
  const before = heapKept();
  for (let run = 0; run < PUBLISHES_MEASURED; run += 1) await publish(saved, dataSet.Id, run * ASSETS_PER_PUBLISH, true);
  const after = heapKept();
  const mib = (value: number) => Number((value / 2 ** 20).toFixed(1));
  console.log(
    JSON.stringify({
      mode,
      publishes: PUBLISHES_MEASURED,
      assets: PUBLISHES_MEASURED * ASSETS_PER_PUBLISH,
      assetsInMemory: saved.store.assetsInMemory(),
      jobSourcesInMemory: saved.store.jobSourcesInMemory(),
      heapUsedMiB: mib(after),
      heapGrowthMiB: mib(after - before),
      rssMiB: mib(process.memoryUsage().rss),
    }),
  );
}

async function main(): Promise<void> {
  const [what, mode] = process.argv.slice(2);
  if (what === 'rss' && (mode === 'whole' || mode === 'parted')) {
    await withTempDir('dataexchange-state', (directory) => rss(mode, directory));
  } else if (what === 'sizes') {
    for (const each of ['whole', 'parted'] as const) await withTempDir('dataexchange-state', (directory) => sizes(each, directory));
  } else {
    throw new Error('Usage: npx tsx bench/dataexchange-state.ts sizes | rss whole | rss parted');
  }
}

void main();
