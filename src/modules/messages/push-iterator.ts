/**
 * An async iterator fed by pushes, with a bounded queue: a consumer that falls more than `maxQueue`
 * values behind is failed with `overflowError` instead of growing memory without limit.
 */
export function createPushIterator<T>({
  maxQueue,
  overflowError,
  onEnd,
}: {
  maxQueue: number;
  overflowError: () => Error;
  onEnd: () => void;
}) {
  const queue: T[] = [];
  let waiting: ((result: IteratorResult<T>) => void) | undefined;
  let failure: Error | undefined;
  let ended = false;

  const end = () => {
    if (ended) return;
    ended = true;
    queue.length = 0;
    onEnd();
  };

  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
      if (failure) {
        const error = failure;
        failure = undefined;
        end();
        return Promise.reject(error);
      }
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiting = resolve;
      });
    },
    return() {
      end();
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };

  return {
    iterator,
    /** Returns false if the value was not taken (iterator ended or overflowed). */
    push(value: T): boolean {
      if (ended || failure) return false;
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value, done: false });
        return true;
      }
      if (queue.length >= maxQueue) {
        failure = overflowError();
        queue.length = 0;
        return false;
      }
      queue.push(value);
      return true;
    },
  };
}
