import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { collect, connectWs, MESSAGE_RECEIVED, registerUser } from '../../helpers/graphql.js';

describe('a user’s live feed on an instance', () => {
  let db: TestDatabase;
  let server: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    server = await startTestApp({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await server?.stop();
    await db?.drop();
  });

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
