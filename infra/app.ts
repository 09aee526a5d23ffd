import { buildApp } from './build-app';
import { ConfigurationError } from './configuration-error';

try {
  buildApp().app.synth();
} catch (error) {
  // A setting's error says which key and why: a stack trace and the ZodError under it would bury that sentence.
  if (!(error instanceof ConfigurationError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
