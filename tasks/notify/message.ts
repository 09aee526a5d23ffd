import * as z from 'zod';
import { formatBytes, formatFields, type Notification } from '../../shared/notifications';
import { DataSetId, RevisionId, RunId } from '../../shared/schemas/fields';
import type { DataGrantReport, NotifyFailureInput, NotifySuccessInput } from '../../shared/schemas/payloads';

/** Each field on its own: one unreadable field must not hide the others. */
function tolerant<S extends z.ZodType>(schema: S) {
  return schema.optional().catch(undefined);
}

/**
 * What the state at failure may say about the run: the plan and revision once those states ran, or the raw
 * workflow input before that.
 */
const FailureContext = z.object({
  runId: tolerant(RunId),
  datasetId: tolerant(DataSetId),
  revisionId: tolerant(RevisionId),
  plan: tolerant(z.object({ runId: tolerant(RunId), datasetId: tolerant(DataSetId) })),
  revision: tolerant(z.object({ revisionId: tolerant(RevisionId) })),
});

interface FailedRun {
  readonly runId?: string;
  readonly datasetId?: string;
  readonly revisionId?: string;
}

function failedRunOf(context: unknown): FailedRun {
  const parsed = FailureContext.safeParse(context);
  if (!parsed.success) return {};
  const { plan, revision, ...raw } = parsed.data;
  return {
    runId: plan?.runId ?? raw.runId,
    datasetId: plan?.datasetId ?? raw.datasetId,
    revisionId: revision?.revisionId ?? raw.revisionId,
  };
}

/** Lambda's Cause is JSON carrying the thrown error; anything else (a States.* cause) is shown as it is. */
const LambdaErrorCause = z.object({ errorMessage: z.string() });

function describeCause(cause: string | undefined): string {
  if (cause === undefined || cause.trim() === '') return '(none given)';
  let json: unknown;
  try {
    json = JSON.parse(cause);
  } catch {
    return cause;
  }
  const lambda = LambdaErrorCause.safeParse(json);
  return lambda.success ? lambda.data.errorMessage : cause;
}

function formatDuration(startTime: string, now: Date): string {
  const start = Date.parse(startTime);
  if (Number.isNaN(start)) return `unknown (start time "${startTime}")`;
  const totalSeconds = Math.max(0, Math.round((now.getTime() - start) / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const parts = [hours > 0 ? `${hours} h` : '', hours + minutes > 0 ? `${minutes} min` : '', `${seconds} s`];
  return parts.filter((part) => part !== '').join(' ');
}

function formatGrants(grants: readonly DataGrantReport[]): string {
  if (grants.length === 0) return 'Data grants: none';
  const lines = grants.map((grant) => `  - account ${grant.receiver}: grant ${grant.id}, ${grant.status}, ${grant.acceptance}`);
  return ['Data grants:', ...lines].join('\n');
}

/**
 * A run of several parts published a revision per part, in this order; its last execution notifies. Parts go
 * out in order, so when the last one was already published, so was every other.
 */
function successHeadline(input: NotifySuccessInput, revisionCount: number): { subject: string; headline: string } {
  const revisions = revisionCount > 1 ? ` as ${revisionCount} revisions` : '';
  if (input.alreadyPublished) {
    return {
      subject: `dx-flow: ${input.runId} already published${revisions}`,
      headline: `dx-flow run ${input.runId} had already been published${revisions}; nothing new went out.`,
    };
  }
  return revisionCount > 1
    ? {
        subject: `dx-flow: published ${revisionCount} revisions (${input.assetCount} assets)`,
        headline: `dx-flow published run ${input.runId} as ${revisionCount} revisions of data set ${input.datasetId}, in order.`,
      }
    : {
        subject: `dx-flow: published revision ${input.revisionId} (${input.assetCount} assets)`,
        headline: `dx-flow published a revision of data set ${input.datasetId}.`,
      };
}

export function successNotification(input: NotifySuccessInput, now: Date): Notification {
  const revisionIds = [...input.earlierRevisionIds, input.revisionId];
  const { subject, headline } = successHeadline(input, revisionIds.length);
  const fields = formatFields([
    ['Run', input.runId],
    ['Execution', input.executionName],
    ['Data set', input.datasetId],
    [revisionIds.length > 1 ? 'Revisions' : 'Revision', revisionIds.join(', ')],
    ['Assets', String(input.assetCount)],
    ['Bytes', formatBytes(input.totalBytes)],
    ['Started', input.executionStartTime],
    ['Duration', formatDuration(input.executionStartTime, now)],
  ]);
  return {
    subject,
    message: [headline, fields, formatGrants(input.dataGrants)].join('\n\n'),
    attributes: { outcome: input.outcome, runId: input.runId, datasetId: input.datasetId },
  };
}

export function failureNotification(input: NotifyFailureInput, now: Date): Notification {
  const run = failedRunOf(input.context);
  const name = run.runId ?? input.executionName;
  const fields = formatFields([
    ['Error', input.failure.Error],
    ['Cause', describeCause(input.failure.Cause)],
    ['Run', run.runId ?? 'unknown'],
    ['Execution', input.executionName],
    ['Data set', run.datasetId ?? 'unknown'],
    ['Revision', run.revisionId ?? 'none yet'],
    ['Started', input.executionStartTime],
    ['Duration', formatDuration(input.executionStartTime, now)],
  ]);
  return {
    subject: `dx-flow: run ${name} failed: ${input.failure.Error}`,
    message: [`dx-flow run ${name} failed.`, fields].join('\n\n'),
    attributes: { outcome: input.outcome, runId: run.runId, datasetId: run.datasetId },
  };
}
