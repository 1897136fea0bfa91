// Pub/Sub between server instances. Payloads are strings so an event is encoded once, however
// many topics and sockets it goes to. Delivery is at most once to whoever is subscribed right now;
// durability lives in the stream, not here.

export type Unsubscribe = () => Promise<void>;

export interface Bus {
  /** Publishes one payload to every topic given (pipelined where the engine can). */
  publish(topics: readonly string[], payload: string): Promise<void>;
  /**
   * Resolves once the subscription is live: everything published to `topic` after that reaches
   * `handler`, on this instance, in publish order.
   */
  subscribe(topic: string, handler: (payload: string) => void): Promise<Unsubscribe>;
  /** Whether messages published now reach this instance's subscriptions (false while reconnecting). */
  isLive(): boolean;
  close(): Promise<void>;
}

/** Topic names; one prefix per deployment (and per test) keeps neighbours apart on a shared Redis. */
export function topics(prefix: string) {
  return {
    /** Every committed batch of durable events, to every instance (each routes them to its own users). */
    events: `${prefix}events`,
    /** Typing (ephemeral), naming its recipients: every instance hands it to its own. */
    typing: `${prefix}typing`,
    /** Online/offline transitions, each published once: every instance updates its cache and watchers. */
    presence: `${prefix}presence`,
    /** Sign-outs (a login, or all of a user's): every instance refuses their tokens and closes their sockets. */
    sessions: `${prefix}sessions`,
    /** Commit outcomes for the sendMessage calls waiting on one instance. */
    replies: (instanceId: string) => `${prefix}replies:${instanceId}`,
  };
}
export type Topics = ReturnType<typeof topics>;
