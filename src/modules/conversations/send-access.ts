import { LRUCache } from 'lru-cache';
import { AppError } from '../../errors.js';
import type { Db } from '../../infra/db/prisma.js';
import { assertMember } from './membership.js';

export type SendTarget = { recipientId: string } | { conversationId: string };
export type SendAccess = ReturnType<typeof createSendAccess>;

/**
 * Where a sender may post, remembered so that a steady sender costs no query before the append.
 * Only "yes" is cached, and briefly: the worker checks membership again inside the commit
 * transaction, so a stale entry can delay a FORBIDDEN, never let a message through; and a removal
 * seen by this instance's event router forgets the entry at once. A direct conversation of a pair
 * never changes, so that mapping is kept until evicted.
 */
export function createSendAccess(
  db: Db,
  openDirect: (userA: string, userB: string) => Promise<string>,
  { membershipTtlMs = 30_000, max = 100_000 } = {},
) {
  const members = new LRUCache<string, true>({ max, ttl: membershipTtlMs });
  const directs = new LRUCache<string, string>({ max });

  return {
    /** The conversation to append to; NOT_FOUND for an unknown user or conversation, FORBIDDEN for a non-member. */
    async conversationFor(senderId: string, target: SendTarget): Promise<string> {
      if ('recipientId' in target) {
        const pair = [senderId, target.recipientId].sort().join(':');
        const known = directs.get(pair);
        if (known) return known;
        const recipient = await db.user.findUnique({ where: { id: target.recipientId }, select: { id: true } });
        if (!recipient) throw new AppError('NOT_FOUND', `User ${target.recipientId} not found.`, { field: 'recipientId' });
        const conversationId = await openDirect(senderId, recipient.id);
        directs.set(pair, conversationId);
        return conversationId;
      }
      const key = `${target.conversationId}:${senderId}`;
      if (members.get(key)) return target.conversationId;
      await assertMember(db, target.conversationId, senderId);
      members.set(key, true);
      return target.conversationId;
    },

    /** The user left or was removed: they may no longer post there. */
    forget(conversationId: string, userId: string): void {
      members.delete(`${conversationId}:${userId}`);
    },
  };
}
