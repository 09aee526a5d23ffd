import type { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildApp } from '../../infra/build-app';
import type { DataExchangeStack } from '../../infra/data-exchange-stack';

export interface Synthesized {
  readonly app: App;
  readonly stack: DataExchangeStack;
  readonly template: Template;
}

/**
 * The provider stack as infra/app.ts builds it, from the given CDK context only: the host's DX_FLOW_* variables
 * never leak in. Bundling is skipped unless asked for, which keeps a synth to a couple of seconds.
 */
export function synthStack(context: Record<string, unknown> = {}, options: { bundle?: boolean } = {}): Synthesized {
  const { app, stack } = buildApp({ context, env: {}, bundle: options.bundle === true, nag: false });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The logical id of an L2 construct's CloudFormation resource, for Ref and Fn::GetAtt matchers. */
export function logicalIdOf(stack: Stack, construct: IConstruct): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnElement);
}
