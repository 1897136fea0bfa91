import { randomUUID } from 'node:crypto';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../src/modules/events/committed-events.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, MESSAGE_RECEIVED, registerUser, type TestUser } from '../../helpers/graphql.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

// Delivery must cost no database query per event. Shown the strict way: with the database cut
// off, an event published by a worker still reaches every subscribed device, every field resolved.
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

  it('when the database is unreachable, then a committed message event still reaches all 20 devices with its sender', async () => {
    const alice = await registerUser(server.url, 'alice');
    const members: TestUser[] = await Promise.all(Array.from({ length: 10 }, (_, i) => registerUser(server.url, `m${i}`)));
    const feeds = [];
    for (const member of members) {
      for (let device = 0; device < 2; device++) {
        const socket = await connectWs(server.wsUrl, member.accessToken);
        sockets.push(socket);
        feeds.push(collect(socket, MESSAGE_RECEIVED));
      }
    }
    await waitFor(() => members.every((m) => server.app.services.feeds.listenerCount(m.id) === 2));

    await proxy.cut();
    const message = {
      id: randomUUID(),
      conversationId: randomUUID(),
      seq: 7,
      senderId: alice.id,
      content: 'no query needed',
      clientMessageId: null,
      createdAt: new Date('2026-11-24T10:00:00.000Z'),
      pos: server.app.services.router.delivered + 1,
      sender: { id: alice.id, username: alice.username, email: alice.email, createdAt: new Date('2026-11-24T09:00:00.000Z') },
    };
    // What the worker publishes after a commit: one batch, naming the members.
    const { pos, conversationId } = message;
    await server.deps.bus.publish(
      [server.deps.topics.events],
      encodeBatch({
        from: pos - 1,
        to: pos,
        events: [{ kind: 'message', pos, conversationId, recipients: members.map((m) => m.id), message }],
      }),
    );

    for (const feed of feeds) {
      const [event] = await feed.until(1);
      expect(event.messageReceived).toEqual({
        id: message.id,
        conversationId: message.conversationId,
        seq: 7,
        content: 'no query needed',
        clientMessageId: null,
        createdAt: '2026-11-24T10:00:00.000Z',
        sender: { id: alice.id, username: alice.username },
      });
    }
    await proxy.restore();
  });
});
