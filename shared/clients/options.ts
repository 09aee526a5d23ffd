/*
 * What every client factory shares. Each service's factory has its own module, so that a task's bundle holds
 * only the SDK clients it uses.
 */

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

/**
 * An explicit endpoint, or the service's AWS_ENDPOINT_URL_* variable read at each request, so that clients
 * made once per module still reach a local sandbox that restarted on other ports. Undefined means AWS.
 */
export function endpointOf(options: ClientOptions, serviceVariable: string) {
  if (options.endpoint !== undefined) return options.endpoint;
  const fromEnv = () => process.env[serviceVariable] ?? process.env.AWS_ENDPOINT_URL;
  if (fromEnv() === undefined) return undefined;
  return async () => ({ url: new URL(fromEnv() ?? '') });
}

export function commonClientConfig(options: ClientOptions, serviceVariable: string) {
  return {
    region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
    endpoint: endpointOf(options, serviceVariable),
    maxAttempts: options.maxAttempts ?? SDK_MAX_ATTEMPTS,
  };
}
