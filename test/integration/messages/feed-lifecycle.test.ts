import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDeferred } from '../../helpers/deferred.js';
import { useTestServer } from '../../helpers/test-server.js';
import { waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, MESSAGE_RECEIVED, registerUser } from '../../helpers/graphql.js';

describe('a user’s live feed on an instance', () => {
  const server = useTestServer();

  it('when the last socket of a user closes, then the feed and its bus subscription are released (no leak per connection)', async () => {
    const bob = await registerUser(server.url, 'bob');
    const feeds = server.app.services.feeds;
    for (let round = 0; round < 3; round++) {
      const devices = await Promise.all([connectWs(server.wsUrl, bob.accessToken), connectWs(server.wsUrl, bob.accessToken)]);
      for (const device of devices) collect(device, MESSAGE_RECEIVED);
      await waitFor(() => feeds.listenerCount(bob.id) === 2);
      expect(feeds.connectedUsers).toBe(1);
      await Promise.all(devices.map((d) => d.dispose()));
      await waitFor(() => feeds.connectedUsers === 0, { description: 'the feed released after the sockets closed' });
      expect(feeds.listenerCount(bob.id)).toBe(0);
    }
  });

  it('when a client subscribes and closes its socket at once, then nothing of the subscription is left behind', async () => {
    const carol = await registerUser(server.url, 'carol');
    const feeds = server.app.services.feeds;
    const quitters = Array.from({ length: 20 }, async () => {
      const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws');
      const acked = createDeferred<void>();
      const closed = createDeferred<void>();
      socket.on('message', (data) => {
        if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') acked.resolve();
      });
      socket.on('close', () => closed.resolve());
      socket.on('open', () =>
        socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${carol.accessToken}` } })),
      );
      await acked.promise;
      // The subscribe and the close leave together: the server sets the subscription up (presence
      // reads from the database first) while the socket goes.
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { presence { online } }' } }));
      socket.terminate();
      await closed.promise;
    });
    await Promise.all(quitters);
    await waitFor(() => feeds.connectedUsers === 0 && feeds.listenerCount(carol.id) === 0, {
      description: 'every feed listener and feed released after the sockets closed',
    });
  });
});
