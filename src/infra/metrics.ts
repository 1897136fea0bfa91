import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance, so two instances in one process (tests) do not collide. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    openSockets: new Gauge({ name: 'chat_ws_open_sockets', help: 'Open graphql-ws sockets.', registers }),
    messagesSent: new Counter({ name: 'chat_messages_sent_total', help: 'sendMessage calls appended to the stream.', registers }),
    messagesCommitted: new Counter({
      name: 'chat_messages_committed_total',
      help: 'Messages stored in PostgreSQL by this instance’s worker.',
      registers,
    }),
    messagesDelivered: new Counter({
      name: 'chat_messages_delivered_total',
      help: 'Message events handed to subscriptions on this instance.',
      registers,
    }),
    deadLettered: new Counter({
      name: 'chat_stream_dead_lettered_total',
      help: 'Stream entries moved to the dead-letter stream.',
      registers,
    }),
    workerBatchSize: new Histogram({
      name: 'chat_worker_batch_size',
      help: 'Entries per worker batch.',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers,
    }),
    workerLag: new Histogram({
      name: 'chat_worker_lag_seconds',
      help: 'Time from append to commit of a message.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    deliveryLatency: new Histogram({
      name: 'chat_delivery_latency_seconds',
      help: 'Time from sendMessage appending a message to this instance handing its committed event to local subscriptions: once per message per instance that has any, not per socket.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    streamPending: new Gauge({ name: 'chat_stream_pending', help: 'Stream entries handed out and not yet acked.', registers }),
    streamUndelivered: new Gauge({ name: 'chat_stream_undelivered', help: 'Stream entries not yet read by any worker.', registers }),
    streamDeadLetters: new Gauge({
      name: 'chat_stream_dead_letters',
      help: 'Entries kept in the dead-letter stream (capped by DEAD_LETTER_MAX).',
      registers,
    }),
    sendsRefusedBacklog: new Counter({
      name: 'chat_messages_refused_backlog_total',
      help: 'sendMessage calls refused because the stream backlog was at STREAM_MAX_BACKLOG.',
      registers,
    }),
    subscriptionsFellBehind: new Counter({
      name: 'chat_subscriptions_fell_behind_total',
      help: 'Subscriptions stopped because their client fell too far behind (it was told how to catch up).',
      registers,
    }),
    liveFrames: new Counter({
      name: 'chat_live_frames_total',
      help: 'Subscription events written to graphql-ws sockets by the live delivery engine.',
      registers,
    }),
    liveExecutions: new Counter({
      name: 'chat_live_executions_total',
      help: 'GraphQL executions behind those frames: one per group of subscribers that get the same bytes.',
      registers,
    }),
  };
}
export type Metrics = ReturnType<typeof createMetrics>;
