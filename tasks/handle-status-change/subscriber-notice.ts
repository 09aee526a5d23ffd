import * as z from 'zod';
import { sendSubscriberNoticeOnce, type SubscriberNoticeDeps, type SubscriberNoticeOutcome } from '../../shared/notification-records';
import type { NotifiedStatus } from '../../shared/schemas/status-change-event';
import { scheduledRunId } from '../../shared/schemas/workflow-input';
import type { RunFacts } from './history';

/** `scheduledRunId`'s shape, with or without a data set's name: a scheduled run keeps it in every part, re-run and redrive. */
const SCHEDULED_RUN_ID = /^scheduled-([a-z][a-z0-9-]*-)?\d{8}T\d{4}Z$/;

/** What the schedule's target puts in the input (infra/constructs/schedule.ts): the tick, as `scheduledAt`, and the data set's name. */
const ScheduledInput = z.object({ scheduledAt: z.iso.datetime(), dataSet: z.string().optional() });

function scheduledInputOf(executionInput: string | undefined): z.infer<typeof ScheduledInput> | undefined {
  try {
    const parsed = ScheduledInput.safeParse(JSON.parse(executionInput ?? 'null'));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The runId of a run the schedule started, or undefined for any other run. The schedule's input carries
 * `scheduledAt` and no runId, so its first part is known by the input even when it failed before PlanRevision named
 * the run; its later parts and re-runs by the runId `scheduled-<minute>`.
 */
export function scheduledRunOf(executionInput: string | undefined, runId: string | undefined): string | undefined {
  const scheduled = scheduledInputOf(executionInput);
  if (runId !== undefined) return scheduled !== undefined || SCHEDULED_RUN_ID.test(runId) ? runId : undefined;
  return scheduled === undefined ? undefined : scheduledRunId(scheduled.scheduledAt, scheduled.dataSet);
}

const ENDED: Record<NotifiedStatus, string> = { FAILED: 'failed', TIMED_OUT: 'timed out', ABORTED: 'was stopped' };

export interface DelayedRun {
  readonly status: NotifiedStatus;
  readonly runId: string;
  readonly datasetId: string;
}

/** Which scheduled run a DATA_DELAY notice is due for: one the schedule started, whose data set is known. */
export function delayedRunOf(status: NotifiedStatus, executionInput: string | undefined, run: RunFacts): DelayedRun | undefined {
  const runId = scheduledRunOf(executionInput, run.runId);
  return runId === undefined || run.datasetId === undefined ? undefined : { status, runId, datasetId: run.datasetId };
}

/**
 * The DATA_DELAY notice of a scheduled run that ended badly, once per run: a redrive that fails again, a re-run of
 * the runId that fails, or the same status event delivered twice finds the run's record and sends nothing more. The
 * comment says only that the update is late: the failure's details are the provider's, on its own topic.
 */
export async function sendDataDelayNotice(run: DelayedRun, deps: SubscriberNoticeDeps): Promise<SubscriberNoticeOutcome> {
  return sendSubscriberNoticeOnce(
    {
      datasetId: run.datasetId,
      runId: run.runId,
      type: 'DATA_DELAY',
      comment: `The scheduled update ${run.runId} of this data set ${ENDED[run.status]} and is not published yet; it will follow once the run is redriven or re-run.`,
    },
    deps,
  );
}
