// Delivery costs no database query per event, and a live message is the same Message as its
// history row. Shown the strict way: every field of Message and User (read from the schema, so a
// field added later is covered without touching this test) is selected over messageReceived and
// inbox with the database cut off, and must equal what history gives for the same message.
import type { Client } from 'graphql-ws';
import { isObjectType, isNonNullType, isListType, type GraphQLNamedType, type GraphQLOutputType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../src/modules/events/committed-events.js';
import { replayEvents } from '../../../src/modules/events/replay.js';
import { schema } from '../../../src/graphql/schema.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createGroup, nowCursor, registerUsers } from '../../helpers/chat.js';
import { createDeferred, waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, gqlOk, SEND, type TestUser } from '../../helpers/graphql.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

/** Every field of the type that takes no required argument, object fields expanded `depth` levels. */
function selectAll(type: GraphQLNamedType, depth: number): string {
  if (!isObjectType(type)) return '';
  const unwrap = (t: GraphQLOutputType): GraphQLNamedType => (isNonNullType(t) || isListType(t) ? unwrap(t.ofType) : t);
  const fields = Object.values(type.getFields()).filter((f) => f.args.every((a) => !isNonNullType(a.type)));
  return fields
    .map((field) => {
      const inner = unwrap(field.type);
      if (!isObjectType(inner)) return field.name;
      return depth > 0 ? `${field.name} { ${selectAll(inner, depth - 1)} }` : '';
    })
    .filter(Boolean)
    .join(' ');
}
const MESSAGE_SELECTION = `__typename ${selectAll(schema.getType('Message')!, 1)}`;
const LIVE = `subscription { messageReceived { ${MESSAGE_SELECTION} } }`;
const INBOX = `subscription { inbox { __typename ... on MessageAdded { message { ${MESSAGE_SELECTION} } } } }`;
const HISTORY = `query ($c: ID!) { messages(conversationId: $c, last: 1) { edges { node { ${MESSAGE_SELECTION} } } } }`;

describe('live delivery reads nothing from the database', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: TestApp;
  const sockets: Client[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    server = await startTestApp({ databaseUrl: proxy.url(db.url) });
  });
  afterAll(async () => {
    await Promise.all(sockets.map((s) => s.dispose()));
    await server?.stop();
    await proxy?.close();
    await db?.drop();
  });

  it('when the database is unreachable, then a committed message reaches every device, every Message and User field equal to its history row', async () => {
    expect(MESSAGE_SELECTION).toMatch(/sender \{ .*email.*\}/); // the selection does reach into User
    const [alice, ...members] = (await registerUsers(server.url, ['alice', 'm0', 'm1', 'm2', 'm3'] as const)) as TestUser[];
    const group = await createGroup(server.url, alice!, 'Cut off', members);
    const start = await nowCursor(server.url, alice!);
    const devices = [alice!, ...members].map((user) => ({ user, socket: undefined as unknown as Client }));
    const live: ReturnType<typeof collect>[] = [];
    const inboxes: ReturnType<typeof collect>[] = [];
    for (const device of devices) {
      device.socket = await connectWs(server.wsUrl, device.user.accessToken);
      sockets.push(device.socket);
      live.push(collect(device.socket, LIVE));
      inboxes.push(collect(device.socket, INBOX));
    }
    await waitFor(() => devices.every((d) => server.app.services.feeds.listenerCount(d.user.id) === 2));

    // A real message, stored and delivered with the database up; its history row, seen by each user.
    await gqlOk(server.url, SEND, { input: { conversationId: group.id, content: 'one shape' } }, alice!.accessToken);
    const rows = await Promise.all(
      devices.map(async (d) => (await gqlOk(server.url, HISTORY, { c: group.id }, d.user.accessToken)).messages.edges[0].node),
    );
    for (const feed of [...live, ...inboxes]) await feed.until(1);
    // The same committed event, as the worker and the replay build it.
    const [event] = (await replayEvents(server.deps.pool, alice!.id, decodePosition(start), { limit: 10 })).events.filter(
      (e) => e.kind === 'message',
    );

    await proxy.cut();
    const pos = server.app.services.router.delivered + 1;
    await server.deps.bus.publish(
      [server.deps.topics.events],
      encodeBatch({ from: pos - 1, to: pos, events: [{ ...event!, pos, recipients: devices.map((d) => d.user.id) }] }),
    );
    const delivered = createDeferred();
    void Promise.all([...live, ...inboxes].map((feed) => feed.until(2))).then(() => delivered.resolve());
    await delivered.promise;

    devices.forEach((device, index) => {
      expect(live[index]!.errors, `${device.user.username}: errors`).toEqual([]);
      expect(inboxes[index]!.errors).toEqual([]);
      const expected = rows[index];
      expect((live[index]!.events[1] as any).messageReceived).toEqual(expected);
      expect((inboxes[index]!.events[1] as any).inbox.message).toEqual(expected);
      // The sender sees their own email (from their token), nobody else does.
      expect(expected.sender.email).toBe(device.user.id === alice!.id ? alice!.email : null);
    });
    await proxy.restore();
  });
});

/** An inbox cursor's position (the test reads the replay directly). */
function decodePosition(cursor: string): number {
  return Number(Buffer.from(cursor, 'base64url').toString('utf8').split('.')[0]);
}
