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

function common(options: ClientOptions) {
  return {
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
    endpoint: options.endpoint,
    maxAttempts: options.maxAttempts ?? SDK_MAX_ATTEMPTS,
  };
}

export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const customEndpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new S3Client({
    ...common(options),
    // An emulator on 127.0.0.1 has no per-bucket host names.
    forcePathStyle: customEndpoint !== undefined,
    ...(options.checksums && {
      requestChecksumCalculation: options.checksums,
      responseChecksumValidation: options.checksums,
    }),
  });
}

export function createDataExchangeClient(options: ClientOptions = {}): DataExchangeClient {
  return new DataExchangeClient(common(options));
}

export function createSnsClient(options: ClientOptions = {}): SNSClient {
  return new SNSClient(common(options));
}
