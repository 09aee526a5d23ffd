import { learnedFirstWaitSeconds, MAX_LEARNED_FIRST_SECONDS, pollWaits, withFirstWait } from '../../shared/import-poll';

const config = { initialSeconds: 40, maxSeconds: 60, growthPercent: 20, maxAttempts: 126, learnFromJobs: 4 };

describe('learnedFirstWaitSeconds', () => {
  it.each<[string, number[], number]>([
    ['the configured first wait when the data set has no completed import', [], 40],
    ['the one duration there is, rounded up to a whole second', [9.2], 10],
    ['the 60th percentile of a few', [30, 10, 20], 20],
    ['past the median of an even count, so most jobs like them need no second poll', [10, 20, 30, 40], 30],
    ['at least a second, for imports that took no time', [0, 0.2], 1],
    ['at most MAX_LEARNED_FIRST_SECONDS, whatever the imports took', [5000, 4000], MAX_LEARNED_FIRST_SECONDS],
    ['of the newest learnFromJobs durations only', [10, 10, 10, 10, 999, 999, 999], 10],
  ])('is %s', (_case, recent, expected) => {
    expect(learnedFirstWaitSeconds(config, recent)).toBe(expected);
  });

  it('leaves the durations it is given in their order', () => {
    const recent = [30, 10, 20];

    learnedFirstWaitSeconds(config, recent);

    expect(recent).toEqual([30, 10, 20]);
  });
});

describe('withFirstWait', () => {
  it('starts the schedule at the learned wait, and the later waits grow from it', () => {
    expect(pollWaits(withFirstWait(config, 100), 3)).toEqual([100, 20, 24]);
  });

  it('keeps the configured schedule for a status that learned nothing', () => {
    expect(withFirstWait(config, undefined)).toBe(config);
  });
});
