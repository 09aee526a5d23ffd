import { FIXED_10_S, idealSeconds, jobDurations, latencyFigures, noticed, simulateRun, TRANSITIONS } from '../../bench/publish-latency';
import { PREVIOUS_SCHEDULE, TARGET } from '../../bench/latency';
import { perJobDuration } from '../../sandbox/dataexchange/import-duration';
import { ImportPollEnv, readEnv } from '../../shared/env';
import { importPollConfig } from '../../shared/import-poll';

const chosen = importPollConfig(readEnv(ImportPollEnv, {}));

describe('publish latency, worked out', () => {
  it('cuts a run into jobs of 100 assets, the last one holding the rest', () => {
    const model = { fixedSeconds: 10, perAssetSeconds: 0.5, perGbSeconds: 0 };

    expect(jobDurations(model, { assets: 250 })).toEqual([60, 60, 35]);
  });

  it('spreads jobs of one size evenly within the given share either way, the same at every call', () => {
    const model = perJobDuration(40);

    const durations = jobDurations(model, { assets: 10_000, spread: 0.25 });

    expect(Math.min(...durations)).toBeGreaterThanOrEqual(30);
    expect(Math.max(...durations)).toBeLessThanOrEqual(50);
    expect(durations.filter((seconds) => seconds > 40).length).toBeGreaterThan(40);
    expect(durations.filter((seconds) => seconds < 40).length).toBeGreaterThan(40);
    expect(jobDurations(model, { assets: 10_000, spread: 0.25 })).toEqual(durations);
  });

  it('runs the ideal 10 jobs at a time, each next job starting the moment one ends', () => {
    expect(idealSeconds(Array.from({ length: 100 }, () => 36))).toBe(360);
    expect(idealSeconds([...Array.from({ length: 10 }, () => 10), 5, 5])).toBe(15);
    expect(idealSeconds([7])).toBe(7);
  });

  it.each([
    ['fixed 10 s polling', FIXED_10_S, 36, { seconds: 40, polls: 4 }],
    ['the previous minute', PREVIOUS_SCHEDULE, 36, { seconds: 60, polls: 1 }],
    ['the previous minute', PREVIOUS_SCHEDULE, 300, { seconds: 300, polls: 5 }],
    ['this schedule', chosen, 36, { seconds: 40, polls: 1 }],
    ['this schedule', chosen, 10, { seconds: 40, polls: 1 }],
    ['this schedule', chosen, 300, { seconds: 308, polls: 12 }],
  ])('notices a job under %s at the first poll at or after its end', (_, config, jobSeconds, expected) => {
    expect(noticed(config, jobSeconds)).toEqual(expected);
  });

  it('fails a job that outlasts the poll bound, as the batch would', () => {
    expect(() => noticed({ initialSeconds: 10, maxSeconds: 10, growthPercent: 100, maxAttempts: 3, learnFromJobs: 0 }, 31)).toThrow(RangeError);
  });

  it('counts the transitions a sandbox run records: 17 for one batch polled once', () => {
    const run = simulateRun(chosen, [36]);

    expect(run).toEqual({ seconds: 40, transitions: 17, polls: 1 });
    expect(TRANSITIONS.perRun + TRANSITIONS.perBatch + TRANSITIONS.perPoll).toBe(17);
  });

  it('waits for the slowest batch of each wave before the next wave', () => {
    expect(simulateRun(PREVIOUS_SCHEDULE, Array.from({ length: 100 }, () => 36)).seconds).toBe(600);
  });

  it.each([36, 300])('meets both targets with this schedule for 1,000 and 10,000 assets of %i s jobs', (jobSeconds) => {
    for (const assets of [1000, 10_000]) {
      const figures = latencyFigures(chosen, perJobDuration(jobSeconds), { assets });

      expect(figures.ofIdeal).toBeLessThanOrEqual(TARGET.ofIdeal);
      expect(figures.ofFixed10).toBeLessThanOrEqual(TARGET.ofFixed10);
    }
  });

  it("learns each batch's first wait from the jobs completed by its start: the second wave of a first run waits the first wave's duration", () => {
    // 20 jobs of 12 s: the first wave waits the configured 40 s, the second 12 s, learned from the first.
    const run = simulateRun(chosen, Array.from({ length: 20 }, () => 12));

    expect(run.seconds).toBe(52);
    expect(run.polls).toBe(20);
  });

  it("starts a later run's first wave from the data set's earlier imports, newest first", () => {
    expect(simulateRun(chosen, [12], [12, 12, 500]).seconds).toBe(12);
    expect(simulateRun({ ...chosen, learnFromJobs: 0 }, [12], [12]).seconds).toBe(40);
  });

  it.each([10, 36, 300])('meets the time target in a later run of %i s jobs, at every size', (jobSeconds) => {
    for (const assets of [100, 1000, 10_000]) {
      const model = perJobDuration(jobSeconds);
      const figures = latencyFigures(chosen, model, { assets, history: jobDurations(model, { assets }) });

      expect(figures.ofIdeal).toBeLessThanOrEqual(TARGET.ofIdeal);
      // The cost target, or one poll a batch where even that cannot meet it.
      expect(figures.ofFixed10).toBeLessThanOrEqual(Math.max(TARGET.ofFixed10, figures.floorOfFixed10));
    }
  });

  it('puts the cost floor at one poll a batch: fixed 10 s polling already polls 10 s jobs once', () => {
    expect(latencyFigures(chosen, perJobDuration(10), { assets: 1000 }).floorOfFixed10).toBe(1);
    expect(latencyFigures(chosen, perJobDuration(36), { assets: 100 }).floorOfFixed10).toBeCloseTo(17 / 26);
  });

  it('misses the time target with the previous schedule for 36 s jobs', () => {
    expect(latencyFigures(PREVIOUS_SCHEDULE, perJobDuration(36), { assets: 1000 }).ofIdeal).toBeCloseTo(60 / 36);
  });
});
