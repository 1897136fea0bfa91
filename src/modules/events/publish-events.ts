import type { Logger } from '../../infra/logger.js';
import type { Bus, Topics } from '../realtime/bus.js';
import { encodeBatch, type CommittedEvent } from './committed-events.js';

export type EventPublisher = ReturnType<typeof createEventPublisher>;

/**
 * Publishes what a transaction committed, after its commit. A failed publish is logged, not
 * thrown: the change is stored, so the caller's answer stands, and every instance's event router
 * reads the positions it never received from the database within a second or two.
 */
export function createEventPublisher({ bus, topics, logger }: { bus: Bus; topics: Topics; logger: Logger }) {
  return async (events: readonly CommittedEvent[]): Promise<void> => {
    if (events.length === 0) return;
    const sorted = [...events].sort((a, b) => a.pos - b.pos);
    const batch = { from: sorted[0]!.pos - 1, to: sorted[sorted.length - 1]!.pos, events: sorted };
    try {
      await bus.publish([topics.events], encodeBatch(batch));
    } catch (error) {
      logger.warn(
        { err: error, from: batch.from, to: batch.to },
        'could not publish committed events; routers will read them from the database',
      );
    }
  };
}
