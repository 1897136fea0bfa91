import { AppError } from '../../errors.js';
import { createWorkTracker } from '../../infra/work-tracker.js';

export type InFlight = ReturnType<typeof createInFlight>;

/**
 * Counts sendMessage calls under way, so a shutdown can let them finish (their commit answered)
 * before the worker stops, and refuses new ones meanwhile with an error that says to retry.
 */
export function createInFlight() {
  const tracker = createWorkTracker();
  let closing = false;

  return {
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (closing) {
        throw new AppError(
          'UNAVAILABLE',
          'The server is restarting and takes no new messages: retry shortly (with the same clientMessageId).',
          {
            retryable: true,
          },
        );
      }
      const leave = tracker.enter();
      try {
        return await work();
      } finally {
        leave();
      }
    },
    /** Refuses new work from now on; resolves once the work under way has ended. */
    drain(): Promise<void> {
      closing = true;
      return tracker.idle();
    },
    get running() {
      return tracker.running;
    },
  };
}
