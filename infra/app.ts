import { buildApp } from './build-app';
import { ConfigurationError } from './configuration-error';

try {
  buildApp().app.synth();
} catch (error) {
  // A setting's error says which key and why: a stack trace and the ZodError under it would bury that sentence.
  if (!(error instanceof ConfigurationError)) throw error;
  process.stderr.write(`${error.message}\n`);
  // Now, not at the loop's end: under the CDK CLI the app synthesizes itself before exit, and a stack built before the
  // error would add a validation report to the sentence. A pipe's writes are synchronous, so the sentence is out.
  process.exit(1);
}
