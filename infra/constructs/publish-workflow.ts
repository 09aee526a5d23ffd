import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from './nag';
import { buildPublishRevisionDefinition, STATE_MACHINE_TIMEOUT, type WorkflowTaskName } from '../../workflows/publish-revision';

export interface PublishWorkflowProps {
  readonly functions: Readonly<Record<WorkflowTaskName, IFunction>>;
  /**
   * Names the state machine `dx-flow-publish-<suffix>` and its log group `/aws/vendedlogs/states/dx-flow-publish-<suffix>`,
   * one per deployed environment. The name is fixed because a run of several parts starts the state machine
   * from itself, and a role cannot name its own state machine's generated ARN without a dependency cycle.
   */
  readonly nameSuffix: string;
  /** @default 10 */
  readonly mapMaxConcurrency?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/** The Standard state machine that publishes one revision per run, with full execution logs and X-Ray. */
export class PublishWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PublishWorkflowProps) {
    super(scope, id);
    const name = `dx-flow-publish-${props.nameSuffix}`;
    // Under /aws/vendedlogs/ the log group's resource policy stays small however many state machines log to it.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${name}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: name,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        buildPublishRevisionDefinition(this, {
          functions: props.functions,
          self: sfn.StateMachine.fromStateMachineName(this, 'Self', name),
          mapMaxConcurrency: props.mapMaxConcurrency,
        }),
      ),
      timeout: STATE_MACHINE_TIMEOUT,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Step Functions logging and X-Ray: the logs:*LogDelivery* and xray:* actions CDK grants support no resource-level permissions.',
    });
    acknowledgeWildcardResources(
      this.stateMachine,
      Object.values<IFunction>(props.functions).map((fn) => `${fn.functionArn}:*`),
      'CDK\'s LambdaInvoke grants each task function and its versions and aliases (`<arn>:*`); nothing else is invocable.',
    );
  }
}
