import { Duration } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type * as z from 'zod';
import { ERROR_NAMES } from '../shared/errors';
import { MAX_CONCURRENT_IMPORT_JOBS } from '../shared/limits';
import {
  FinalizeRevisionOutput,
  ImportStatus,
  NotifyOutput,
  Plan,
  RevisionRef,
  ShareWithSubscribersOutput,
  UploadBatchOutput,
} from '../shared/schemas/payloads';
import type { ProviderTaskName } from '../tasks/registry';
import { STATE } from '../shared/state-names';
import { TASK_OF_STATE } from './state-names';

/** The tasks the state machines invoke; the event handlers run outside them. */
export type WorkflowTaskName = Exclude<ProviderTaskName, 'handle-exchange-event' | 'handle-status-change'>;

export interface ImportBatchDefinitionProps {
  readonly functions: Readonly<Record<WorkflowTaskName, IFunction>>;
}

export interface PublishRevisionDefinitionProps extends ImportBatchDefinitionProps {
  /** The state machine itself: a run of several parts starts it again for each part after the first. */
  readonly self: IStateMachine;
  /** The state machine that imports one batch: the publish state machine runs one execution of it per batch. */
  readonly importBatch: IStateMachine;
  /**
   * Batches uploaded and imported at once. ADX runs at most 10 import jobs per account at a time.
   * @default 10
   */
  readonly mapMaxConcurrency?: number;
}

/** A generous bound: even a 10,000-asset revision with slow imports finishes in a few hours. */
export const STATE_MACHINE_TIMEOUT = Duration.hours(24);

/**
 * The state machine retries only what can succeed on a second try. The SDK already retried each call once
 * in-process (SDK_MAX_ATTEMPTS = 2), so a call gets at most 2 x maxAttempts tries in all.
 */
export const TRANSIENT_RETRY = {
  errors: [ERROR_NAMES.transientAws, 'Lambda.TooManyRequestsException'],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.seconds(60),
  jitterStrategy: sfn.JitterType.FULL,
} as const satisfies sfn.RetryProps;

/**
 * StartImport also waits out the account-wide limit of 10 import jobs in progress, which concurrent runs
 * share: 15 attempts with delays capped at 60 s give about ten minutes for a slot to free up.
 */
export const START_IMPORT_RETRY = { ...TRANSIENT_RETRY, maxAttempts: 15 } as const satisfies sfn.RetryProps;

/**
 * `{ "a.$": "<from>.a", ... }` for every field of a schema: the state keeps exactly the fields the task returns.
 * Step Functions fails a path that points to nothing (States.Runtime), so an optional field would fail every run
 * whose task leaves it out: such a schema is refused here, at synth; a field a task may not know is nullable.
 */
export function selectFields(schema: z.ZodObject, from: string): Record<string, string> {
  const optional = Object.entries(schema.shape).find(([, field]) => (field as z.ZodType).safeParse(undefined).success);
  if (optional !== undefined) throw new Error(`selectFields: field "${optional[0]}" is optional; a task's output selected by path must always carry it (make it nullable)`);
  return Object.fromEntries(Object.keys(schema.shape).map((field) => [`${field}.$`, `${from}.${field}`]));
}

type LambdaStateName = keyof typeof TASK_OF_STATE;

interface InvokeOptions {
  readonly payload: Record<string, unknown>;
  /** The task's output schema: its fields are selected from the Lambda response, so the state holds just them. */
  readonly output: z.ZodObject;
  /** Where the task's output goes in the state. */
  readonly resultPath: string;
  readonly retry?: sfn.RetryProps;
}


function lambdaStep(scope: Construct, functions: ImportBatchDefinitionProps['functions']) {
  return (state: LambdaStateName, options: InvokeOptions): tasks.LambdaInvoke => {
    const step = new tasks.LambdaInvoke(scope, state, {
      stateName: state,
      lambdaFunction: functions[TASK_OF_STATE[state]],
      payload: sfn.TaskInput.fromObject(options.payload),
      resultSelector: selectFields(options.output, '$.Payload'),
      resultPath: options.resultPath,
    });
    step.addRetry(options.retry ?? TRANSIENT_RETRY);
    return step;
  };
}

/**
 * One batch's import, as a state machine of its own: UploadBatch -> StartImport -> bounded poll. The publish
 * state machine starts one execution of it per batch, so that the parent's history grows by a few events per
 * batch however long an import takes (Step Functions fails an execution past 25,000 events), and so that a
 * redriven parent re-runs a failed batch from its first state: StartImport never reuses a job that ended in
 * ERROR, where a restart at CheckImport would poll that job again.
 */
export function buildImportBatchDefinition(scope: Construct, props: ImportBatchDefinitionProps): sfn.IChainable {
  const invoke = lambdaStep(scope, props.functions);
  // The plan's key locates the batch's file: runs of each data set keep their files apart (shared/manifest.ts runFolder).
  const batchTarget = { 'runId.$': '$.runId', 'bucket.$': '$.bucket', 'manifestKey.$': '$.manifestKey', 'batch.$': '$.batch' };
  const uploadBatch = invoke(STATE.uploadBatch, { payload: batchTarget, output: UploadBatchOutput, resultPath: '$.upload' });
  const startImport = invoke(STATE.startImport, {
    payload: { ...batchTarget, 'datasetId.$': '$.datasetId', 'revisionId.$': '$.revisionId' },
    output: ImportStatus,
    resultPath: '$.status',
    retry: START_IMPORT_RETRY,
  });
  const checkImport = invoke(STATE.checkImport, {
    payload: {
      'runId.$': '$.runId',
      'datasetId.$': '$.datasetId',
      'revisionId.$': '$.revisionId',
      'manifestKey.$': '$.manifestKey',
      'status.$': '$.status',
    },
    output: ImportStatus,
    resultPath: '$.status',
  });
  const waitForImport = new sfn.Wait(scope, STATE.waitForImport, {
    stateName: STATE.waitForImport,
    time: sfn.WaitTime.secondsPath('$.status.waitSeconds'),
  });
  waitForImport.next(checkImport);
  const importState = '$.status.state';
  const isImportDone = new sfn.Choice(scope, STATE.isImportDone, { stateName: STATE.isImportDone })
    .when(sfn.Condition.stringEquals(importState, 'COMPLETED'), new sfn.Succeed(scope, STATE.batchImported, { stateName: STATE.batchImported }))
    .when(
      sfn.Condition.or(sfn.Condition.stringEquals(importState, 'WAITING'), sfn.Condition.stringEquals(importState, 'IN_PROGRESS')),
      waitForImport,
    )
    .otherwise(
      new sfn.Fail(scope, STATE.unexpectedImportState, {
        stateName: STATE.unexpectedImportState,
        error: ERROR_NAMES.importJobFailed,
        cause: 'The import step reported a job state this workflow does not know.',
      }),
    );
  checkImport.next(isImportDone);
  // StartImport goes straight to the wait: a Choice there would cost a transition per batch to catch the rare
  // batch that needs no job, which waits 0 s instead.
  startImport.next(waitForImport);
  return uploadBatch.next(startImport);
}

/**
 * A batch's execution name: the plan's prefix for this execution and part, the batch and the attempt. A redriven
 * parent starts each unfinished batch again under the next RedriveCount, since a finished execution's name
 * answers ExecutionAlreadyExists; a retried start within one attempt reuses the name, which AWS answers
 * idempotently while that execution runs.
 */
const BATCH_EXECUTION_NAME = "States.Format('{}-b{}-r{}', $.batchExecutionPrefix, $.batch.index, $$.Execution.RedriveCount)";

/**
 * The publish workflow, in JSONPath (aws-local-stepfunctions ignores JSONata):
 * PlanRevision -> CreateRevision -> (already finalized? skip) -> Map over batches [ImportBatch: one execution
 * of the import-batch state machine, waited for] -> FinalizeRevision -> ShareWithSubscribers (when any) ->
 * NotifySuccess.
 *
 * Nothing is caught: the state that fails fails the execution, with its own error and cause, so the console
 * shows it red and RedriveExecution resumes there (in the Map, only the batches that did not succeed). The run's
 * failure notification comes from the execution's status change (infra/constructs/status-notifications.ts).
 *
 * A run of more than one revision's assets is cut into parts: each execution publishes one part, then starts
 * the next execution with the plan's place in it, so every history stays the size of one revision's. Only the
 * last part's execution shares and notifies success.
 */
export function buildPublishRevisionDefinition(scope: Construct, props: PublishRevisionDefinitionProps): sfn.IChainable {
  const invoke = lambdaStep(scope, props.functions);

  const planRevision = invoke(STATE.planRevision, {
    payload: { 'input.$': '$', 'executionName.$': '$$.Execution.Name', 'executionStartTime.$': '$$.Execution.StartTime' },
    output: Plan,
    resultPath: '$.plan',
  });

  const createRevision = invoke(STATE.createRevision, {
    payload: {
      'runId.$': '$.plan.runId',
      'datasetId.$': '$.plan.datasetId',
      'comment.$': '$.plan.comment',
      'part.$': '$.plan.part.index',
    },
    output: RevisionRef,
    resultPath: '$.revision',
  });

  const importBatch = new tasks.StepFunctionsStartExecution(scope, STATE.importBatch, {
    stateName: STATE.importBatch,
    stateMachine: props.importBatch,
    integrationPattern: sfn.IntegrationPattern.RUN_JOB,
    name: sfn.JsonPath.stringAt(BATCH_EXECUTION_NAME),
    associateWithParent: true,
    input: sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.stringAt('$.runId'),
      bucket: sfn.JsonPath.stringAt('$.bucket'),
      datasetId: sfn.JsonPath.stringAt('$.datasetId'),
      manifestKey: sfn.JsonPath.stringAt('$.manifestKey'),
      revisionId: sfn.JsonPath.stringAt('$.revisionId'),
      batch: sfn.JsonPath.objectAt('$.batch'),
    }),
    // The batch's execution is the record of its work; the parent keeps where to find it, and its job's status.
    resultSelector: { 'executionArn.$': '$.ExecutionArn', 'status.$': '$.Output.status' },
  });
  // Too many executions running at once is the one error AWS documents as worth a retry for this integration;
  // a failed batch already retried its own calls, so its failure stands.
  importBatch.addRetry({ ...TRANSIENT_RETRY, errors: ['StepFunctions.ExecutionLimitExceeded'] });

  const importBatches = new sfn.Map(scope, STATE.importBatches, {
    stateName: STATE.importBatches,
    itemsPath: '$.plan.part.batches',
    maxConcurrency: props.mapMaxConcurrency ?? MAX_CONCURRENT_IMPORT_JOBS,
    itemSelector: {
      'runId.$': '$.plan.runId',
      'bucket.$': '$.plan.bucket',
      'datasetId.$': '$.plan.datasetId',
      'manifestKey.$': '$.plan.manifestKey',
      'revisionId.$': '$.revision.revisionId',
      'batchExecutionPrefix.$': '$.plan.batchExecutionPrefix',
      'batch.$': '$$.Map.Item.Value',
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  importBatches.itemProcessor(importBatch);

  const finalizeRevision = invoke(STATE.finalizeRevision, {
    payload: {
      'datasetId.$': '$.plan.datasetId',
      'revisionId.$': '$.revision.revisionId',
      'expectedAssetCount.$': '$.plan.part.assetCount',
    },
    output: FinalizeRevisionOutput,
    resultPath: '$.finalized',
  });

  // A success message that cannot be sent fails the run here, with NotificationFailedError saying the revision
  // IS published; the status-change notification says so too, and a redrive sends the message again.
  const notifySuccess = invoke(STATE.notifySuccess, {
    payload: {
      outcome: 'SUCCEEDED',
      'executionName.$': '$$.Execution.Name',
      'executionStartTime.$': '$.plan.runStartTime',
      'runId.$': '$.plan.runId',
      'datasetId.$': '$.plan.datasetId',
      'revisionId.$': '$.revision.revisionId',
      'earlierRevisionIds.$': '$.plan.earlierRevisionIds',
      'assetCount.$': '$.plan.assetCount',
      'totalBytes.$': '$.plan.totalBytes',
      'alreadyPublished.$': '$.revision.alreadyFinalized',
      'dataGrants.$': '$.sharing.dataGrants',
    },
    output: NotifyOutput,
    resultPath: '$.notification',
  });
  notifySuccess.next(new sfn.Succeed(scope, STATE.published, { stateName: STATE.published }));

  const shareWithSubscribers = invoke(STATE.shareWithSubscribers, {
    payload: { 'datasetId.$': '$.plan.datasetId', 'subscriberAccountIds.$': '$.plan.subscriberAccountIds' },
    output: ShareWithSubscribersOutput,
    resultPath: '$.sharing',
  });
  const noSubscribers = new sfn.Pass(scope, STATE.noSubscribers, {
    stateName: STATE.noSubscribers,
    result: sfn.Result.fromObject({ dataGrants: [] }),
    resultPath: '$.sharing',
  });
  const hasSubscribers = new sfn.Choice(scope, STATE.hasSubscribers, { stateName: STATE.hasSubscribers })
    .when(sfn.Condition.booleanEquals('$.plan.hasSubscribers', true), shareWithSubscribers.next(notifySuccess))
    .otherwise(noSubscribers.next(notifySuccess));

  const startNextPart = new tasks.StepFunctionsStartExecution(scope, STATE.startNextPart, {
    stateName: STATE.startNextPart,
    stateMachine: props.self,
    integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
    name: sfn.JsonPath.stringAt('$.plan.nextExecutionName'),
    associateWithParent: true,
    input: sfn.TaskInput.fromObject({
      bucket: sfn.JsonPath.stringAt('$.plan.bucket'),
      datasetId: sfn.JsonPath.stringAt('$.plan.datasetId'),
      continueRun: {
        runId: sfn.JsonPath.stringAt('$.plan.runId'),
        part: sfn.JsonPath.numberAt('$.plan.nextPart'),
        firstExecutionName: sfn.JsonPath.stringAt('$.plan.firstExecutionName'),
        runStartTime: sfn.JsonPath.stringAt('$.plan.runStartTime'),
        earlierRevisionIds: sfn.JsonPath.listAt('$.plan.earlierRevisionIds'),
        lastRevisionId: sfn.JsonPath.stringAt('$.revision.revisionId'),
        manifestKey: sfn.JsonPath.stringAt('$.plan.manifestKey'),
      },
    }),
    resultSelector: { 'executionArn.$': '$.ExecutionArn' },
    resultPath: '$.nextPart',
  });
  // The one error AWS documents as worth a retry for this integration: too many executions running at once.
  startNextPart.addRetry({ ...TRANSIENT_RETRY, errors: ['StepFunctions.ExecutionLimitExceeded'] });
  startNextPart.next(new sfn.Succeed(scope, STATE.continuedInNextExecution, { stateName: STATE.continuedInNextExecution }));
  const hasMoreParts = new sfn.Choice(scope, STATE.hasMoreParts, { stateName: STATE.hasMoreParts })
    .when(sfn.Condition.booleanEquals('$.plan.hasMoreParts', true), startNextPart)
    .otherwise(hasSubscribers);

  const isAlreadyPublished = new sfn.Choice(scope, STATE.isAlreadyPublished, { stateName: STATE.isAlreadyPublished })
    .when(sfn.Condition.booleanEquals('$.revision.alreadyFinalized', true), hasMoreParts)
    .otherwise(importBatches.next(finalizeRevision).next(hasMoreParts));

  return planRevision.next(createRevision).next(isAlreadyPublished);
}
