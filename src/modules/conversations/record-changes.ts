import type { PoolClient } from 'pg';
import type { CommittedEvent, ConversationChangeKind } from '../events/committed-events.js';
import { takePositions } from '../events/event-clock.js';
import type { Role } from './membership.js';

export type PlannedChange = {
  change: ConversationChangeKind;
  /** Members added, removed or whose role changed. */
  userIds: string[];
  /** Who receives the event: the members after the change, plus whoever it removed. */
  recipients: string[];
  /** Recipients who lose access with it. */
  removed?: string[];
  title?: string | null;
  role?: Role | null;
};

/**
 * Stores the changes as conversation events at fresh positions (taken here: call this last in the
 * transaction, once every other row is locked or written), and moves the conversation's last event
 * position. Returns the events to publish after the commit.
 */
export async function recordChanges(
  client: PoolClient,
  conversationId: string,
  actorId: string | null,
  changes: readonly PlannedChange[],
): Promise<CommittedEvent[]> {
  if (changes.length === 0) return [];
  const base = await takePositions(client, changes.length);
  const positions = changes.map((_, index) => base + index + 1);
  await client.query(
    `INSERT INTO conversation_events (pos, conversation_id, kind, actor_id, user_ids, title, role)
     SELECT v.pos, $2::uuid, v.kind::conversation_event_kind, $3::uuid, coalesce(
              (SELECT array_agg(u::uuid) FROM jsonb_array_elements_text(v.user_ids) AS u), ARRAY[]::uuid[]),
            v.title, v.role::member_role
       FROM unnest($1::bigint[], $4::text[], $5::jsonb[], $6::text[], $7::text[]) AS v(pos, kind, user_ids, title, role)`,
    [
      positions,
      conversationId,
      actorId,
      changes.map((c) => c.change),
      changes.map((c) => JSON.stringify(c.userIds)),
      changes.map((c) => c.title ?? null),
      changes.map((c) => c.role ?? null),
    ],
  );
  await client.query('UPDATE conversations SET last_event_pos = $2 WHERE id = $1', [conversationId, positions[positions.length - 1]]);
  return changes.map((c, index) => ({
    kind: 'conversation',
    pos: positions[index]!,
    conversationId,
    recipients: c.recipients,
    change: c.change,
    actorId,
    userIds: c.userIds,
    removed: c.removed ?? [],
  }));
}
