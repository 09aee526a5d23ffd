import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { loadConfig } from './config';
import { DataExchangeStack } from './data-exchange-stack';

const app = new App();
new DataExchangeStack(app, 'DataExchangeStack', {
  config: loadConfig((key) => app.node.tryGetContext(key), process.env),
  description: 'dx-flow: publishes revisions to AWS Data Exchange on a schedule',
  // Environment-agnostic unless the CLI knows the account, so `cdk synth` needs no credentials.
  env:
    process.env.CDK_DEFAULT_ACCOUNT && process.env.CDK_DEFAULT_REGION
      ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
      : undefined,
});
// An unacknowledged finding stops synth, and so every deploy; test/infra/nag.test.ts asserts there are none.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
app.synth();
