import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSendRequest } from '../../../src/modules/messages/message-event.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, errorCode, gql, gqlOk, MESSAGE_RECEIVED, registerUser, SEND } from '../../helpers/graphql.js';
import { readMetric } from '../../helpers/metrics.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

// PostgreSQL is reached through a TCP proxy that the test cuts and restores: a real outage, with
// the server shared by other tests left alone.
describe('when PostgreSQL goes away and comes back', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(db.url);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    server = await startTestApp({ databaseUrl: proxy.url(db.url), env: { SEND_TIMEOUT: '1s', WORKER_CLAIM_IDLE: '100ms' } });
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await db?.drop();
  });

  it('then sends during the outage answer UNAVAILABLE, queued messages wait instead of being dead-lettered, and all are committed and delivered once it is back', async () => {
    const [alice, bob] = await Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob')]);
    const first = await gqlOk(server.url, SEND, { input: { recipientId: bob.id, content: 'before' } }, alice.accessToken);
    const conversationId = first.sendMessage.conversationId;
    const device = await connectWs(server.wsUrl, bob.accessToken);
    const feed = collect(device, MESSAGE_RECEIVED);
    await waitFor(() => server.app.services.feeds.listenerCount(bob.id) === 1);

    await proxy.cut();
    const refused = await gql(
      server.url,
      SEND,
      { input: { conversationId, content: 'refused', clientMessageId: randomUUID() } },
      alice.accessToken,
    );
    expect(errorCode(refused)).toBe('UNAVAILABLE');
    expect(refused.errors![0]!.message).toMatch(/database/i);

    // Sends accepted just before the outage: in the stream, not yet committed.
    const queued = Array.from({ length: 5 }, (_, i) => ({
      id: randomUUID(),
      conversationId,
      senderId: alice.id,
      content: `queued ${i}`,
      clientMessageId: randomUUID(),
      replyTo: server.deps.instanceId,
      sentAt: Date.now(),
    }));
    for (const request of queued) await server.deps.stream.append(encodeSendRequest(request));
    // The retry count past the dead-letter threshold is proven in stream-consumer.test.ts; here the
    // point is a real outage of some length, with the worker failing and backing off through it.
    await waitFor(async () => (await server.deps.stream.stats()).pending === queued.length, {
      description: 'queued entries handed out and failing',
    });
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the outage has to last: this wait is the scenario, not a sync
    expect(await readMetric(server.url, 'chat_stream_dead_lettered_total')).toBe(0);

    await proxy.restore();
    const events = await feed.until(queued.length, 20_000);
    expect(events.map((e) => e.messageReceived.content)).toEqual(queued.map((q) => q.content));
    expect(events.map((e) => e.messageReceived.seq)).toEqual([2, 3, 4, 5, 6]);
    await waitFor(async () => (await server.deps.stream.stats()).pending === 0, { description: 'nothing left pending' });
    expect(await readMetric(server.url, 'chat_stream_dead_lettered_total')).toBe(0);

    const check = new pg.Client({ connectionString: db.url });
    await check.connect();
    try {
      const { rows } = await check.query('SELECT content FROM messages ORDER BY seq');
      expect(rows.map((r) => r.content)).toEqual(['before', ...queued.map((q) => q.content)]);
    } finally {
      await check.end();
      await device.dispose();
    }
  }, 60_000);
});
