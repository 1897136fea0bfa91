import type { Pool } from 'pg';
import { z } from 'zod';
import { AppError } from '../../errors.js';

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 20;

export type ConversationPage = { items: { id: string; cursor: string }[]; hasNextPage: boolean };

const cursorSchema = z.tuple([z.iso.datetime({ offset: true }), z.uuid()]);

/**
 * A page of the user's conversations, most recent activity first: the newest message's time, or
 * when the user joined if later (a group you were just added to comes first), ties broken by id.
 * Read from the user's memberships (index on user_id), so the cost follows how many conversations
 * the user is in, never how many messages exist.
 */
export async function listConversations(
  pool: Pick<Pool, 'query'>,
  userId: string,
  { first, after }: { first?: number | null; after?: string | null },
): Promise<ConversationPage> {
  if (first != null && first < 0) throw new AppError('BAD_USER_INPUT', 'first must be 0 or more.', { field: 'first' });
  const size = Math.min(first ?? DEFAULT_PAGE, MAX_PAGE);
  const position = after == null ? null : decodeCursor(after);
  const { rows } = await pool.query<{ id: string; activity: Date }>(
    `SELECT c.id, greatest(c.last_activity_at, m.joined_at) AS activity
       FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
      WHERE m.user_id = $1
        AND ($2::timestamptz IS NULL OR (greatest(c.last_activity_at, m.joined_at), c.id) < ($2::timestamptz, $3::uuid))
      ORDER BY activity DESC, c.id DESC
      LIMIT $4`,
    [userId, position?.[0] ?? null, position?.[1] ?? null, size + 1],
  );
  return {
    items: rows.slice(0, size).map((row) => ({ id: row.id, cursor: encodeCursor(row.activity, row.id) })),
    hasNextPage: rows.length > size,
  };
}

const encodeCursor = (activity: Date, id: string) => Buffer.from(JSON.stringify([activity.toISOString(), id])).toString('base64url');

function decodeCursor(cursor: string): [string, string] {
  try {
    const parsed = cursorSchema.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // falls through to the error below
  }
  throw new AppError('BAD_USER_INPUT', 'Invalid cursor: use a cursor from a previous conversations page.', { field: 'after' });
}
