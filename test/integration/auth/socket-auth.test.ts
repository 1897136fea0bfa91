import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET } from '../../helpers/app.js';
import { useTestServer } from '../../helpers/test-server.js';
import { createDeferred } from '../../helpers/deferred.js';
import { connectWs, gql, registerUser } from '../../helpers/graphql.js';

describe('a socket’s token', () => {
  const server = useTestServer();

  it('when the token expires while the socket is open, then the socket is closed with 4403: it does not outlive its token', async () => {
    const user = await registerUser(server.url, 'erin');
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = jwt.sign({ sub: user.id, typ: 'access', exp }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    const socket = await connectWs(server.wsUrl, shortLived);
    const closed = createDeferred<number>();
    socket.on('closed', (event) => closed.resolve((event as { code: number }).code));
    try {
      // Until then, it works: the token was verified once, at connection_init.
      const overSocket = await new Promise<any>((resolve, reject) => {
        socket.subscribe({ query: '{ me { id username } }' }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect(overSocket).toEqual({ data: { me: { id: user.id, username: user.username } } });
      // Waiting for the clock is the scenario here: the token must be expired for real.
      expect(await closed.promise).toBe(4403);
      expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
      expect((await gql(server.url, '{ me { id } }', {}, shortLived)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await socket.dispose();
    }
  });

  it('when a client opens a socket and never sends connection_init, then it is closed with 4408 after 3 s, and one that does is not', async () => {
    const user = await registerUser(server.url, 'silent');
    const open = (init: boolean) => {
      const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
      const closed = createDeferred<{ code: number; reason: string; at: number }>();
      socket.on('close', (code, reason) => closed.resolve({ code, reason: String(reason), at: Date.now() }));
      if (init)
        socket.on('open', () =>
          socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${user.accessToken}` } })),
        );
      return { socket, closed: closed.promise };
    };
    const started = Date.now();
    const [silent, greeting] = [open(false), open(true)];
    const { code, reason, at } = await silent.closed;
    expect({ code, reason }).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
    expect(at - started).toBeGreaterThanOrEqual(2900);
    // The one that said hello is still open a while after the silent one's deadline.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(greeting.socket.readyState).toBe(WebSocket.OPEN);
    greeting.socket.close();
  });
});
