import type { Pool } from 'pg';
import type { Logger } from '../../infra/logger.js';
import type { Bus, Topics } from '../realtime/bus.js';
import type { WorkerMetrics } from './worker-metrics.js';
import type { StreamEntry } from '../realtime/stream.js';
import { decodeSendRequest, encodeReplies, type CommitReply, type SendRequest } from '../messages/message-event.js';
import { encodeBatch, type CommittedEvent } from '../events/committed-events.js';
import { commitMessages, type CommitResult } from './commit-messages.js';
import { createSenderDirectory } from './sender-directory.js';
import { createMemberLists } from './member-lists.js';
import { isTransientError } from '../../infra/transient-errors.js';
import type { BatchOutcome } from './stream-consumer.js';

export type MessagePersisterDeps = {
  pool: Pool;
  /** Only publishes: the events topic and each instance's reply topic. */
  bus: Pick<Bus, 'publish'>;
  topics: Topics;
  logger: Logger;
  metrics: WorkerMetrics;
  /** Fault injection (crash tests): runs after the commit, before anything is published or acked. */
  afterCommit?: () => void;
};

/**
 * The worker's batch handler, in the order that makes "delivered means stored" hold:
 * commit the batch, then publish its new messages as one event batch (every instance routes them to
 * its members), then answer the waiting sendMessage calls; the consumer acks only after this
 * resolves. A message stored by an earlier delivery of its entry (a crash before the ack) is not
 * published again: if its batch never reached the bus, every instance's event router reads the
 * missing positions from the database.
 */
export function createMessagePersister({ pool, bus, topics, logger, metrics, afterCommit }: MessagePersisterDeps) {
  const log = logger.child({ component: 'message-persister' });
  const senders = createSenderDirectory();
  const memberLists = createMemberLists();

  return async function persistBatch(entries: StreamEntry[]): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { done: [], failed: new Map(), poison: new Map() };
    const decoded: { entry: StreamEntry; request: SendRequest }[] = [];
    for (const entry of entries) {
      try {
        decoded.push({ entry, request: decodeSendRequest(entry.payload) });
      } catch (error) {
        outcome.poison!.set(entry.id, new Error(`malformed stream entry: ${(error as Error).message}`));
      }
    }
    if (decoded.length === 0) return outcome;

    const refused: SendRequest[] = [];
    const results = await commitIsolatingFailures(decoded, outcome, refused);
    afterCommit?.();
    const committedAt = Date.now();
    const replies = new Map<string, CommitReply[]>();
    const events: CommittedEvent[] = [];
    for (const [index, result] of results) {
      const { entry, request } = decoded[index]!;
      if (result.kind === 'new') {
        const { message, memberIds } = result;
        events.push({
          kind: 'message',
          pos: message.pos,
          conversationId: message.conversationId,
          recipients: memberIds,
          message,
          sentAt: request.sentAt,
        });
        metrics.messagesCommitted.inc();
        metrics.workerLag.observe(Math.max(0, committedAt - request.sentAt) / 1000);
      }
      const reply: CommitReply =
        result.kind === 'rejected'
          ? { requestId: request.id, ok: false, code: result.code, error: result.error }
          : { requestId: request.id, ok: true, message: result.message };
      const list = replies.get(request.replyTo) ?? [];
      list.push(reply);
      replies.set(request.replyTo, list);
      outcome.done.push(entry.id);
    }
    // Entries the database refuses for what they are are dead-lettered now, and their senders told
    // at once that resending cannot help, instead of timing out with "retry is safe".
    for (const request of refused) {
      const list = replies.get(request.replyTo) ?? [];
      list.push({
        requestId: request.id,
        ok: false,
        code: 'BAD_USER_INPUT',
        error:
          'This message cannot be stored (the database refused it), so it was not sent; sending it again unchanged fails the same way.',
      });
      replies.set(request.replyTo, list);
    }
    // A failed publish throws: every entry stays pending, and the routers fill the gap meanwhile.
    // Positions of one transaction are contiguous; a batch committed in pieces (after a failure)
    // is published piece by piece.
    // Issued together, in order: one round trip for the batch's events and every instance's answers.
    await Promise.all([
      ...contiguousBatches(events).map((batch) => bus.publish([topics.events], encodeBatch(batch))),
      ...[...replies].map(([instance, list]) => bus.publish([topics.replies(instance)], encodeReplies(list))),
    ]);
    return outcome;
  };

  /** One transaction for the batch; if it fails, entry by entry, so one bad entry cannot block the rest. */
  async function commitIsolatingFailures(
    decoded: { entry: StreamEntry; request: SendRequest }[],
    outcome: BatchOutcome,
    refused: SendRequest[],
  ) {
    /** A failure of one entry alone: an outage stays pending (retried), anything else is that entry's fault. */
    const settleFailure = (entry: StreamEntry, request: SendRequest, error: Error) => {
      if (isTransientError(error)) return void outcome.failed.set(entry.id, error);
      log.error({ err: error, entryId: entry.id, requestId: request.id }, 'the database refused a message; it is dead-lettered');
      outcome.poison!.set(entry.id, new Error(`refused by the database: ${error.message}`));
      refused.push(request);
    };
    const results: [number, CommitResult][] = [];
    try {
      const all = await commitMessages(
        pool,
        decoded.map((d) => d.request),
        { senders, memberLists },
      );
      all.forEach((result, index) => results.push([index, result]));
      return results;
    } catch (error) {
      // One by one only helps when an entry is at fault; with the database away, all fail alike.
      if (isTransientError(error)) {
        for (const { entry } of decoded) outcome.failed.set(entry.id, error as Error);
        return results;
      }
      if (decoded.length === 1) {
        settleFailure(decoded[0]!.entry, decoded[0]!.request, error as Error);
        return results;
      }
      log.warn({ err: error, size: decoded.length }, 'batch commit failed; committing its entries one by one');
    }
    for (const [index, { entry, request }] of decoded.entries()) {
      try {
        const [result] = await commitMessages(pool, [request], { senders, memberLists });
        results.push([index, result!]);
      } catch (error) {
        settleFailure(entry, request, error as Error);
      }
    }
    return results;
  }
}

/** Events sorted by position, cut where positions jump: each piece is one commit's range. */
function contiguousBatches(events: CommittedEvent[]) {
  const sorted = [...events].sort((a, b) => a.pos - b.pos);
  const batches: { from: number; to: number; events: CommittedEvent[] }[] = [];
  for (const event of sorted) {
    const last = batches[batches.length - 1];
    if (last && last.to === event.pos - 1) {
      last.events.push(event);
      last.to = event.pos;
    } else batches.push({ from: event.pos - 1, to: event.pos, events: [event] });
  }
  return batches;
}
