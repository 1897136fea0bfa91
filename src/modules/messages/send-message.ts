import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type { Db } from '../../infra/db/prisma.js';
import type { Metrics } from '../../infra/metrics.js';
import { getOrCreateDirectConversation } from '../conversations/direct-conversation.js';
import { assertMember } from '../conversations/membership.js';
import type { MessageStream } from '../realtime/stream.js';
import type { CommitWaiter } from './commit-waiter.js';
import type { InFlight } from './in-flight.js';
import type { RateLimiter } from '../rate-limit/token-bucket.js';
import { encodeSendRequest, type CommittedMessage } from './message-event.js';
import { parseInput } from '../../validation.js';

export const MAX_CONTENT_LENGTH = 4000;

const sendMessageInput = z
  .object({
    recipientId: z.uuid('recipientId must be a user id').nullish(),
    conversationId: z.uuid('conversationId must be a conversation id').nullish(),
    content: z
      .string()
      .trim()
      .min(1, 'content must not be empty')
      // Characters as people count them (code points), not UTF-16 units: an emoji counts once.
      .refine((content) => countCodePoints(content) <= MAX_CONTENT_LENGTH, `content must be at most ${MAX_CONTENT_LENGTH} characters`),
    clientMessageId: z.string().trim().min(1, 'clientMessageId must not be empty').max(128, 'clientMessageId must be at most 128 characters').nullish(),
  })
  .refine((input) => !!input.recipientId !== !!input.conversationId, {
    message: 'Give exactly one of recipientId (a direct message) or conversationId.',
    path: ['recipientId'],
  });

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) count += 1;
  return count;
}

export type SendMessageInput = z.input<typeof sendMessageInput>;

export type SendMessageDeps = {
  db: Db;
  stream: MessageStream;
  commits: CommitWaiter;
  inFlight: InFlight;
  rateLimit: RateLimiter;
  instanceId: string;
  sendTimeoutMs: number;
  metrics: Metrics;
};

/**
 * Checks the sender may post, appends the message to the stream and waits for the worker's commit:
 * the answer is the stored message with its seq. A retry with the same clientMessageId answers the
 * original message and sends nothing new.
 */
export function sendMessage(deps: SendMessageDeps, senderId: string, rawInput: SendMessageInput): Promise<CommittedMessage> {
  const input = parseInput(sendMessageInput, rawInput);
  deps.rateLimit.take(senderId, 'messages');
  return deps.inFlight.run(() => send(deps, senderId, input));
}

async function send(deps: SendMessageDeps, senderId: string, input: z.output<typeof sendMessageInput>): Promise<CommittedMessage> {
  const clientMessageId = input.clientMessageId ?? null;

  if (clientMessageId !== null) {
    const original = await deps.db.message.findUnique({
      where: { senderId_clientMessageId: { senderId, clientMessageId } },
      include: { sender: true },
    });
    if (original) return original;
  }

  let conversationId: string;
  if (input.recipientId) {
    const recipient = await deps.db.user.findUnique({ where: { id: input.recipientId }, select: { id: true } });
    if (!recipient) throw new AppError('NOT_FOUND', `User ${input.recipientId} not found.`, { field: 'recipientId' });
    conversationId = await getOrCreateDirectConversation(deps.db, senderId, recipient.id);
  } else {
    conversationId = input.conversationId!;
    await assertMember(deps.db, conversationId, senderId);
  }

  const id = randomUUID();
  const waiting = deps.commits.wait(id, deps.sendTimeoutMs);
  try {
    await deps.stream.append(
      encodeSendRequest({ id, conversationId, senderId, content: input.content, clientMessageId, replyTo: deps.instanceId, sentAt: Date.now() }),
    );
  } catch (error) {
    waiting.cancel();
    throw new AppError('UNAVAILABLE', 'The message could not be queued (the message stream is unavailable); nothing was sent. Try again shortly.', {
      retryable: true,
      cause: (error as Error).message,
    });
  }
  deps.metrics.messagesSent.inc();
  const reply = await waiting.reply;
  if (!reply.ok) throw new AppError(reply.code, reply.error);
  return reply.message;
}
