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
import { STATE, TASK_OF_STATE } from './state-names';

export type WorkflowTaskName = Exclude<ProviderTaskName, 'handle-exchange-event'>;

export interface PublishRevisionDefinitionProps {
  readonly functions: Readonly<Record<WorkflowTaskName, IFunction>>;
  /** The state machine itself: a run of several parts starts it again for each part after the first. */
  readonly self: IStateMachine;
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

const FAILURE_PATH = '$.failure';

/** `{ "a.$": "<from>.a", ... }` for every field of a schema: the state keeps exactly the fields the task returns. */
export function selectFields(schema: z.ZodObject, from: string): Record<string, string> {
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

/**
 * The publish workflow, in JSONPath (aws-local-stepfunctions ignores JSONata):
 * PlanRevision -> CreateRevision -> (already finalized? skip) -> Map over batches [UploadBatch -> StartImport ->
 * bounded poll] -> FinalizeRevision -> ShareWithSubscribers (when any) -> NotifySuccess. Every failure before the
 * revision is published goes to NotifyFailure, then a Fail that keeps the original error name and cause; a lost
 * success notification fails the run with NotificationFailedError, saying that the revision is published.
 *
 * A run of more than one revision's assets is cut into parts: each execution publishes one part, then starts
 * the next execution with the plan's place in it, so every history stays the size of one revision's. Only the
 * last part's execution shares and notifies success.
 */
export function buildPublishRevisionDefinition(scope: Construct, props: PublishRevisionDefinitionProps): sfn.IChainable {
  const invoke = (state: LambdaStateName, options: InvokeOptions): tasks.LambdaInvoke => {
    const step = new tasks.LambdaInvoke(scope, state, {
      stateName: state,
      lambdaFunction: props.functions[TASK_OF_STATE[state]],
      payload: sfn.TaskInput.fromObject(options.payload),
      resultSelector: selectFields(options.output, '$.Payload'),
      resultPath: options.resultPath,
    });
    step.addRetry(options.retry ?? TRANSIENT_RETRY);
    return step;
  };

  const publishFailed = new sfn.Fail(scope, STATE.publishFailed, {
    stateName: STATE.publishFailed,
    errorPath: `${FAILURE_PATH}.Error`,
    causePath: `${FAILURE_PATH}.Cause`,
  });
  const notifyFailure = invoke(STATE.notifyFailure, {
    payload: {
      outcome: 'FAILED',
      'executionName.$': '$$.Execution.Name',
      'executionStartTime.$': '$$.Execution.StartTime',
      'failure.$': FAILURE_PATH,
      'context.$': '$',
    },
    output: NotifyOutput,
    resultPath: '$.notification',
  });
  // A notification that cannot be sent must not hide the run's own error: go on to fail with it.
  notifyFailure.addCatch(publishFailed, { resultPath: '$.notificationFailure' });
  notifyFailure.next(publishFailed);
  const onFailure = (state: sfn.TaskStateBase | sfn.Map) => state.addCatch(notifyFailure, { resultPath: FAILURE_PATH });

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

  const batchTarget = { 'runId.$': '$.runId', 'bucket.$': '$.bucket', 'batch.$': '$.batch' };
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
    time: sfn.WaitTime.secondsPath(`${'$.status'}.waitSeconds`),
  });
  waitForImport.next(checkImport);
  const importState = `${'$.status'}.state`;
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
      'batch.$': '$$.Map.Item.Value',
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  importBatches.itemProcessor(uploadBatch.next(startImport));
  onFailure(importBatches);

  const finalizeRevision = invoke(STATE.finalizeRevision, {
    payload: {
      'datasetId.$': '$.plan.datasetId',
      'revisionId.$': '$.revision.revisionId',
      'expectedAssetCount.$': '$.plan.part.assetCount',
    },
    output: FinalizeRevisionOutput,
    resultPath: '$.finalized',
  });

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
  // The revision is out and cannot be taken back, so NotifyFailure (which would say the run failed, and needs the
  // same SNS) is the wrong path. The run fails with its own error, so the ExecutionsFailed alarm tells someone,
  // and the cause says that the revision IS published and which notification was lost.
  const describeLostNotification = new sfn.Pass(scope, STATE.describeLostNotification, {
    stateName: STATE.describeLostNotification,
    parameters: {
      'cause.$':
        "States.Format('Revision {} of data set {} IS published (run {}, already published before: {}); only its success notification was lost: {}: {}', " +
        '$.revision.revisionId, $.plan.datasetId, $.plan.runId, $.revision.alreadyFinalized, $.notificationFailure.Error, $.notificationFailure.Cause)',
    },
    resultPath: '$.notificationLost',
  });
  notifySuccess.addCatch(
    describeLostNotification.next(
      new sfn.Fail(scope, STATE.notificationFailed, {
        stateName: STATE.notificationFailed,
        error: ERROR_NAMES.notificationFailed,
        causePath: '$.notificationLost.cause',
      }),
    ),
    { resultPath: '$.notificationFailure' },
  );

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

  for (const step of [planRevision, createRevision, finalizeRevision, startNextPart, shareWithSubscribers]) onFailure(step);

  return planRevision.next(createRevision).next(isAlreadyPublished);
}
