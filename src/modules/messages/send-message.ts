import { newId } from '../../infra/ids.js';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { Metrics } from '../../infra/metrics.js';
import type { SendAccess } from '../conversations/send-access.js';
import type { MessageStream } from '../realtime/stream.js';
import type { BacklogGuard } from './backlog-guard.js';
import type { CommitWaiter } from './commit-waiter.js';
import type { InFlight } from './in-flight.js';
import type { RateLimiter } from '../rate-limit/token-bucket.js';
import { encodeSendRequest, type CommittedMessage } from './message-event.js';
import type { FilesDeps } from '../files/files-deps.js';
import { MAX_ATTACHMENTS, prepareAttachments } from '../files/prepare-attachments.js';
import { nulMessage, parseInput, withoutNul } from '../../validation.js';

export const MAX_CONTENT_LENGTH = 4000;

const sendMessageInput = z
  .object({
    recipientId: z.uuid('recipientId must be a user id').nullish(),
    conversationId: z.uuid('conversationId must be a conversation id').nullish(),
    content: z
      .string()
      .trim()
      .refine(withoutNul, nulMessage('content'))
      // Characters as people count them (code points), not UTF-16 units: an emoji counts once.
      .refine((content) => countCodePoints(content) <= MAX_CONTENT_LENGTH, `content must be at most ${MAX_CONTENT_LENGTH} characters`),
    clientMessageId: z
      .string()
      .trim()
      .min(1, 'clientMessageId must not be empty')
      .max(128, 'clientMessageId must be at most 128 characters')
      .refine(withoutNul, nulMessage('clientMessageId'))
      .nullish(),
    attachmentIds: z
      .array(z.uuid('attachmentIds must hold upload ids'))
      .max(MAX_ATTACHMENTS, `attachmentIds must hold at most ${MAX_ATTACHMENTS} uploads`)
      .refine((ids) => new Set(ids).size === ids.length, 'attachmentIds must not repeat an upload')
      .nullish(),
  })
  .refine((input) => !!input.recipientId !== !!input.conversationId, {
    message: 'Give exactly one of recipientId (a direct message) or conversationId.',
    path: ['recipientId'],
  })
  // Text, attachments, or both: with attachments, the text may be empty.
  .refine((input) => input.content.length > 0 || (input.attachmentIds?.length ?? 0) > 0, {
    message: 'content must not be empty (unless the message has attachments)',
    path: ['content'],
  });

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

export type SendMessageInput = z.input<typeof sendMessageInput>;

export type SendMessageDeps = {
  stream: MessageStream;
  commits: CommitWaiter;
  access: SendAccess;
  inFlight: InFlight;
  backlog: BacklogGuard;
  rateLimit: RateLimiter;
  instanceId: string;
  sendTimeoutMs: number;
  metrics: Metrics;
  files: FilesDeps;
};

/**
 * Checks the sender may post, appends the message to the stream and waits for the worker's commit:
 * the answer is the stored message with its seq. A retry with the same clientMessageId answers the
 * original message and sends nothing new (the worker recognises it).
 */
export async function sendMessage(deps: SendMessageDeps, senderId: string, rawInput: SendMessageInput): Promise<CommittedMessage> {
  const input = parseInput(sendMessageInput, rawInput);
  try {
    deps.backlog.assertRoom();
  } catch (error) {
    deps.metrics.sendsRefusedBacklog.inc();
    throw error;
  }
  await deps.rateLimit.take(senderId, 'messages');
  return deps.inFlight.run(() => send(deps, senderId, input));
}

async function send(deps: SendMessageDeps, senderId: string, input: z.output<typeof sendMessageInput>): Promise<CommittedMessage> {
  const clientMessageId = input.clientMessageId ?? null;
  // No lookup of an earlier message with this clientMessageId: the worker finds it inside the
  // commit and answers with it, which keeps the hot path free of queries.
  const conversationId = await deps.access.conversationFor(
    senderId,
    input.recipientId ? { recipientId: input.recipientId } : { conversationId: input.conversationId! },
  );

  // Time-ordered (UUIDv7): the primary key index grows at its right edge instead of at a random
  // leaf, so an insert touches the same few pages however many messages are stored.
  const attachmentIds = input.attachmentIds ?? [];
  await prepareAttachments(deps.files, senderId, conversationId, attachmentIds);

  const id = newId();
  // One bound for the whole wait, the append included: with Redis away, XADD waits for it to
  // come back, and the caller must hear UNAVAILABLE in time rather than hang.
  const waiting = deps.commits.wait(id, deps.sendTimeoutMs);
  const appended = deps.stream
    .append(
      encodeSendRequest({
        id,
        conversationId,
        senderId,
        content: input.content,
        clientMessageId,
        ...(attachmentIds.length > 0 ? { attachmentIds } : {}),
        replyTo: deps.instanceId,
        sentAt: Date.now(),
      }),
    )
    .catch((error: Error) => {
      waiting.cancel();
      throw new AppError(
        'UNAVAILABLE',
        'The message could not be queued (the message stream is unavailable); nothing was sent. Try again shortly.',
        { retryable: true, cause: error.message },
      );
    });
  // If the bound passes first, the append may still fail later: that must not be an unhandled rejection.
  appended.catch(() => undefined);
  await Promise.race([appended, waiting.reply]);
  await appended;
  deps.metrics.messagesSent.inc();
  const reply = await waiting.reply;
  if (!reply.ok) throw new AppError(reply.code, reply.error);
  return reply.message;
}
