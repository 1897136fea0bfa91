import { newId } from '../../infra/ids.js';
import { z } from 'zod';
import { inTransaction } from '../../infra/db/transaction.js';
import { parseInput } from '../../validation.js';
import type { ConversationDeps } from './conversation-deps.js';
import { assertGroupSize, assertUsersExist, titleField, userIdsField } from './conversation-input.js';
import { recordChanges } from './record-changes.js';

const createGroupInput = z.object({ title: titleField, memberIds: userIdsField('memberIds') });

/** A group with its creator as ADMIN and the others as members; the creator and repeated ids in memberIds are ignored. */
export async function createGroup(deps: ConversationDeps, creatorId: string, raw: z.input<typeof createGroupInput>): Promise<string> {
  const input = parseInput(createGroupInput, raw);
  const others = [...new Set(input.memberIds)].filter((id) => id !== creatorId);
  assertGroupSize(others.length + 1, deps.maxMembers);
  // Time-ordered, as message ids: the indexes led by conversation_id grow where the new (and active) conversations are.
  const id = newId();
  const events = await inTransaction(deps.pool, async (client) => {
    await assertUsersExist(client, others, 'memberIds');
    await client.query(`INSERT INTO conversations (id, kind, title, member_count) VALUES ($1, 'GROUP', $2, $3)`, [
      id,
      input.title,
      others.length + 1,
    ]);
    // The creator was there first (members are listed, and succeed to admin, longest-standing first;
    // those added together tie and are ordered by id).
    await client.query(
      `INSERT INTO conversation_members (conversation_id, user_id, role, joined_at)
       SELECT $1::uuid, $2::uuid, 'ADMIN'::member_role, now() - interval '1 millisecond'
       UNION ALL SELECT $1::uuid, u, 'MEMBER'::member_role, now() FROM unnest($3::uuid[]) AS u`,
      [id, creatorId, others],
    );
    const members = [creatorId, ...others];
    const recorded = await recordChanges(client, id, creatorId, [
      { change: 'CREATED', userIds: members, recipients: members, title: input.title },
    ]);
    await client.query('UPDATE conversation_members SET joined_pos = $2 WHERE conversation_id = $1', [id, recorded[0]!.pos]);
    return recorded;
  });
  await deps.publish(events);
  return id;
}
