import { S3Client } from '@aws-sdk/client-s3';
import { type ClientOptions, commonClientConfig, endpointOf } from './options';

export interface S3ClientOptions extends ClientOptions {
  /**
   * `WHEN_REQUIRED` keeps streamed uploads out of aws-chunked encoding, which some S3 emulators store verbatim.
   * @default AWS_REQUEST_CHECKSUM_CALCULATION from the environment, else the SDK's WHEN_SUPPORTED
   */
  readonly checksums?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
}

export function createS3Client(options: S3ClientOptions = {}): S3Client {
  const endpoint = endpointOf(options, 'AWS_ENDPOINT_URL_S3');
  return new S3Client({
    ...commonClientConfig(options, 'AWS_ENDPOINT_URL_S3'),
    // An emulator on 127.0.0.1 has no per-bucket host names.
    forcePathStyle: endpoint !== undefined,
    ...(options.checksums && {
      requestChecksumCalculation: options.checksums,
      responseChecksumValidation: options.checksums,
    }),
  });
}
