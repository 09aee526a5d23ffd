import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { sleep } from '../shared/sleep';
import { ProgressReader, type ProgressLine, totalsOf } from './history';

export interface FollowOptions {
  readonly pollMs: number;
  readonly onLine?: (line: ProgressLine, elapsedMs: number) => void;
  /** Stops following (not the execution). */
  readonly signal?: AbortSignal;
  /** Epoch ms the lines' elapsed times count from. @default the execution's start */
  readonly since?: number;
  /** Events up to this id went before (a redriven run's earlier attempts): they count, but get no line. */
  readonly quietThroughEventId?: number;
}

export interface Followed {
  readonly execution: DescribeExecutionCommandOutput;
  readonly events: readonly HistoryEvent[];
  /** true when following stopped before the execution ended. */
  readonly interrupted: boolean;
}

/** The id of the execution's newest event so far. */
export async function latestEventId(sfn: SFNClient, executionArn: string): Promise<number> {
  const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));
  return page.events?.[0]?.id ?? 0;
}

/** The events after `lastId`, read newest first so each poll costs pages of new events only. */
async function newEvents(sfn: SFNClient, executionArn: string, lastId: number): Promise<HistoryEvent[]> {
  const fresh: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1000, nextToken }));
    for (const event of page.events ?? []) {
      if ((event.id ?? 0) <= lastId) return fresh.reverse();
      fresh.push(event);
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return fresh.reverse();
}

/** Follows an execution through its history until it ends, printing a line per state as it happens. */
export async function followExecution(sfn: SFNClient, executionArn: string, options: FollowOptions): Promise<Followed> {
  const reader = new ProgressReader();
  const events: HistoryEvent[] = [];
  for (;;) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const fresh = await newEvents(sfn, executionArn, events.at(-1)?.id ?? 0);
    const started = options.since ?? execution.startDate?.getTime() ?? Date.now();
    for (const event of fresh) {
      events.push(event);
      const line = reader.lineFor(event);
      if (line !== undefined && (event.id ?? 0) > (options.quietThroughEventId ?? 0)) {
        options.onLine?.(line, (event.timestamp?.getTime() ?? started) - started);
      }
    }
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') return { execution, events, interrupted: false };
    if (options.signal?.aborted === true) return { execution, events, interrupted: true };
    await sleep(options.pollMs, options.signal);
  }
}

/**
 * Follows a run: its execution, then, while an execution succeeds by starting the one that publishes the
 * run's next part, that one too. One Followed per execution, in order.
 */
export async function followRun(sfn: SFNClient, executionArn: string, options: FollowOptions): Promise<Followed[]> {
  const followed = [await followExecution(sfn, executionArn, options)];
  for (;;) {
    const last = followed[followed.length - 1];
    const next = last.execution.status === 'SUCCEEDED' && !last.interrupted ? totalsOf(last.events).nextExecutionArn : null;
    if (next === null) return followed;
    // The run's clock goes on from its first execution's start.
    const since = options.since ?? followed[0].execution.startDate?.getTime() ?? Date.now();
    options.onLine?.({ state: 'Execution', detail: `continues in ${next.split(':').at(-1) ?? next}` }, Date.now() - since);
    followed.push(await followExecution(sfn, next, { ...options, since, quietThroughEventId: undefined }));
  }
}
