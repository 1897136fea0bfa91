// A bounded queue: while the stream holds STREAM_MAX_BACKLOG entries (no worker here, so nothing is
// stored), a send is refused at once with UNAVAILABLE, nothing is queued, and sends are taken
// again once the backlog has drained.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, gql, registerUser, SEND, type TestUser } from '../../helpers/graphql.js';
import { useTestServer } from '../../helpers/test-server.js';

describe('stream backlog bound', () => {
  const server = useTestServer({ worker: false, env: { STREAM_MAX_BACKLOG: '3', SEND_TIMEOUT: '200ms' } });
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob')]);
  });
  afterAll(async () => {
    // Nothing else reads what was queued: leave the stream empty for the server's own shutdown.
    await drain();
  });

  const send = (content: string) => gql(server.url, SEND, { input: { recipientId: bob.id, content } }, alice.accessToken);

  async function drain() {
    const stream = server.deps.stream;
    await stream.ensureGroup();
    const entries = await stream.readNew('test-drain', 100, 10);
    await stream.ack(entries.map((e) => e.id));
    await stream.trimAcked();
  }

  it('when the backlog reaches the cap, then sends are refused at once without queuing, until it drains', async () => {
    for (let i = 0; i < 3; i++) {
      // Queued, never stored (no worker): the wait for the commit times out.
      const queued = await send(`queued ${i}`);
      expect(queued.errors?.[0]?.message).toMatch(/not confirmed as stored/);
    }
    await server.app.runMaintenance();

    const started = performance.now();
    const refused = await send('one too many');
    expect(performance.now() - started).toBeLessThan(150); // not a wait for SEND_TIMEOUT
    expect(errorCode(refused)).toBe('UNAVAILABLE');
    expect(refused.errors?.[0]?.message).toMatch(/faster than they can be stored \(3 waiting\); nothing was sent/);
    expect(refused.errors?.[0]?.extensions?.retryable).toBe(true);
    expect(await server.deps.stream.length()).toBe(3);

    await drain();
    await server.app.runMaintenance();
    const taken = await send('after the drain');
    expect(taken.errors?.[0]?.message).toMatch(/not confirmed as stored/); // queued again
    expect(await server.deps.stream.length()).toBe(1);
  });
});
