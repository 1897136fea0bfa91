import { AppError } from '../../errors.js';

export type InFlight = ReturnType<typeof createInFlight>;

/**
 * Counts sendMessage calls under way, so a shutdown can let them finish (their commit answered)
 * before the worker stops, and refuse new ones meanwhile with an error that says to retry.
 */
export function createInFlight() {
  let running = 0;
  let closing = false;
  let idle: (() => void)[] = [];

  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (closing) {
        throw new AppError('UNAVAILABLE', 'The server is restarting and takes no new messages: retry shortly (with the same clientMessageId).', {
          retryable: true,
        });
      }
      running += 1;
      try {
        return await work();
      } finally {
        running -= 1;
        if (running === 0) for (const resolve of idle.splice(0)) resolve();
      }
    },
    /** Refuses new work from now on; resolves once the work under way has ended. */
    drain(): Promise<void> {
      closing = true;
      if (running === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
    get running() {
      return running;
    },
  };
}
