// The usual setup of a test file: a server over a fresh migrated database for the enclosing
// describe, started before its tests and stopped (database dropped) after them.
import { afterAll, beforeAll } from 'vitest';
import { startTestApp, type TestApp, type TestAppOptions } from './app.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export type TestServer = TestApp & { db: TestDatabase };

/**
 * Call at the top of a describe, before hooks that use the server: its fields are filled in by a
 * beforeAll, so read them in hooks and tests only. Other afterAll hooks of the describe run first.
 */
export function useTestServer(options: Omit<TestAppOptions, 'databaseUrl'> = {}): TestServer {
  const server = {} as TestServer;
  beforeAll(async () => {
    const db = await createTestDatabase();
    Object.assign(server, await startTestApp({ databaseUrl: db.url, ...options }), { db });
  });
  afterAll(async () => {
    await server.stop?.();
    await server.db?.drop();
  });
  return server;
}
