/** The synchronous side of a push iterator, for a consumer that takes values as they come. */
export type DirectConsumption<T> = {
  /**
   * From now on, `listener.notify()` is called (synchronously) after each push and on failure (an
   * object rather than a function: the consumer passes itself, and keeps no closure for it).
   */
  attach(listener: ConsumptionListener): void;
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

export type ConsumptionListener = { notify(): void };

/** What ends with the iterator (a subscription's listener, which unhooks itself). */
export type Stoppable = { stop(): void };

/** No value waiting (values may be anything, undefined included). */
const NONE: unique symbol = Symbol('none');

export type PushIteratorOptions = {
  maxQueue: number;
  /** Past maxQueue: fail the iterator (events that must not be lost), or drop the oldest (ephemeral ones). */
  overflow?: 'fail' | 'drop-oldest';
  overflowError: () => Error;
  /** Called once when the iterator ends (or give an object to whenEnded instead). */
  onEnd?: () => void;
};

/** The DirectConsumption of a stream made by createPushIterator; undefined for any other stream. */
export function directConsumptionOf(stream: unknown): DirectConsumption<unknown> | undefined {
  return stream instanceof PushIterator ? stream : undefined;
}

/**
 * An async iterator fed by pushes, with a bounded queue: a consumer that falls more than `maxQueue`
 * values behind is failed with `overflowError` instead of growing memory without limit.
 *
 * A consumer can also take values synchronously (DirectConsumption; the live delivery engine
 * does): the same queue, bound and failure, without a promise per value. The iterator still
 * reports the failure or the end once the queue is empty.
 */
export function createPushIterator<T>(options: PushIteratorOptions): PushIterator<T> {
  return new PushIterator<T>(options);
}

/**
 * One per live subscription, so a class: its methods are shared, not closures made per instance
 * (a subscription's memory is most of a socket's).
 */
export class PushIterator<T> implements AsyncIterableIterator<T>, DirectConsumption<T> {
  /** The oldest value waiting, then the ones after it (an array only while more than one waits). */
  #head: T | typeof NONE = NONE;
  #rest: T[] | undefined;
  #drained: (() => void)[] | undefined;
  #waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined;
  #ended = false;
  #listener: ConsumptionListener | undefined;
  #onEnd: Stoppable | undefined;
  readonly #options: PushIteratorOptions;

  constructor(options: PushIteratorOptions) {
    this.#options = options;
    if (options.onEnd) this.#onEnd = { stop: options.onEnd };
  }

  /**
   * `stopper.stop()` is called once when the iterator ends: typically the subscription's listener,
   * which unhooks itself, so that a subscription holds no closure to do it.
   */
  whenEnded(stopper: Stoppable): void {
    this.#onEnd = stopper;
  }

  /** The iterator to hand to GraphQL (this object). */
  get iterator(): AsyncIterableIterator<T> {
    return this;
  }

  /** Returns false if the value was not taken (iterator ended or overflowed). */
  push(value: T): boolean {
    if (this.#ended || this.#failure) return false;
    if (this.#waiting) {
      const { resolve } = this.#waiting;
      this.#waiting = undefined;
      resolve({ value, done: false });
      return true;
    }
    const size = this.size;
    if (size >= this.#options.maxQueue && this.#options.overflow === 'drop-oldest') {
      this.#dequeue();
    } else if (size >= this.#options.maxQueue) {
      this.fail(this.#options.overflowError());
      this.#clear();
      return false;
    }
    if (this.#head === NONE) this.#head = value;
    else (this.#rest ??= []).push(value);
    this.#listener?.notify();
    return true;
  }

  /** Ends the iterator with `error` once the values already queued have been taken. */
  fail(error: Error): void {
    if (this.#ended || this.#failure) return;
    this.#failure = error;
    if (this.#waiting) {
      const { reject } = this.#waiting;
      this.#waiting = undefined;
      reject(this.#takeFailure());
    }
    this.#listener?.notify();
  }

  /** Resolves once every queued value has been taken (or the iterator ended): a producer's pacing. */
  drained(): Promise<void> {
    if (this.size === 0 || this.#ended) return Promise.resolve();
    return new Promise((resolve) => (this.#drained ??= []).push(resolve));
  }

  get ended(): boolean {
    return this.#ended || this.#failure !== undefined;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) return Promise.resolve({ value: this.take(), done: false });
    if (this.#failure) return Promise.reject(this.#takeFailure());
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.#end();
    this.#waiting?.resolve({ value: undefined, done: true });
    this.#waiting = undefined;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  attach(listener: ConsumptionListener): void {
    this.#listener = listener;
  }

  detach(): void {
    this.#listener = undefined;
  }

  get size(): number {
    return (this.#head === NONE ? 0 : 1) + (this.#rest?.length ?? 0);
  }

  take(): T {
    const value = this.#dequeue();
    if (this.#head === NONE && this.#drained) this.#wakeDrained();
    return value;
  }

  get finished(): boolean {
    return this.ended;
  }

  #dequeue(): T {
    const value = this.#head as T;
    const rest = this.#rest;
    if (rest) {
      this.#head = rest.shift()!;
      // Let the array go once it is empty: an idle subscription then holds no queue at all.
      if (rest.length === 0) this.#rest = undefined;
    } else {
      this.#head = NONE;
    }
    return value;
  }

  #clear() {
    this.#head = NONE;
    this.#rest = undefined;
  }

  #wakeDrained() {
    const waiting = this.#drained!;
    this.#drained = undefined;
    for (const wake of waiting) wake();
  }

  #end() {
    if (this.#ended) return;
    this.#ended = true;
    this.#clear();
    if (this.#drained) this.#wakeDrained();
    const onEnd = this.#onEnd;
    this.#onEnd = undefined;
    onEnd?.stop();
  }

  #takeFailure(): Error {
    const error = this.#failure!;
    this.#failure = undefined;
    this.#end();
    return error;
  }
}
