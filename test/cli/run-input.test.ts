import { ListDataSetRevisionsCommand, ListJobsCommand } from '@aws-sdk/client-dataexchange';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import fc from 'fast-check';
import { ERROR_NAMES, InputValidationError } from '../../shared/errors';
import { NOTIFICATION_RECORD_PREFIX } from '../../shared/notifications';
import { WorkflowInput } from '../../shared/schemas/workflow-input';
import { parseOrThrow } from '../../shared/validation';
import { buildRunInput, validateRunInput } from '../../cli/run-input';
import { corruptions, invalidInput } from '../fixtures/workflow-inputs';
import { notificationsOf, snapshotBucket, useSandbox } from '../sandbox/outcome';
import { fullHistory, waitForSettled } from '../sandbox/sandbox-harness';

/*
 * Hostile input: every invalid workflow input is refused with InputValidationError naming the field, by the
 * shared schema, by the CLI's own validation, and by the first state of a real execution, before anything exists.
 */

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

describe('invalid workflow input, in process', () => {
  it('is refused by the shared schema and by the CLI, naming the field, for 1,000 generated inputs', () => {
    fc.assert(
      fc.property(invalidInput, ({ input, names }) => {
        // The CLI reads --input as JSON text, as a user gives it.
        const cli = () => validateRunInput(buildRunInput({ input: JSON.stringify(input) }, {}));

        expect(() => parseOrThrow(WorkflowInput, input, 'workflow input')).toThrow(InputValidationError);
        expect(() => parseOrThrow(WorkflowInput, input, 'workflow input')).toThrow(names);
        // JSON that is no object is refused before validation, as bad usage of --input.
        expect(cli).toThrow(isObject(input) ? InputValidationError : Error);
        expect(cli).toThrow(isObject(input) ? names : '--input must be a JSON object');
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('invalid workflow input, started straight into the sandbox (as --no-validate does)', () => {
  const ctx = useSandbox();
  const { clients } = ctx;

  it('fails a dozen executions in PlanRevision with InputValidationError, creating no object, revision or job', async () => {
    const base = { bucket: ctx.env.sandbox.bucket, datasetId: ctx.env.sandbox.dataSetId, source: { type: 'generate', assets: 1, recordsPerAsset: 1 } };
    // Objects only: JSON that is no object is refused by the CLI, and a null input stops the local runner itself.
    const cases = fc
      .sample(corruptions, { numRuns: 40, seed: 8 })
      .map(({ names, build }, i) => ({ names, input: build({ ...base, runId: `hostile-${i}` }) }))
      .filter(({ input }) => isObject(input))
      .slice(0, 12);
    const objectsBefore = await snapshotBucket(clients.s3, ctx.env.sandbox.bucket);

    const arns = await Promise.all(
      cases.map(async ({ input }, i) => {
        const started = await ctx.env.sfn.send(
          new StartExecutionCommand({ stateMachineArn: ctx.env.sandbox.stateMachineArn, name: `hostile-${i}`, input: JSON.stringify(input) }),
        );
        return started.executionArn ?? '';
      }),
    );
    // Ended, and their status changes delivered: each failure's notification is sent by then.
    const executions = await Promise.all(arns.map((arn) => waitForSettled(ctx.env.sandbox, ctx.env.sfn, arn)));

    expect(cases).toHaveLength(12);
    for (const [i, execution] of executions.entries()) {
      expect(execution).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.inputValidation });
      expect((JSON.parse(execution.cause ?? '{}') as { errorMessage?: string }).errorMessage).toContain(cases[i].names);
      const history = await fullHistory(ctx.env.sfn, arns[i]);
      // PlanRevision only: it fails the execution itself, and nothing runs after it.
      expect(history.filter((e) => e.type === 'TaskScheduled')).toHaveLength(1);
      const notifications = notificationsOf(ctx.env.sandbox, arns[i]);
      expect(notifications.map((message) => message.attributes.outcome?.StringValue)).toEqual(['FAILED']);
      expect(notifications[0].subject).toMatch(new RegExp(`failed: ${ERROR_NAMES.inputValidation}$`));
    }
    // No object but the status-change notifier's record of each message it sent.
    const objectsAfter = [...(await snapshotBucket(clients.s3, ctx.env.sandbox.bucket)).keys()];
    const created = objectsAfter.filter((key) => !objectsBefore.has(key));
    expect(objectsAfter.filter((key) => objectsBefore.has(key))).toEqual([...objectsBefore.keys()]);
    expect(created).toHaveLength(cases.length);
    expect(created.every((key) => key.startsWith(NOTIFICATION_RECORD_PREFIX))).toBe(true);
    const revisions = await clients.dataExchange.send(new ListDataSetRevisionsCommand({ DataSetId: ctx.env.sandbox.dataSetId }));
    expect(revisions.Revisions ?? []).toEqual([]);
    expect((await clients.dataExchange.send(new ListJobsCommand({}))).Jobs ?? []).toEqual([]);
  });
});
