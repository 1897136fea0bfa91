import DataLoader from 'dataloader';
import type { GraphQLContext } from '../../graphql/context.js';
import { knownToShareConversation } from '../users/shared-users.js';

/** Most users a presence subscription watches (everyone the viewer shares a conversation with). */
export const MAX_WATCHED = 10_000;

export type SharedUser = { id: string; username: string; createdAt: Date };

/**
 * Users who share a conversation with `viewerId` (all of them, up to MAX_WATCHED, or those of
 * `among`): presence is shown to them only. Read along the viewer's memberships.
 */
export async function usersSharingWith(context: GraphQLContext, viewerId: string, among?: readonly string[]): Promise<SharedUser[]> {
  const { rows } = await context.services.conversations.pool.query<{ id: string; username: string; created_at: Date }>(
    `SELECT DISTINCT u.id, u.username, u.created_at
       FROM conversation_members mine
       JOIN conversation_members other ON other.conversation_id = mine.conversation_id AND other.user_id <> mine.user_id
       JOIN users u ON u.id = other.user_id
      WHERE mine.user_id = $1 AND ($2::uuid[] IS NULL OR other.user_id = ANY($2::uuid[]))
      LIMIT $3`,
    [viewerId, among ?? null, MAX_WATCHED],
  );
  return rows.map((r) => ({ id: r.id, username: r.username, createdAt: r.created_at }));
}

const loaders = new WeakMap<GraphQLContext, DataLoader<string, boolean>>();

/** Whether the viewer may see this user's presence: themself, or someone they share a conversation with. */
export function mayShowPresence(context: GraphQLContext, user: { id: string }): Promise<boolean> | boolean {
  const viewerId = context.viewer?.id;
  if (!viewerId) return false;
  if (viewerId === user.id || knownToShareConversation(user)) return true;
  let loader = loaders.get(context);
  if (!loader) {
    loader = new DataLoader(
      async (ids: readonly string[]) => {
        const shared = new Set((await usersSharingWith(context, viewerId, ids)).map((u) => u.id));
        return ids.map((id) => shared.has(id));
      },
      { cache: false },
    );
    loaders.set(context, loader);
  }
  return loader.load(user.id);
}
