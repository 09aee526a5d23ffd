import { DataExchangeClient } from '@aws-sdk/client-dataexchange';
import * as z from 'zod';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from '../../sandbox/accounts';
import { DataSetFlag, dataSetIdOf, dataSetIdsFromEnv } from '../data-set-ref';
import { CliError } from '../errors';
import { openTarget, type TargetOptions } from '../target';
import { parseFlags } from './flags';

/** The flags every command that operates a data set takes: where the data set is, and how to print. */
export interface DataSetOptions extends TargetOptions {
  /**
   * The data set, by id or by name (resolved by the sandbox's or the outputs file's ids, else DX_FLOW_DATA_SET_IDS).
   * @default the one `--outputs-file` or `--local` names as the default
   */
  readonly dataset?: string;
  readonly json?: boolean;
}

/** The provider's data set and a Data Exchange client that reaches it, on AWS or in the sandbox. */
export interface OpenDataSet {
  readonly dataExchange: DataExchangeClient;
  readonly datasetId: string;
}

/**
 * Resolves the data set as `run` resolves its target (`--outputs-file`, `--local`, or explicit ids), then
 * runs `work` with a provider's Data Exchange client: the sandbox's provider keys locally, else the default
 * credentials in the region the target names.
 */
export async function withDataSet<T>(options: DataSetOptions, work: (dataSet: OpenDataSet) => Promise<T>): Promise<T> {
  parseFlags(z.object({ '--dataset': DataSetFlag.optional() }), { '--dataset': options.dataset });
  const target = await openTarget(options);
  let dataExchange: DataExchangeClient | undefined;
  try {
    const datasetId = options.dataset === undefined ? target.datasetId : dataSetIdOf(options.dataset, target.dataSets ?? dataSetIdsFromEnv());
    if (datasetId === undefined) throw new CliError('Give --dataset, --outputs-file or --local: no data set is named.');
    dataExchange =
      target.local && target.dataExchangeEndpoint !== undefined
        ? new DataExchangeClient({
            region: SANDBOX_REGION,
            endpoint: target.dataExchangeEndpoint,
            credentials: { accessKeyId: PROVIDER_ACCOUNT.accessKeyId, secretAccessKey: PROVIDER_ACCOUNT.secretAccessKey },
          })
        : new DataExchangeClient({ region: await target.sfn.config.region() });
    return await work({ dataExchange, datasetId });
  } finally {
    dataExchange?.destroy();
    await target.close();
  }
}
