import { mapLimited } from '../../shared/concurrency';

/** A promise the test resolves by hand, to order the workers' steps. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

describe('mapLimited', () => {
  it('resolves with the results in item order, whatever order the work finishes in', async () => {
    const delays = [30, 0, 10, 0];

    const results = await mapLimited(delays, 2, async (delay, index) => {
      await new Promise((resolve) => setTimeout(resolve, delay));
      return `item ${index}`;
    });

    expect(results).toEqual(['item 0', 'item 1', 'item 2', 'item 3']);
  });

  it('keeps at most `limit` items in flight', async () => {
    let inFlight = 0;
    let most = 0;

    await mapLimited([1, 2, 3, 4, 5, 6, 7], 3, async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight -= 1;
    });

    expect(most).toBe(3);
  });

  it('rejects with the first failure and starts no new item after it, letting started work run out', async () => {
    const slow = deferred<string>();
    const started: number[] = [];

    const run = mapLimited([0, 1, 2, 3, 4], 2, async (item) => {
      started.push(item);
      if (item === 0) throw new Error('upload of item 0 refused');
      return slow.promise;
    });

    await expect(run).rejects.toThrow('upload of item 0 refused');
    slow.resolve('done');
    await new Promise((resolve) => setTimeout(resolve, 5));

    expect(started).toEqual([0, 1]);
  });

  it('finds nothing to do in an empty list', async () => {
    const work = jest.fn();

    await expect(mapLimited([], 4, work)).resolves.toEqual([]);
    expect(work).not.toHaveBeenCalled();
  });
});
