/** A promise with its resolve and reject exposed, to await an event instead of sleeping. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
  /** True once resolve or reject has been called. */
  readonly settled: boolean;
}

export function createDeferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  let settled = false;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // An unobserved rejection must not crash the worker before a test gets to await it.
  promise.catch(() => undefined);
  return {
    promise,
    resolve(value) {
      settled = true;
      resolve(value);
    },
    reject(reason) {
      settled = true;
      reject(reason);
    },
    get settled() {
      return settled;
    },
  };
}

export interface WaitForOptions {
  /** Give up after this long; keep it under the test timeout so this error is the one reported. */
  timeoutMs?: number;
  /** Delay between polls. */
  intervalMs?: number;
  /** What is being waited for, for the error message ("message 3 to be persisted"). */
  description?: string;
}

/**
 * Polls `predicate` until it returns a truthy value (which is returned) or the timeout passes.
 * A predicate that throws counts as "not yet"; its last error is included in the timeout error.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  { timeoutMs = 5_000, intervalMs = 20, description }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const started = Date.now();
  let lastValue: unknown;
  let lastError: unknown;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
      lastValue = value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    const elapsed = Date.now() - started;
    if (elapsed >= timeoutMs) {
      const what = description ?? predicate.toString().slice(0, 200);
      const last =
        lastError !== undefined
          ? `last attempt threw: ${lastError instanceof Error ? lastError.message : String(lastError)}`
          : `last value: ${describeValue(lastValue)}`;
      throw new Error(`waitFor timed out after ${elapsed} ms (${attempts} attempts) waiting for ${what}; ${last}`, {
        cause: lastError,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, timeoutMs - elapsed)));
  }
}

function describeValue(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
