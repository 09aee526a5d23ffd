import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { loadConfig } from './config';
import { DataExchangeStack } from './data-exchange-stack';
import { loadSubscriberConfig } from './subscriber-config';
import { SubscriberStack } from './subscriber-stack';

export const PROVIDER_STACK_NAME = 'DataExchangeStack';
export const SUBSCRIBER_STACK_NAME = 'SubscriberStack';

export interface BuildAppOptions {
  /** CDK context, as `-c key=value` gives it. @default none */
  readonly context?: Record<string, unknown>;
  /** Where the DX_FLOW_* fallbacks are read. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Bundle the task functions with esbuild. The sandbox and most tests run the sources instead. @default true */
  readonly bundle?: boolean;
  /** Run the cdk-nag packs at synth. @default true */
  readonly nag?: boolean;
}

/** The CDK app: `cdk synth` (through infra/app.ts), the local sandbox and the tests all build it here. */
export function buildApp(options: BuildAppOptions = {}): { app: App; stack: DataExchangeStack; subscriberStack?: SubscriberStack } {
  const context = options.bundle === false ? { ...options.context, 'aws:cdk:bundling-stacks': [] } : options.context;
  const app = new App({ context });
  const env = options.env ?? process.env;
  // Environment-agnostic unless the CLI knows the account, so `cdk synth` needs no credentials.
  const stackEnv = env.CDK_DEFAULT_ACCOUNT && env.CDK_DEFAULT_REGION ? { account: env.CDK_DEFAULT_ACCOUNT, region: env.CDK_DEFAULT_REGION } : undefined;
  const stack = new DataExchangeStack(app, PROVIDER_STACK_NAME, {
    config: loadConfig((key) => app.node.tryGetContext(key), env),
    description: 'dx-flow: publishes revisions to AWS Data Exchange on a schedule',
    env: stackEnv,
  });
  const subscriberConfig = loadSubscriberConfig((key) => app.node.tryGetContext(key));
  // Only with its own context: it is deployed in the receiving account, and the provider's app must not need it.
  const subscriberStack =
    subscriberConfig === undefined
      ? undefined
      : new SubscriberStack(app, SUBSCRIBER_STACK_NAME, {
          config: subscriberConfig,
          description: "dx-flow: the subscriber's side, which accepts a data grant and auto-exports each revision to S3",
          env: stackEnv,
        });
  // An unacknowledged finding stops synth, and so every deploy; test/infra/nag.test.ts asserts there are none.
  if (options.nag !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack, subscriberStack };
}
