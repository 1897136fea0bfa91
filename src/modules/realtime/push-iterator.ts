/**
 * An async iterator fed by pushes, with a bounded queue: a consumer that falls more than `maxQueue`
 * values behind is failed with `overflowError` instead of growing memory without limit.
 */
export function createPushIterator<T>({
  maxQueue,
  overflow = 'fail',
  overflowError,
  onEnd,
}: {
  maxQueue: number;
  /** Past maxQueue: fail the iterator (events that must not be lost), or drop the oldest (ephemeral ones). */
  overflow?: 'fail' | 'drop-oldest';
  overflowError: () => Error;
  onEnd: () => void;
}) {
  const queue: T[] = [];
  const drained: (() => void)[] = [];
  let waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | undefined;
  let failure: Error | undefined;
  let ended = false;

  const end = () => {
    if (ended) return;
    ended = true;
    queue.length = 0;
    for (const wake of drained.splice(0)) wake();
    onEnd();
  };

  const takeFailure = () => {
    const error = failure!;
    failure = undefined;
    end();
    return error;
  };

  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (queue.length > 0) {
        const value = queue.shift()!;
        if (queue.length === 0 && drained.length > 0) for (const wake of drained.splice(0)) wake();
        return Promise.resolve({ value, done: false });
      }
      if (failure) return Promise.reject(takeFailure());
      if (ended) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    return() {
      end();
      waiting?.resolve({ value: undefined, done: true });
      waiting = undefined;
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };

  /** Ends the iterator with `error` once the values already queued have been taken. */
  const fail = (error: Error) => {
    if (ended || failure) return;
    failure = error;
    if (waiting) {
      const { reject } = waiting;
      waiting = undefined;
      reject(takeFailure());
    }
  };

  return {
    iterator,
    /** Returns false if the value was not taken (iterator ended or overflowed). */
    push(value: T): boolean {
      if (ended || failure) return false;
      if (waiting) {
        const { resolve } = waiting;
        waiting = undefined;
        resolve({ value, done: false });
        return true;
      }
      if (queue.length >= maxQueue && overflow === 'drop-oldest') {
        queue.shift();
      } else if (queue.length >= maxQueue) {
        fail(overflowError());
        queue.length = 0;
        return false;
      }
      queue.push(value);
      return true;
    },
    fail,
    /** Resolves once every queued value has been taken (or the iterator ended): a producer's pacing. */
    drained(): Promise<void> {
      if (queue.length === 0 || ended) return Promise.resolve();
      return new Promise((resolve) => drained.push(resolve));
    },
    get ended() {
      return ended || failure !== undefined;
    },
  };
}
