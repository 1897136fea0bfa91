import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { useTestServer } from '../../helpers/test-server.js';
import { waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, gqlOk, MESSAGE_RECEIVED, registerUser, SEND, type TestUser } from '../../helpers/graphql.js';

describe('live delivery over graphql-ws (embedded engine)', () => {
  const server = useTestServer();
  let alice: TestUser;
  let bob: TestUser;
  const clients: Client[] = [];

  beforeAll(async () => {
    [alice, bob] = await Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob')]);
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
  });

  const device = async (user: TestUser, viaUrl = false) => {
    const client = await connectWs(server.wsUrl, user.accessToken, { viaUrl });
    clients.push(client);
    return client;
  };

  it('when alice sends bob a message, then both of bob’s devices and alice’s other device receive it once, stored with its seq', async () => {
    const bobPhone = collect(await device(bob), MESSAGE_RECEIVED);
    const bobLaptop = collect(await device(bob, true), MESSAGE_RECEIVED);
    const aliceTablet = collect(await device(alice), MESSAGE_RECEIVED);
    await waitFor(() => server.app.services.feeds.listenerCount(bob.id) === 2 && server.app.services.feeds.listenerCount(alice.id) === 1);

    const sent = await gqlOk(server.url, SEND, { input: { recipientId: bob.id, content: '  hello bob  ' } }, alice.accessToken);
    expect(sent.sendMessage).toMatchObject({ seq: 1, content: 'hello bob', sender: { id: alice.id } });

    for (const feed of [bobPhone, bobLaptop, aliceTablet]) {
      const [event] = await feed.until(1);
      expect(event.messageReceived).toEqual(sent.sendMessage);
    }
    const history = await gqlOk(
      server.url,
      'query($c: ID!) { messages(conversationId: $c, last: 10) { edges { node { id seq content } } } }',
      { c: sent.sendMessage.conversationId },
      bob.accessToken,
    );
    expect(history.messages.edges.map((e: any) => e.node)).toEqual([{ id: sent.sendMessage.id, seq: 1, content: 'hello bob' }]);
    for (const feed of [bobPhone, bobLaptop, aliceTablet]) expect(feed.events).toHaveLength(1);
  });

  it('when a client subscribes over HTTP with server-sent events and its Authorization header, then it receives the message too', async () => {
    const before = server.app.services.feeds.listenerCount(bob.id);
    const abort = new AbortController();
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${bob.accessToken}` },
      body: JSON.stringify({ query: 'subscription { messageReceived { content sender { username } } }' }),
      signal: abort.signal,
    });
    expect(response.status).toBe(200);
    await waitFor(() => server.app.services.feeds.listenerCount(bob.id) === before + 1);
    await gqlOk(server.url, SEND, { input: { recipientId: bob.id, content: 'over sse' } }, alice.accessToken);

    const reader = response.body!.getReader();
    let text = '';
    while (!text.includes('over sse')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    abort.abort();
    expect(text).toContain(JSON.stringify({ data: { messageReceived: { content: 'over sse', sender: { username: alice.username } } } }));
  });
});
