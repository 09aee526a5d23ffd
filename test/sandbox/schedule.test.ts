import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { ListDataSetRevisionsCommand } from '@aws-sdk/client-dataexchange';
import { createDataExchangeClient } from '../../shared/clients/dataexchange';
import { runMarker } from '../../tasks/create-revision/core';
import { openTestSandbox } from './sandbox-harness';

/*
 * The stack's schedule, fired in the sandbox through the scheduled rule's own target input: a tick carries its
 * time into the run, the runId comes from it, and a tick delivered twice (EventBridge delivers at least once)
 * publishes one revision.
 */

describe('the schedule in the sandbox', () => {
  let env: Awaited<ReturnType<typeof openTestSandbox>>;

  beforeAll(async () => {
    env = await openTestSandbox();
  });

  afterAll(() => env.close());

  it('publishes a tick delivered twice once, under the tick\'s runId', async () => {
    const [first, second] = await env.sandbox.fireSchedule(new Date('2026-11-30T06:00:17Z'), 2);

    const inputs = await Promise.all(
      [first, second].map(async (executionArn) => env.sfn.send(new DescribeExecutionCommand({ executionArn }))),
    );
    expect(inputs.map((execution) => execution.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(inputs.map((execution) => JSON.parse(execution.input ?? '{}'))).toEqual([
      { bucket: env.sandbox.bucket, datasetId: env.sandbox.dataSetId, dataSet: 'default', scheduledAt: '2026-11-30T06:00:17Z' },
      { bucket: env.sandbox.bucket, datasetId: env.sandbox.dataSetId, dataSet: 'default', scheduledAt: '2026-11-30T06:00:17Z' },
    ]);
    const revisions = await createDataExchangeClient({ maxAttempts: 1 }).send(new ListDataSetRevisionsCommand({ DataSetId: env.sandbox.dataSetId }));
    expect(revisions.Revisions?.map((revision) => revision.Comment)).toEqual([runMarker('scheduled-20261130T0600Z')]);
    expect(env.sandbox.notifications().map((message) => message.subject)).toEqual([
      expect.stringMatching(/^dx-flow: published/),
      'dx-flow: scheduled-20261130T0600Z already published',
    ]);
  });

  it('publishes the next tick as a run of its own', async () => {
    await env.sandbox.fireSchedule(new Date('2026-12-01T06:00:02Z'));

    const revisions = await createDataExchangeClient({ maxAttempts: 1 }).send(new ListDataSetRevisionsCommand({ DataSetId: env.sandbox.dataSetId }));
    expect(revisions.Revisions?.map((revision) => revision.Comment).sort()).toEqual([runMarker('scheduled-20261130T0600Z'), runMarker('scheduled-20261201T0600Z')]);
  });
});
