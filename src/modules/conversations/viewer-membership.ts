import DataLoader from 'dataloader';
import type { GraphQLContext } from '../../graphql/context.js';

export type ViewerMembership = { joinedAt: Date; lastReadSeq: number };

const loaders = new WeakMap<GraphQLContext, DataLoader<string, ViewerMembership | null>>();

/**
 * The viewer's own membership of a conversation (null if none), for the fields that depend on it
 * (unreadCount, lastActivityAt): one query per tick for all the conversations of a page. Not cached
 * across ticks: a subscription's context lives long and its answers must stay current.
 */
export function viewerMembership(context: GraphQLContext, conversationId: string): Promise<ViewerMembership | null> {
  const viewerId = context.viewer?.id;
  if (!viewerId) return Promise.resolve(null);
  let loader = loaders.get(context);
  if (!loader) {
    loader = new DataLoader(
      async (ids: readonly string[]) => {
        const rows = await context.db.conversationMember.findMany({
          where: { userId: viewerId, conversationId: { in: [...ids] } },
          select: { conversationId: true, joinedAt: true, lastReadSeq: true },
        });
        const byId = new Map(rows.map((row) => [row.conversationId, row]));
        return ids.map((id) => byId.get(id) ?? null);
      },
      { cache: false },
    );
    loaders.set(context, loader);
  }
  return loader.load(conversationId);
}
