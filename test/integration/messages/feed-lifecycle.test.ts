import { describe, expect, it } from 'vitest';
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
});
