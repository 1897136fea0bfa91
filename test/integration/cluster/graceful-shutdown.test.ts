import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { createDeferred, waitFor } from '../../helpers/deferred.js';
import { connectWs, gql, registerUser, SEND } from '../../helpers/graphql.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';

describe('SIGTERM', () => {
  let db: TestDatabase;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await server?.kill('SIGKILL');
    await db?.drop();
  });

  it('when the server gets SIGTERM with sends in flight, then they finish, sockets close with 1001 and it exits 0', async () => {
    server = await startServerProcess({ DATABASE_URL: db.url });
    const [alice, bob] = await Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob')]);
    const aliceSocket = await connectWs(server.wsUrl, alice.accessToken);
    const closed = createDeferred<number>();
    aliceSocket.on('closed', (event) => closed.resolve((event as { code: number }).code));

    // Sends over the already open socket; SIGTERM as soon as the first is answered.
    const firstAnswered = createDeferred<void>();
    const sends = Array.from(
      { length: 20 },
      (_, i) =>
        new Promise<{ data?: any; errors?: any[] }>((resolve) => {
          const result: { data?: any; errors?: any[] } = {};
          aliceSocket.subscribe(
            { query: SEND, variables: { input: { recipientId: bob.id, content: `m${i}`, clientMessageId: randomUUID() } } },
            {
              next: (value) => {
                Object.assign(result, value);
                if (value.data) firstAnswered.resolve();
              },
              error: (error) => resolve({ errors: Array.isArray(error) ? error : [error] }),
              complete: () => resolve(result),
            },
          );
        }),
    );
    await firstAnswered.promise;
    const exit = server.kill('SIGTERM');

    const results = await Promise.all(sends);
    expect(await closed.promise).toBe(1001);
    expect(await exit).toEqual({ code: 0, signal: null });

    const stored = results.filter((r) => r.data?.sendMessage);
    const refused = results.filter((r) => !r.data?.sendMessage);
    expect(stored.length).toBeGreaterThan(0);
    // A send refused during the drain says so and is safe to retry; none is left unanswered.
    for (const r of refused) expect(JSON.stringify(r.errors)).toMatch(/UNAVAILABLE|restarting|closed|1001/);

    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    try {
      const rows = (await pool.query('SELECT id FROM messages')).rows.map((r) => r.id);
      for (const r of stored) expect(rows).toContain(r.data.sendMessage.id);
    } finally {
      await pool.end();
    }
  }, 60_000);

  it('when draining with a grace period, then /ready answers 503 while requests are still served, and connections are refused after', async () => {
    server = await startServerProcess({ DATABASE_URL: db.url, SHUTDOWN_GRACE: '2s' });
    const base = server.url.replace(/\/graphql$/, '');
    const ready = () => fetch(`${base}/ready`).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect((await ready()).status).toBe(200);

    const exit = server.kill('SIGTERM');
    // Observed while the process runs: the drain has begun, and the server still answers.
    const draining = await waitFor(async () => ((await ready()).status === 503 ? ready() : undefined), {
      description: '/ready to answer 503',
    });
    expect(draining.body.status).toBe('draining');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    expect((await gql(server.url, '{ __typename }')).data).toEqual({ __typename: 'Query' });
    let stillRunning = true;
    void exit.then(() => (stillRunning = false));
    expect(stillRunning).toBe(true);

    expect(await exit).toEqual({ code: 0, signal: null });
    await expect(fetch(`${base}/health`)).rejects.toThrow();
  }, 60_000);
});
