import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { readMetric } from '../helpers/metrics.js';
import { useTestServer } from '../helpers/test-server.js';
import { waitFor } from '../helpers/deferred.js';
import { collect, connectWs, errorCode, gql, gqlOk, MESSAGE_RECEIVED, registerUser, SEND } from '../helpers/graphql.js';

describe('operations endpoints and error masking', () => {
  const server = useTestServer();
  let base: string;

  beforeAll(() => {
    base = server.url.replace(/\/graphql$/, '');
  });

  const metric = (name: string) => readMetric(server.url, name);

  it('when asked for liveness, then /health and the seed’s /api/v1/health answer 200', async () => {
    for (const path of ['/health', '/api/v1/health']) {
      const response = await fetch(`${base}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok' });
    }
  });

  it('when PostgreSQL answers and migrations are applied, then /ready is 200 with each check', async () => {
    const response = await fetch(`${base}/ready`);
    expect(response.status).toBe(200);
    // This server runs without Redis: the answer says so rather than claim a check that never ran
    // (with Redis, the check is exercised by the Redis outage test).
    expect(await response.json()).toEqual({
      status: 'ready',
      postgres: { ok: true },
      redis: { ok: true, used: false, engine: 'memory' },
      migrations: { ok: true },
    });
  });

  it('when a message is sent and delivered, then /metrics counts it sent, committed and delivered, and counts the open socket', async () => {
    const [alice, bob] = await Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob')]);
    const before = { sent: await metric('chat_messages_sent_total'), delivered: await metric('chat_messages_delivered_total') };
    const device = await connectWs(server.wsUrl, bob.accessToken);
    try {
      const feed = collect(device, MESSAGE_RECEIVED);
      await waitFor(() => server.app.services.feeds.listenerCount(bob.id) === 1);
      expect(await metric('chat_ws_open_sockets')).toBe(1);
      await gqlOk(server.url, SEND, { input: { recipientId: bob.id, content: 'counted' } }, alice.accessToken);
      await feed.until(1);
      expect(await metric('chat_messages_sent_total')).toBe(before.sent! + 1);
      expect(await metric('chat_messages_committed_total')).toBeGreaterThanOrEqual(1);
      expect(await metric('chat_messages_delivered_total')).toBe(before.delivered! + 1);
      expect(await metric('chat_worker_batch_size_count')).toBeGreaterThanOrEqual(1);
      expect(await metric('chat_stream_pending')).toBe(0);
    } finally {
      await device.dispose();
    }
  });

  it('when a request body is over 1 MiB, then it is refused with 413 and a message giving the limit, before it is read', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1024 * 1024) } }),
    });
    expect(response.status).toBe(413);
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(body.errors[0]!.message).toMatch(/limit is 1048576 bytes/);
  });

  it('when a browser asks for /graphql, then GraphiQL is served without loading anything from a CDN', async () => {
    const response = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('GraphiQL');
    expect(html).not.toMatch(/<script[^>]+src=["']https?:/);
    expect(html).not.toMatch(/<link[^>]+href=["']https?:/);
  });

  it('when the database fails under a query, then the client gets "Unexpected error." with INTERNAL_SERVER_ERROR and no internals', async () => {
    const user = await registerUser(server.url, 'dave');
    const admin = new pg.Client({ connectionString: server.db.url });
    await admin.connect();
    try {
      await admin.query('ALTER TABLE users RENAME TO users_gone');
      const result = await gql(server.url, '{ me { id } }', {}, user.accessToken);
      expect(errorCode(result)).toBe('INTERNAL_SERVER_ERROR');
      expect(result.errors![0]!.message).toBe('Unexpected error.');
      expect(JSON.stringify(result)).not.toMatch(/users_gone|users|relation|prisma/i);
    } finally {
      await admin.query('ALTER TABLE users_gone RENAME TO users');
      await admin.end();
    }
  });
});
