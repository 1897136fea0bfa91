import jwt from 'jsonwebtoken';
import { describe, expect, it } from 'vitest';
import { TEST_JWT_SECRET } from '../../helpers/app.js';
import { useTestServer } from '../../helpers/test-server.js';
import { waitFor } from '../../helpers/deferred.js';
import { connectWs, gql, registerUser } from '../../helpers/graphql.js';

describe('a socket’s token', () => {
  const server = useTestServer();

  it('when the token expires while the socket is open, then operations on that socket still run: it was verified once, at connection_init', async () => {
    const user = await registerUser(server.url, 'erin');
    const exp = Math.floor(Date.now() / 1000) + 2;
    const shortLived = jwt.sign({ sub: user.id, typ: 'access', exp }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    const socket = await connectWs(server.wsUrl, shortLived);
    try {
      // Waiting for the clock is the scenario here: the token must be expired for real.
      await waitFor(() => Date.now() > exp * 1000 + 100, { timeoutMs: 5_000, description: 'the token to expire' });
      expect((await gql(server.url, '{ me { id } }', {}, shortLived)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

      const overSocket = await new Promise<any>((resolve, reject) => {
        socket.subscribe({ query: '{ me { id username } }' }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect(overSocket).toEqual({ data: { me: { id: user.id, username: user.username } } });
    } finally {
      await socket.dispose();
    }
  });
});
