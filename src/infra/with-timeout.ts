/** Rejects with `timed out after <ms> ms` if `promise` has not settled by then; the timer never holds the process. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    timer.unref();
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error) => (clearTimeout(timer), reject(error)),
    );
  });
}

/** Waits for `promise` at most `ms`, then goes on either way (for shutdown steps that must not hang). */
export function waitAtMost(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  return withTimeout(Promise.resolve(promise), ms).then(
    () => undefined,
    () => undefined,
  );
}
