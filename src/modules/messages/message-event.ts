// What travels through the stream and the bus. Encoded once as JSON; dates revived on decode
// (a Redis round trip turns them into strings). Delivery needs no database read: the event carries
// everything the Message type resolves, the sender included.
import { z } from 'zod';
import type { AttachmentInfo } from '../files/files-deps.js';

/** A stream entry: one sendMessage call waiting on `replyTo` for its commit. */
export type SendRequest = {
  id: string;
  conversationId: string;
  senderId: string;
  content: string;
  clientMessageId: string | null;
  /** Finished uploads to attach (the worker attaches them atomically with the message). */
  attachmentIds?: string[];
  /** Instance whose sendMessage call waits for the outcome. */
  replyTo: string;
  /** Epoch ms at append, for the worker-lag metric. */
  sentAt: number;
};

/**
 * What a message carries of its sender: the public fields of User, and nothing private (an email
 * must not travel to every member's instance). A stored row's sender is a superset of it.
 */
export type MessageSender = { id: string; username: string; createdAt: Date };

export type CommittedMessage = {
  id: string;
  conversationId: string;
  seq: number;
  senderId: string;
  content: string;
  clientMessageId: string | null;
  createdAt: Date;
  /** Event position (commit order across the database). */
  pos: number;
  sender: MessageSender;
  attachments: AttachmentInfo[];
};

export type CommitReply =
  | { requestId: string; ok: true; message: CommittedMessage }
  | { requestId: string; ok: false; code: 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT'; error: string };

const sendRequestSchema = z.object({
  id: z.uuid(),
  conversationId: z.uuid(),
  senderId: z.uuid(),
  content: z.string(),
  clientMessageId: z.string().nullable(),
  attachmentIds: z.array(z.uuid()).optional(),
  replyTo: z.string(),
  sentAt: z.number(),
});

export const encodeSendRequest = (request: SendRequest): string => JSON.stringify(request);

/** Throws on a malformed entry: the worker dead-letters it. */
export const decodeSendRequest = (payload: string): SendRequest => sendRequestSchema.parse(JSON.parse(payload));

export const encodeMessage = (message: CommittedMessage): string => JSON.stringify(message);

export function decodeMessage(payload: string): CommittedMessage {
  const raw = JSON.parse(payload) as CommittedMessage & { createdAt: string; sender: { createdAt: string } };
  return reviveMessage(raw);
}

/** Replies travel in batches: one publish per waiting instance per worker batch. */
export const encodeReplies = (replies: readonly CommitReply[]): string => JSON.stringify(replies);

export function decodeReplies(payload: string): CommitReply[] {
  const raw = JSON.parse(payload) as CommitReply[];
  return raw.map((reply) => (reply.ok ? { ...reply, message: reviveMessage(reply.message) } : reply));
}

export function reviveMessage(raw: CommittedMessage): CommittedMessage {
  return {
    ...raw,
    createdAt: new Date(raw.createdAt),
    sender: { ...raw.sender, createdAt: new Date(raw.sender.createdAt) },
    attachments: raw.attachments ?? [],
  };
}
