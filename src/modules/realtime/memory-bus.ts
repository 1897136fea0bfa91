import type { Bus, Unsubscribe } from './bus.js';

/** The in-process engine: one process, no Redis. Handlers run on a later microtask, as over a wire. */
export function createMemoryBus(): Bus {
  const handlers = new Map<string, Set<(payload: string) => void>>();

  return {
    async publish(topics, payload) {
      for (const topic of topics) {
        const set = handlers.get(topic);
        if (!set) continue;
        for (const handler of [...set]) queueMicrotask(() => handler(payload));
      }
    },
    async subscribe(topic, handler): Promise<Unsubscribe> {
      let set = handlers.get(topic);
      if (!set) handlers.set(topic, (set = new Set()));
      // Wrap so the same function subscribed twice counts twice, as in Redis.
      const entry = (payload: string) => handler(payload);
      set.add(entry);
      return async () => {
        set.delete(entry);
        if (set.size === 0 && handlers.get(topic) === set) handlers.delete(topic);
      };
    },
    isLive: () => true,
    async close() {
      handlers.clear();
    },
  };
}
