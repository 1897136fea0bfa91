// Durable events as they travel from the transaction that stored them to every instance: one batch
// per commit, carrying its position range and, for each event, who should see it. Encoded once as
// JSON; dates revived on decode. Delivery needs no database read: a message event carries its sender.
import type { CommittedMessage } from '../messages/message-event.js';
import { reviveMessage } from '../messages/message-event.js';

export type ConversationChangeKind = 'CREATED' | 'MEMBERS_ADDED' | 'MEMBER_REMOVED' | 'MEMBER_LEFT' | 'RENAMED' | 'ROLE_CHANGED';

export type CommittedEvent =
  | {
      kind: 'message';
      pos: number;
      conversationId: string;
      recipients: string[];
      message: CommittedMessage;
      /**
       * Epoch ms at which sendMessage appended it (the sending instance's clock), for the
       * send-to-delivery latency; absent from events read back from the database.
       */
      sentAt?: number;
    }
  | {
      kind: 'conversation';
      pos: number;
      conversationId: string;
      recipients: string[];
      change: ConversationChangeKind;
      actorId: string | null;
      /** Members added, removed or whose role changed. */
      userIds: string[];
      /** Recipients who lost access with this event: they get RemovedFromConversation. */
      removed: string[];
    }
  | { kind: 'read'; pos: number; conversationId: string; recipients: string[]; userId: string; lastReadSeq: number };

/** The events of one commit, at positions (from, to]: every position in the range is one of them. */
export type CommittedBatch = { from: number; to: number; events: CommittedEvent[] };

export const encodeBatch = (batch: CommittedBatch): string => JSON.stringify(batch);

export function decodeBatch(payload: string): CommittedBatch {
  const raw = JSON.parse(payload) as CommittedBatch;
  if (!Number.isInteger(raw.from) || !Number.isInteger(raw.to) || !Array.isArray(raw.events)) throw new Error('not an event batch');
  for (const event of raw.events) if (event.kind === 'message') event.message = reviveMessage(event.message);
  return raw;
}
