import { randomUUID } from 'node:crypto';
import type { Db } from '../../infra/db/prisma.js';

/**
 * The one direct conversation of a pair, created on first use. Safe under concurrent first sends:
 * the unique direct_key makes the loser's INSERT wait for the winner's commit and do nothing, after
 * which it reads the winner's row (members included, committed in the same transaction).
 */
export async function getOrCreateDirectConversation(db: Db, userA: string, userB: string): Promise<string> {
  const directKey = [userA, userB].sort().join(':');
  const found = await db.conversation.findUnique({ where: { directKey }, select: { id: true } });
  if (found) return found.id;

  return db.$transaction(async (tx) => {
    const id = randomUUID();
    const inserted = await tx.$executeRaw`
      INSERT INTO conversations (id, kind, direct_key) VALUES (${id}::uuid, 'DIRECT'::conversation_kind, ${directKey})
      ON CONFLICT (direct_key) DO NOTHING`;
    if (inserted === 0) {
      const existing = await tx.conversation.findUniqueOrThrow({ where: { directKey }, select: { id: true } });
      return existing.id;
    }
    await tx.conversationMember.createMany({ data: [...new Set([userA, userB])].map((userId) => ({ conversationId: id, userId })) });
    return id;
  });
}
