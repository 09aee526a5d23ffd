import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV_KEYS } from '../../shared/env';
import { TASKS, type TaskName, taskEntry } from '../../tasks/registry';

/** The newest Node.js runtime aws-cdk-lib knows; cdk-nag's LambdaLatestVersion checks the same list. */
export const TASK_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** esbuild's target for that runtime. */
const BUNDLE_TARGET = 'node24';

type EnvKey = (typeof ENV_KEYS)[keyof typeof ENV_KEYS];

export interface TaskFunctionProps {
  /** The registry task this function runs: entry, memory, timeout and description come from tasks/registry.ts. */
  readonly task: TaskName;
  /** Task configuration, keyed by the constants the task reads them with. @default none */
  readonly environment?: Partial<Record<EnvKey, string>>;
  /** @default a log group of its own, kept for `logRetention` */
  readonly logGroup?: logs.ILogGroup;
  /** Used only for the log group this construct creates. @default one month */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Where failed asynchronous invocations go.
   * @default none: the function is invoked synchronously by Step Functions, whose retriers and catchers see
   * every failure
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/**
 * One task Lambda with every project default in one place: the registry's memory and timeout, arm64, the newest
 * Node.js runtime, X-Ray, source maps, a retained log group, and a role of its own that starts with nothing but
 * its log group. esbuild from node_modules bundles the handler and the AWS SDK clients it imports, so the
 * deployed SDK is the one package-lock.json pins, and no Docker is needed.
 */
export class TaskFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: iam.Role;
  public readonly logGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: TaskFunctionProps) {
    super(scope, id);
    const spec = TASKS[props.task];

    this.logGroup =
      props.logGroup ??
      new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH });

    // A role of our own rather than the default: that one carries the AWSLambdaBasicExecutionRole managed policy,
    // which may write to every log group in the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `dx-flow ${props.task}`,
    });

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: taskEntry(props.task),
      handler: 'handler',
      description: spec.description,
      runtime: TASK_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      tracing: lambda.Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      deadLetterQueue: props.deadLetterQueue,
      // The task key last, so that no caller's environment can relabel the function.
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment, [ENV_KEYS.task]: props.task },
      bundling: {
        minify: true,
        sourceMap: true,
        target: BUNDLE_TARGET,
        format: nodejs.OutputFormat.CJS,
        // Bundle everything, the AWS SDK included: the runtime's own SDK version is whatever Lambda ships that day.
        externalModules: [],
        forceDockerBundling: false,
      },
    });
    this.logGroup.grantWrite(this.role);

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
    });
    if (props.deadLetterQueue === undefined) {
      Validations.of(this.function).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: 'Invoked synchronously by Step Functions: a failure is returned to the state machine, which retries or catches it; a DLQ only serves asynchronous invocations.',
      });
    }
  }
}
