import { ImportPollEnv, readEnv } from '../shared/env';
import { DEFAULT_POLL_GROWTH_PERCENT, importPollConfig, nextWaitSeconds } from '../shared/import-poll';
import { TASKS } from '../tasks/registry';
import { fixed, type SectionReport } from './report';

/*
 * What polling an import costs, per batch, for a simulated import duration: this workflow's schedule
 * (IMPORT_POLL_* defaults) against a fixed 10-second poll and against the original recipe's one Lambda that
 * sleeps until the job ends. Arithmetic on the schedule, not a measurement, so one pass is exact: no rounds. Published prices (us-east-1): Standard workflows $0.025 per 1,000 transitions;
 * arm64 Lambda $0.0000133334 per GB-second and $0.20 per million requests.
 */

export const PRICE = { perTransition: 0.025 / 1000, perGbSecond: 0.0000133334, perRequest: 0.2 / 1_000_000 } as const;

/** Wait, CheckImport and the Choice: what one poll adds to the history. */
const TRANSITIONS_PER_POLL = 3;
/** A GetJob poll's billed duration, generous for one API call. */
const POLL_SECONDS = 0.1;

export interface PollingCost {
  readonly strategy: string;
  readonly polls: number;
  readonly transitions: number;
  readonly gbSeconds: number;
  readonly dollars: number;
}

export function dollars(transitions: number, requests: number, gbSeconds: number): number {
  return transitions * PRICE.perTransition + requests * PRICE.perRequest + gbSeconds * PRICE.perGbSecond;
}

function pollingCost(strategy: string, polls: number): PollingCost {
  const gbSeconds = polls * POLL_SECONDS * (TASKS['check-import'].memoryMb / 1024);
  const transitions = polls * TRANSITIONS_PER_POLL;
  return { strategy, polls, transitions, gbSeconds, dollars: dollars(transitions, polls, gbSeconds) };
}

export function pollingCosts(importSeconds: number): PollingCost[] {
  const config = importPollConfig(readEnv(ImportPollEnv, {}));
  let waited = 0;
  let polls = 0;
  while (waited < importSeconds) {
    waited += nextWaitSeconds(config, polls);
    polls += 1;
  }
  const sleeper = TASKS['check-import'].memoryMb / 1024;
  return [
    pollingCost(
      config.initialSeconds >= config.maxSeconds && (config.growthPercent ?? DEFAULT_POLL_GROWTH_PERCENT) >= 100
        ? `this workflow: a poll every ${config.maxSeconds} s`
        : `this workflow: first poll at ${config.initialSeconds} s, then waits of ${config.growthPercent ?? DEFAULT_POLL_GROWTH_PERCENT}% of the time waited, at most ${config.maxSeconds} s`,
      polls,
    ),
    pollingCost('fixed 10 s polling', Math.ceil(importSeconds / 10)),
    {
      strategy: "one sleeping Lambda (the original recipe's)",
      polls: 1,
      transitions: 0,
      gbSeconds: importSeconds * sleeper,
      dollars: dollars(0, 1, importSeconds * sleeper),
    },
  ];
}

/** Polling one batch through a 10-minute import. */
export function costReport(importSeconds = 600): SectionReport {
  const rows = pollingCosts(importSeconds);
  return {
    title: `Polling one batch through a ${importSeconds / 60}-minute import`,
    table: rows.map((row) => ({ ...row, gbSeconds: fixed(row.gbSeconds, 2), dollars: fixed(row.dollars, 6) })),
    data: { importSeconds, rows },
  };
}
