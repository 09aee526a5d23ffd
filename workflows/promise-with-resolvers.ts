/*
 * aws-local-stepfunctions 3.0.0 (the only release) calls Promise.withResolvers, which Node.js has from 22 on.
 * This project runs on Node.js 20, so it gets the same few lines the standard specifies.
 */
interface PromiseWithResolversShape<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor = Promise as unknown as { withResolvers?: <T>() => PromiseWithResolversShape<T> };

promiseConstructor.withResolvers ??= <T>() => {
  let resolve!: PromiseWithResolversShape<T>['resolve'];
  let reject!: PromiseWithResolversShape<T>['reject'];
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

export {};
