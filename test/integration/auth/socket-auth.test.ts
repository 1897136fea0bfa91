import jwt from 'jsonwebtoken';
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
});
