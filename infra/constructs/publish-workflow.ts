import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from './nag';
import {
  buildImportBatchDefinition,
  buildPublishRevisionDefinition,
  STATE_MACHINE_TIMEOUT,
  type WorkflowTaskName,
} from '../../workflows/publish-revision';
import { TASK_OF_STATE } from '../../workflows/state-names';

export interface PublishWorkflowProps {
  readonly functions: Readonly<Record<WorkflowTaskName, IFunction>>;
  /**
   * Names the state machines `dx-flow-publish-<suffix>` and `dx-flow-import-batch-<suffix>`, and their log group
   * `/aws/vendedlogs/states/dx-flow-publish-<suffix>`, one per deployed environment. The names are fixed because a
   * run of several parts starts the publish state machine from itself, and a role cannot name its own state
   * machine's generated ARN without a dependency cycle.
   */
  readonly nameSuffix: string;
  /** @default 10 */
  readonly mapMaxConcurrency?: number;
  /** @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.DESTROY */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The tasks whose functions a definition's Lambda states invoke: what CDK grants the state machine's role
 * `lambda:InvokeFunction` on. Both definitions keep their Lambda states outside any Map or Parallel; a Lambda
 * state moved into one goes unlisted here, and its grant's cdk-nag finding then stops synth.
 */
function tasksInvokedBy(definition: sfn.IChainable): WorkflowTaskName[] {
  return sfn.State.findReachableStates(definition.startState, { includeErrorHandlers: true })
    .filter((state) => state instanceof tasks.LambdaInvoke)
    .map((state) => {
      const task = (TASK_OF_STATE as Readonly<Record<string, WorkflowTaskName>>)[state.stateId];
      if (task === undefined) throw new Error(`Lambda state ${state.stateId} is not in TASK_OF_STATE, so no task function is known for it`);
      return task;
    });
}

/**
 * The Standard state machine that publishes one revision per run, and the one it runs and waits for per batch,
 * both with full execution logs and X-Ray, each role allowed to invoke only the functions its own states invoke.
 */
export class PublishWorkflow extends Construct {
  public readonly stateMachine: sfn.StateMachine;
  /** Imports one batch; the publish state machine waits for one execution of it per batch. */
  public readonly importBatchStateMachine: sfn.StateMachine;
  /** `dx-flow-publish-<suffix>`. */
  public readonly stateMachineName: string;
  /** `dx-flow-import-batch-<suffix>`. */
  public readonly importBatchStateMachineName: string;
  /** One log group for both state machines. */
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PublishWorkflowProps) {
    super(scope, id);
    this.stateMachineName = `dx-flow-publish-${props.nameSuffix}`;
    this.importBatchStateMachineName = `dx-flow-import-batch-${props.nameSuffix}`;
    // Under /aws/vendedlogs/ the log group's resource policy stays small however many state machines log to it.
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/vendedlogs/states/${this.stateMachineName}`,
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.DESTROY,
    });

    const logging = { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true };
    const importBatchDefinition = buildImportBatchDefinition(this, { functions: props.functions });
    this.importBatchStateMachine = new sfn.StateMachine(this, 'ImportBatchStateMachine', {
      stateMachineName: this.importBatchStateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(importBatchDefinition),
      timeout: STATE_MACHINE_TIMEOUT,
      tracingEnabled: true,
      logs: logging,
    });

    const publishDefinition = buildPublishRevisionDefinition(this, {
      functions: props.functions,
      self: sfn.StateMachine.fromStateMachineName(this, 'Self', this.stateMachineName),
      importBatch: this.importBatchStateMachine,
      mapMaxConcurrency: props.mapMaxConcurrency,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: this.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(publishDefinition),
      timeout: STATE_MACHINE_TIMEOUT,
      tracingEnabled: true,
      logs: logging,
    });

    for (const [stateMachine, definition] of [
      [this.importBatchStateMachine, importBatchDefinition],
      [this.stateMachine, publishDefinition],
    ] as const) {
      Validations.of(stateMachine.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'Step Functions logging and X-Ray: the logs:*LogDelivery* and xray:* actions CDK grants support no resource-level permissions.',
      });
      acknowledgeWildcardResources(
        stateMachine,
        tasksInvokedBy(definition).map((task) => `${props.functions[task].functionArn}:*`),
        "CDK's LambdaInvoke grants each function this state machine's states invoke, and its versions and aliases (`<arn>:*`); no other function.",
      );
    }
    // The ImportBatch state's .sync integration also gets events:PutTargets, PutRule and DescribeRule on the managed
    // rule StepFunctionsGetEventsForStepFunctionsExecutionRule, through which Step Functions learns that a child
    // execution ended; that ARN names one rule, so cdk-nag finds nothing there to acknowledge.
    acknowledgeWildcardResources(
      this.stateMachine,
      [this.syncExecutionsArn(this.importBatchStateMachine)],
      'ImportBatch (startExecution.sync:2) describes and stops the batch executions it starts, named per run and batch; ' +
        'CDK renders the grant as `execution:<import-batch name>*`: its executions, and those of any state machine whose name starts with that name.',
    );
  }

  /**
   * Lets a reader of the publish executions (the status-change notifier) describe them and read their histories:
   * exactly `states:DescribeExecution` and `states:GetExecutionHistory`, on this state machine's executions only.
   */
  public grantReadExecutions(grantee: iam.IGrantable): void {
    const executions = Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachineName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    iam.Grant.addToPrincipal({ grantee, actions: ['states:DescribeExecution', 'states:GetExecutionHistory'], resourceArns: [executions] });
    acknowledgeWildcardResources(
      grantee,
      [executions],
      `Execution names are made per run (a runId, a part, a redrive); the grant names the executions of ${this.stateMachineName} only.`,
    );
  }

  /**
   * The executions resource CDK's StepFunctionsStartExecution grants DescribeExecution and StopExecution on for the
   * RUN_JOB pattern, built from the same tokens so that its cdk-nag finding id matches.
   */
  private syncExecutionsArn(stateMachine: sfn.IStateMachine): string {
    const stack = Stack.of(this);
    return stack.formatArn({
      service: 'states',
      resource: 'execution',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      resourceName: `${stack.splitArn(stateMachine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName}*`,
    });
  }
}
