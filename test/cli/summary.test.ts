import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { Followed } from '../../cli/follow';
import { summarize } from '../../cli/summary';
import { STATE } from '../../shared/state-names';
import { DATA_SET_ID, OTHER_REVISION_ID, REVISION_ID, RUN_ID } from '../fixtures/ids';

/*
 * The summary of a run that is a chain of executions, one per part: read from each execution's history, as
 * `dx-flow run` follows them one after the other.
 */

const ARN = 'arn:aws:states:us-east-1:111111111111:execution:dx-flow-publish-dev';
/** The import-batch state machine's executions: ImportBatch's output names its batch's execution and job. */
const BATCH_ARN = 'arn:aws:states:us-east-1:111111111111:execution:dx-flow-import-batch-dev';

/** The events of one state: entered, then exited with `output` as the state's whole output. */
function state(id: number, name: string, output: unknown): HistoryEvent[] {
  return [
    { id, previousEventId: id - 1, timestamp: new Date(0), type: 'TaskStateEntered', stateEnteredEventDetails: { name } },
    { id: id + 1, previousEventId: id, timestamp: new Date(0), type: 'TaskStateExited', stateExitedEventDetails: { name, output: JSON.stringify(output) } },
  ];
}

function execution(name: string, startSeconds: number, stopSeconds: number, events: HistoryEvent[], status = 'SUCCEEDED'): Followed {
  return {
    execution: {
      executionArn: `${ARN}:${name}`,
      name,
      status: status as 'SUCCEEDED',
      startDate: new Date(startSeconds * 1000),
      stopDate: new Date(stopSeconds * 1000),
      stateMachineArn: ARN,
      input: '{}',
      $metadata: {},
    },
    events,
    interrupted: false,
  };
}

const plan = { plan: { runId: RUN_ID, datasetId: DATA_SET_ID, assetCount: 10_001, totalBytes: 1_000_100 } };

describe('summarize a run of several parts', () => {
  it('counts the work of every execution, lists the revisions in order, and ends with the last status', () => {
    const first = execution('run-1', 100, 160, [
      ...state(1, STATE.planRevision, plan),
      ...state(3, STATE.createRevision, { revision: { revisionId: REVISION_ID, alreadyFinalized: false } }),
      ...state(5, STATE.importBatch, { executionArn: `${BATCH_ARN}:run-1-b0-r0`, status: { batchIndex: 0, jobId: 'job-1', state: 'COMPLETED' } }),
      ...state(7, STATE.finalizeRevision, { finalized: { finalized: true } }),
      ...state(9, STATE.startNextPart, { nextPart: { executionArn: `${ARN}:run-1-part-2` } }),
    ]);
    const second = execution('run-1-part-2', 161, 170, [
      ...state(1, STATE.planRevision, plan),
      ...state(3, STATE.createRevision, { revision: { revisionId: OTHER_REVISION_ID, alreadyFinalized: false } }),
      ...state(5, STATE.importBatch, { executionArn: `${BATCH_ARN}:run-1-part-2-b0-r0`, status: { batchIndex: 0, jobId: 'job-2', state: 'COMPLETED' } }),
      ...state(7, STATE.finalizeRevision, { finalized: { finalized: true } }),
      ...state(9, STATE.notifySuccess, { notification: { messageId: 'm-1' } }),
    ]);

    const summary = summarize([first, second]);

    expect(summary).toMatchObject({
      status: 'SUCCEEDED',
      executionName: 'run-1-part-2',
      executionArns: [`${ARN}:run-1`, `${ARN}:run-1-part-2`],
      revisionIds: [REVISION_ID, OTHER_REVISION_ID],
      runId: RUN_ID,
      assetCount: 10_001,
      importJobs: 2,
      stateTransitions: 10,
      notifications: 1,
      durationMs: 70_000,
      nextExecutionArn: null,
    });
  });

  it('reports a failed later part with its own error, keeping the revision the earlier part published', () => {
    const first = execution('run-2', 0, 10, [
      ...state(1, STATE.planRevision, plan),
      ...state(3, STATE.createRevision, { revision: { revisionId: REVISION_ID, alreadyFinalized: false } }),
      ...state(5, STATE.finalizeRevision, { finalized: { finalized: true } }),
      ...state(7, STATE.startNextPart, { nextPart: { executionArn: `${ARN}:run-2-part-2` } }),
    ]);
    const failed = execution('run-2-part-2', 11, 12, [...state(1, STATE.planRevision, plan)], 'FAILED');
    // A failed batch fails ImportBatch with States.TaskFailed; the cause is the batch execution's DescribeExecution.
    const message = 'Import job job-3 for batch 0 ended ERROR';
    failed.execution.error = 'States.TaskFailed';
    failed.execution.cause = JSON.stringify({
      ExecutionArn: `${BATCH_ARN}:run-2-part-2-b0-r0`,
      Status: 'FAILED',
      Error: 'ImportJobFailedError',
      Cause: JSON.stringify({ errorType: 'ImportJobFailedError', errorMessage: message }),
    });

    const summary = summarize([first, failed]);

    expect(summary).toMatchObject({
      status: 'FAILED',
      error: 'ImportJobFailedError',
      cause: message,
      revisionIds: [REVISION_ID],
      executionName: 'run-2-part-2',
    });
  });
});
