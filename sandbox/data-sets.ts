import { CreateDataSetCommand, GetDataSetCommand } from '@aws-sdk/client-dataexchange';
import { type DataSetConfig, loadConfig } from '../infra/config';
import { createDataExchangeClient } from '../shared/clients/dataexchange';
import { DEFAULT_DATA_SET_NAME } from '../shared/schemas/data-sets';

/*
 * The sandbox's data sets: the ones the app's `dataSets` setting (or config file) lists, or the one named "default".
 * They are read by the app's own config reader, so the sandbox refuses what synth would refuse, before it makes
 * anything; their ids are the sandbox's own, since an id in a config file is a real account's.
 */

/** One data set's settings as the app's `dataSets` context takes them, but for `datasetId`: the sandbox makes its own. */
export type SandboxDataSetSettings = Partial<Omit<DataSetConfig, 'name' | 'datasetId'>>;

/** A data set the sandbox publishes to: the app's settings for it, with its defaults filled in, and no id yet. */
export type SandboxDataSetConfig = Omit<DataSetConfig, 'datasetId'>;

export interface SandboxDataSetsOptions {
  /** Several data sets, by name, the default first. @default one data set named "default", publishing the sample data daily */
  readonly dataSets?: Readonly<Record<string, SandboxDataSetSettings>>;
  /** A file as the app's `configFile` reads it, `{ "dataSets": {...} }`; its `datasetId`s are ignored. @default none */
  readonly configFile?: string;
}

/** The data sets the sandbox's options list, validated as synth validates them, the default first. */
export function sandboxDataSets(options: SandboxDataSetsOptions): SandboxDataSetConfig[] {
  if (options.dataSets !== undefined && options.configFile !== undefined) {
    throw new Error('SandboxOptions: give dataSets or configFile, not both; each lists every data set');
  }
  for (const [name, settings] of Object.entries(options.dataSets ?? {})) {
    if ('datasetId' in settings) throw new Error(`SandboxOptions.dataSets "${name}": leave datasetId out; the sandbox creates its own data sets`);
  }
  const context: Readonly<Record<string, unknown>> = { dataSets: options.dataSets, configFile: options.configFile };
  // No environment: the sandbox reads no DX_FLOW_* variable, so a shell set up for `cdk deploy` changes nothing here.
  return loadConfig((key) => context[key], {}).dataSets.map(({ datasetId: _realAccountId, ...dataSet }) => dataSet);
}

/**
 * Each named data set's id, the default first: the one this directory made under that name, if the emulator still
 * has it, else a new data set's.
 */
export async function ensureDataSets(names: readonly string[], known: Readonly<Record<string, string>>): Promise<Record<string, string>> {
  const dataExchange = createDataExchangeClient({ maxAttempts: 1 });
  const ids: Record<string, string> = {};
  for (const name of names) {
    const knownId = known[name];
    const found = knownId === undefined ? undefined : await dataExchange.send(new GetDataSetCommand({ DataSetId: knownId })).catch(() => undefined);
    if (found !== undefined && knownId !== undefined) {
      ids[name] = knownId;
      continue;
    }
    const suffix = name === DEFAULT_DATA_SET_NAME ? '' : ` "${name}"`;
    const created = await dataExchange.send(
      new CreateDataSetCommand({ AssetType: 'S3_SNAPSHOT', Name: `dx-flow sandbox data set${suffix}`, Description: `The data set${suffix} the local sandbox publishes to` }),
    );
    if (created.Id === undefined) throw new Error(`The sandbox data set "${name}" was created without an id`);
    ids[name] = created.Id;
  }
  return ids;
}
