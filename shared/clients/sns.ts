import { SNSClient } from '@aws-sdk/client-sns';
import { type ClientOptions, commonClientConfig } from './options';

export function createSnsClient(options: ClientOptions = {}): SNSClient {
  return new SNSClient(commonClientConfig(options, 'AWS_ENDPOINT_URL_SNS'));
}
