import { AppError } from '../../errors.js';
import type { Logger } from '../../infra/logger.js';
import type { Bus, Topics, Unsubscribe } from '../realtime/bus.js';
import { decodeReplies, type CommitReply } from './message-event.js';

export type CommitWaiter = ReturnType<typeof createCommitWaiter>;

/**
 * Where sendMessage waits for the worker: the worker (on any instance) publishes commit outcomes to
 * this instance's reply topic. Register with `wait` before appending, so a fast commit is not missed.
 */
export function createCommitWaiter({ bus, topics, instanceId, logger }: { bus: Bus; topics: Topics; instanceId: string; logger: Logger }) {
  const waiting = new Map<string, (reply: CommitReply) => void>();
  let unsubscribe: Unsubscribe | undefined;

  return {
    async start() {
      unsubscribe = await bus.subscribe(topics.replies(instanceId), (payload) => {
        let replies: CommitReply[];
        try {
          replies = decodeReplies(payload);
        } catch (error) {
          logger.error({ err: error }, 'undecodable commit reply dropped');
          return;
        }
        for (const reply of replies) waiting.get(reply.requestId)?.(reply);
      });
    },

    /** Resolves with the worker's outcome, or rejects with UNAVAILABLE after `timeoutMs`. */
    wait(requestId: string, timeoutMs: number): { reply: Promise<CommitReply>; cancel: () => void } {
      let timer: NodeJS.Timeout | undefined;
      const cancel = () => {
        clearTimeout(timer);
        waiting.delete(requestId);
      };
      const reply = new Promise<CommitReply>((resolve, reject) => {
        timer = setTimeout(() => {
          waiting.delete(requestId);
          reject(
            new AppError(
              'UNAVAILABLE',
              `The message was not confirmed as stored within ${formatDuration(timeoutMs)} (the message worker or the database is unavailable). ` +
                'It may still be delivered: retrying with the same clientMessageId is safe and never sends it twice.',
              { retryable: true },
            ),
          );
        }, timeoutMs);
        waiting.set(requestId, (value) => {
          cancel();
          resolve(value);
        });
      });
      return { reply, cancel };
    },

    get inFlight() {
      return waiting.size;
    },

    async stop() {
      await unsubscribe?.();
    },
  };
}

/** 300 -> "300 ms", 5000 -> "5 s", 1500 -> "1.5 s": a sub-second SEND_TIMEOUT must not read "0 s". */
function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}
