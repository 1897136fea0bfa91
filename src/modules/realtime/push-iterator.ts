/** The synchronous side of a push iterator, for a consumer that takes values as they come. */
export type DirectConsumption<T> = {
  /** From now on, `notify` is called (synchronously) after each push and on failure. */
  attach(notify: () => void): void;
  detach(): void;
  /** Values waiting. */
  readonly size: number;
  /** The oldest value waiting; call only when size > 0. */
  take(): T;
  /** The iterator has failed or ended: once nothing is waiting, its next read says how. */
  readonly finished: boolean;
  /** Ends the iterator with `error` once the values waiting have been taken. */
  fail(error: Error): void;
};

/** Where an iterator made by createPushIterator keeps its DirectConsumption. */
export const DIRECT_CONSUMPTION = Symbol('direct consumption');

/** The DirectConsumption of a stream made by createPushIterator; undefined for any other stream. */
export function directConsumptionOf(stream: unknown): DirectConsumption<unknown> | undefined {
  return (stream as { [DIRECT_CONSUMPTION]?: DirectConsumption<unknown> } | null)?.[DIRECT_CONSUMPTION];
}

/**
 * An async iterator fed by pushes, with a bounded queue: a consumer that falls more than `maxQueue`
 * values behind is failed with `overflowError` instead of growing memory without limit.
 *
 * A consumer can also take values synchronously through the iterator's DIRECT_CONSUMPTION (the
 * live delivery engine does): the same queue, bound and failure, without a promise per value. The
 * iterator still reports the failure or the end once the queue is empty.
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
  let notify: (() => void) | undefined;

  const end = () => {
    if (ended) return;
    ended = true;
    queue.length = 0;
    for (const wake of drained.splice(0)) wake();
    onEnd();
  };

  const shift = () => {
    const value = queue.shift()!;
    if (queue.length === 0 && drained.length > 0) for (const wake of drained.splice(0)) wake();
    return value;
  };

  const takeFailure = () => {
    const error = failure!;
    failure = undefined;
    end();
    return error;
  };

  const iterator: AsyncIterableIterator<T> = {
    next() {
      if (queue.length > 0) return Promise.resolve({ value: shift(), done: false });
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

  const direct: DirectConsumption<T> = {
    attach(callback) {
      notify = callback;
    },
    detach() {
      notify = undefined;
    },
    get size() {
      return queue.length;
    },
    take: shift,
    get finished() {
      return ended || failure !== undefined;
    },
    fail: (error) => fail(error),
  };
  Object.defineProperty(iterator, DIRECT_CONSUMPTION, { value: direct });

  /** Ends the iterator with `error` once the values already queued have been taken. */
  function fail(error: Error) {
    if (ended || failure) return;
    failure = error;
    if (waiting) {
      const { reject } = waiting;
      waiting = undefined;
      reject(takeFailure());
    }
    notify?.();
  }

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
      notify?.();
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
