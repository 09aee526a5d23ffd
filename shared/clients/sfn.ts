import { SFNClient } from '@aws-sdk/client-sfn';
import { type ClientOptions, commonClientConfig } from './options';

export function createSfnClient(options: ClientOptions = {}): SFNClient {
  return new SFNClient(commonClientConfig(options, 'AWS_ENDPOINT_URL_SFN'));
}
