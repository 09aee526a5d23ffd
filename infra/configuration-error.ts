/**
 * A setting the app cannot deploy: a bad context value or environment variable, or construct props that do not
 * fit together. Its message is the whole story (which key, and why), so `cdk synth` prints it alone, without a
 * stack trace (infra/app.ts).
 */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}
