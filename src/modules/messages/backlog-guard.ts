import { AppError } from '../../errors.js';
import type { MessageStream } from '../realtime/stream.js';

export type BacklogGuard = ReturnType<typeof createBacklogGuard>;

/**
 * Refuses new sends while the stream holds `max` entries or more: the worker or the database has
 * fallen behind, and a queue allowed to grow without bound would exhaust Redis and fail later, less
 * clearly. The length is read in the background (refresh, about once a second), so a send pays
 * nothing for the check; the bound is therefore approximate by one second of sends.
 */
export function createBacklogGuard({ stream, max }: { stream: MessageStream; max: number }) {
  let backlog = 0;
  return {
    async refresh(): Promise<void> {
      backlog = await stream.length();
    },
    /** Throws UNAVAILABLE (retryable: nothing was queued) while the backlog is at the cap. */
    assertRoom(): void {
      if (backlog < max) return;
      throw new AppError(
        'UNAVAILABLE',
        `Messages are arriving faster than they can be stored (${backlog} waiting); nothing was sent. Retry shortly with the same clientMessageId.`,
        { retryable: true },
      );
    },
  };
}
