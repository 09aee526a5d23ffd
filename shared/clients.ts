import { DataExchangeClient } from '@aws-sdk/client-dataexchange';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';

/**
 * One quick in-process retry per call; the state machine's retriers own the long backoff (with jitter) for
 * TransientAwsError. Attempts on one failing call: SDK_MAX_ATTEMPTS x the state machine's attempts.
 */
export const SDK_MAX_ATTEMPTS = 2;

export interface ClientOptions {
  /** @default AWS_REGION from the environment */
  readonly region?: string;
  /** Overrides the endpoint, as the local sandbox does. @default AWS_ENDPOINT_URL_<SERVICE>, else AWS */
  readonly endpoint?: string;
  /** @default SDK_MAX_ATTEMPTS */
  readonly maxAttempts?: number;
}

export interface S3ClientOptions extends ClientOptions {
  /**
   * `WHEN_REQUIRED` keeps streamed uploads out of aws-chunked encoding, which some S3 emulators store verbatim.
   * @default AWS_REQUEST_CHECKSUM_CALCULATION from the environment, else the SDK's WHEN_SUPPORTED
   */
  readonly checksums?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
}

/**
 * An explicit endpoint, or the service's AWS_ENDPOINT_URL_* variable read at each request, so that clients
 * made once per module still reach a local sandbox that restarted on other ports. Undefined means AWS.
 */
function endpointOf(options: ClientOptions, serviceVariable: string) {
  if (options.endpoint !== undefined) return options.endpoint;
  const fromEnv = () => process.env[serviceVariable] ?? process.env.AWS_ENDPOINT_URL;
  if (fromEnv() === undefined) return undefined;
  return async () => ({ url: new URL(fromEnv() ?? '') });
}

function common(options: ClientOptions, serviceVariable: string) {
  return {
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
    endpoint: endpointOf(options, serviceVariable),
    maxAttempts: options.maxAttempts ?? SDK_MAX_ATTEMPTS,
  };
}

export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const endpoint = endpointOf(options, 'AWS_ENDPOINT_URL_S3');
  return new S3Client({
    ...common(options, 'AWS_ENDPOINT_URL_S3'),
    // An emulator on 127.0.0.1 has no per-bucket host names.
    forcePathStyle: endpoint !== undefined,
    ...(options.checksums && {
      requestChecksumCalculation: options.checksums,
      responseChecksumValidation: options.checksums,
    }),
  });
}

export function createDataExchangeClient(options: ClientOptions = {}): DataExchangeClient {
  return new DataExchangeClient(common(options, 'AWS_ENDPOINT_URL_DATAEXCHANGE'));
}

export function createSnsClient(options: ClientOptions = {}): SNSClient {
  return new SNSClient(common(options, 'AWS_ENDPOINT_URL_SNS'));
}
