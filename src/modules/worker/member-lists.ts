import { LRUCache } from 'lru-cache';
import type { PoolClient } from 'pg';
import { membersOf } from '../conversations/membership.js';

export type MemberList = { ids: string[]; idSet: ReadonlySet<string> };
export type MemberLists = ReturnType<typeof createMemberLists>;

/**
 * The members of each conversation the worker commits to, kept between batches with the version
 * they were read at (`conversations.members_version`, which a trigger bumps with every change of
 * members). Given the versions its lock just read, a batch rereads only lists that moved: a group's
 * sends stop reading all its members every time. Bounded by member ids held, not by conversations.
 */
export function createMemberLists({ maxIds = 200_000 } = {}) {
  const lists = new LRUCache<string, { version: number; list: MemberList }>({
    maxSize: maxIds,
    sizeCalculation: (entry) => entry.list.ids.length + 1,
  });

  return {
    /** The member lists of these locked conversations, as of their versions. */
    async lookup(client: PoolClient, locked: readonly { id: string; members_version: number }[]): Promise<Map<string, MemberList>> {
      const out = new Map<string, MemberList>();
      const stale: { id: string; version: number }[] = [];
      for (const { id, members_version: version } of locked) {
        const known = lists.get(id);
        if (known?.version === version) out.set(id, known.list);
        else stale.push({ id, version });
      }
      if (stale.length === 0) return out;
      const read = await membersOf(
        client,
        stale.map((s) => s.id),
      );
      for (const { id, version } of stale) {
        const ids = read.get(id) ?? [];
        const list = { ids, idSet: new Set(ids) };
        lists.set(id, { version, list });
        out.set(id, list);
      }
      return out;
    },
  };
}
