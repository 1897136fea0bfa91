import { isTransientError } from '../../infra/transient-errors.js';
import type { MessageStream } from '../realtime/stream.js';
import { createMessagePersister, type MessagePersisterDeps } from './message-persister.js';
import { startStreamConsumer, type StreamConsumer } from './stream-consumer.js';

export type MessageWorkerOptions = Omit<MessagePersisterDeps, 'afterCommit'> & {
  stream: MessageStream;
  consumer: string;
  batchSize: number;
  claimIdleMs: number;
  /** Crash tests only: SIGKILL this process between commit and ack. */
  killAfterCommit?: boolean;
};

/** The stream consumer wired to the message persister, with its metrics. */
export function startMessageWorker(options: MessageWorkerOptions): StreamConsumer {
  const { metrics } = options;
  return startStreamConsumer({
    stream: options.stream,
    consumer: options.consumer,
    logger: options.logger,
    batchSize: options.batchSize,
    claimIdleMs: options.claimIdleMs,
    handleBatch: createMessagePersister({
      pool: options.pool,
      bus: options.bus,
      topics: options.topics,
      logger: options.logger,
      metrics,
      afterCommit: options.killAfterCommit ? () => process.kill(process.pid, 'SIGKILL') : undefined,
    }),
    onBatch: ({ size }) => metrics.workerBatchSize.observe(size),
    onDeadLetter: () => metrics.deadLettered.inc(),
    isTransient: isTransientError,
  });
}
