// Concurrent membership changes on one group (adds, removes, leaves, role changes at once) leave a
// consistent group: the count matches the rows, an admin remains while anyone does, and every
// departure is recorded for replay. Each change either succeeds or fails with a definite error.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADD_MEMBERS, call, createGroup, inboxAfter, LEAVE, nowCursor, REMOVE_MEMBER, SET_ROLE } from '../../helpers/chat.js';
import { registerUser, type GraphQLResponse, type TestUser } from '../../helpers/graphql.js';
import { useTestServer } from '../../helpers/test-server.js';

describe('concurrent membership changes', () => {
  const server = useTestServer();
  let users: TestUser[];
  let sql: pg.Pool;

  beforeAll(async () => {
    users = await Promise.all(Array.from({ length: 10 }, (_, i) => registerUser(server.url, `racer${i}`)));
    sql = new pg.Pool({ connectionString: server.db.url, max: 2 });
  });
  afterAll(async () => {
    await sql?.end();
  });

  for (let round = 1; round <= 4; round++) {
    it(`when adds, removes, leaves and role changes hit one group at once (round ${round}), then it stays consistent`, async () => {
      const [admin, b, c, d, e, f, g, h, i, j] = users as [TestUser, ...TestUser[]] & TestUser[];
      const group = await createGroup(server.url, admin, `Race ${round}`, [b!, c!, d!, e!, f!]);
      const cursors = new Map(await Promise.all(users.map(async (u) => [u.id, await nowCursor(server.url, u)] as const)));

      const results: GraphQLResponse[] = await Promise.all([
        call(server.url, admin, REMOVE_MEMBER, { conversationId: group.id, userId: b!.id }),
        call(server.url, c!, LEAVE, { conversationId: group.id }),
        call(server.url, admin, ADD_MEMBERS, { conversationId: group.id, userIds: [g!.id, h!.id] }),
        call(server.url, admin, SET_ROLE, { conversationId: group.id, userId: d!.id, role: 'ADMIN' }),
        call(server.url, d!, REMOVE_MEMBER, { conversationId: group.id, userId: e!.id }),
        call(server.url, e!, LEAVE, { conversationId: group.id }),
        call(server.url, admin, SET_ROLE, { conversationId: group.id, userId: admin.id, role: 'MEMBER' }),
        call(server.url, admin, LEAVE, { conversationId: group.id }),
        call(server.url, d!, ADD_MEMBERS, { conversationId: group.id, userIds: [i!.id, j!.id] }),
        call(server.url, f!, LEAVE, { conversationId: group.id }),
        call(server.url, admin, ADD_MEMBERS, { conversationId: group.id, userIds: [b!.id] }),
      ]);
      for (const result of results) {
        const code = result.errors?.[0]?.extensions?.code;
        if (code !== undefined) expect(['FORBIDDEN', 'NOT_FOUND'], JSON.stringify(result.errors)).toContain(code);
      }

      const { rows: members } = await sql.query<{ user_id: string; role: string }>(
        'SELECT user_id, role FROM conversation_members WHERE conversation_id = $1',
        [group.id],
      );
      const { rows: conversation } = await sql.query<{ member_count: number }>('SELECT member_count FROM conversations WHERE id = $1', [
        group.id,
      ]);
      expect(conversation[0]!.member_count).toBe(members.length);
      if (members.length > 0)
        expect(
          members.some((m) => m.role === 'ADMIN'),
          JSON.stringify(members),
        ).toBe(true);

      // Every user's replay agrees with where they ended up: in the group, or told they are out.
      for (const user of users) {
        const events = (await inboxAfter(server.url, user, cursors.get(user.id)!)).events.filter((ev) => ev.conversationId === group.id);
        const isMember = members.some((m) => m.user_id === user.id);
        const last = events[events.length - 1];
        const story = `${user.username}: ${JSON.stringify(events.map((ev) => [ev.__typename, ev.change, ev.userIds]))}`;
        if (isMember) expect(last?.__typename ?? 'none', story).not.toBe('RemovedFromConversation');
        else if (events.length > 0) expect(last!.__typename, story).toBe('RemovedFromConversation');
      }
      const { rows: positions } = await sql.query<{ pos: string }>(
        'SELECT pos FROM conversation_events WHERE conversation_id = $1 ORDER BY pos',
        [group.id],
      );
      expect(new Set(positions.map((p) => p.pos)).size).toBe(positions.length);
    });
  }
});
