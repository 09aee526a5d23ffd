import { sleep } from '../../shared/sleep';

describe('sleep', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  /** Whether the promise has settled once the microtasks queued so far have run. */
  const settled = async (promise: Promise<void>) => {
    let done = false;
    void promise.then(() => {
      done = true;
    });
    await Promise.resolve();
    await Promise.resolve();
    return done;
  };

  it('resolves once the time has passed, not before', async () => {
    // Act
    const sleeping = sleep(1_000);
    jest.advanceTimersByTime(999);
    const early = await settled(sleeping);
    jest.advanceTimersByTime(1);

    // Assert
    expect(early).toBe(false);
    await expect(settled(sleeping)).resolves.toBe(true);
  });

  it('resolves at once, setting no timer, when the signal was aborted before the call', async () => {
    const controller = new AbortController();
    controller.abort();

    const sleeping = sleep(60_000, controller.signal);

    await expect(settled(sleeping)).resolves.toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('ends early on an abort, clearing its timer', async () => {
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    expect(jest.getTimerCount()).toBe(1);

    controller.abort();

    await expect(settled(sleeping)).resolves.toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('leaves no abort listener behind once it has slept its time', () => {
    const controller = new AbortController();
    const added = jest.spyOn(controller.signal, 'addEventListener');
    const removed = jest.spyOn(controller.signal, 'removeEventListener');

    void sleep(10, controller.signal);
    jest.advanceTimersByTime(10);

    expect(added).toHaveBeenCalledWith('abort', expect.any(Function), { once: true });
    expect(removed).toHaveBeenCalledWith('abort', added.mock.calls[0][1]);
  });
});
