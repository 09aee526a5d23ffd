import { DataExchangeClient } from '@aws-sdk/client-dataexchange';
import { type ClientOptions, commonClientConfig } from './options';

export function createDataExchangeClient(options: ClientOptions = {}): DataExchangeClient {
  return new DataExchangeClient(commonClientConfig(options, 'AWS_ENDPOINT_URL_DATAEXCHANGE'));
}
