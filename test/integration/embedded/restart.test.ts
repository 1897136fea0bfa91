// Embedded mode: no DATABASE_URL, so the server runs its own PostgreSQL under DATA_DIR. What was
// stored there (accounts, conversations, messages, the generated JWT secret) survives a restart.
// Slow by nature: the first start pays for an initdb.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp, type App } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { createDeps, type Deps } from '../../../src/deps.js';
import { createLogger } from '../../../src/infra/logger.js';
import { gqlOk, registerUser, SEND } from '../../helpers/graphql.js';

const TIMEOUT = 120_000;

type Running = { url: string; app: App; deps: Deps; stop(): Promise<void> };

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Like startTestApp, but with no DATABASE_URL and no JWT_SECRET: everything lives under dataDir. */
async function startEmbedded(dataDir: string): Promise<Running> {
  const config = loadConfig({
    NODE_ENV: 'test',
    SERVER_PORT: '0',
    HOST: '127.0.0.1',
    BCRYPT_COST: '4',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
  });
  expect(config.databaseUrl).toBeUndefined();
  const deps = await createDeps(config, createLogger(config.logLevel));
  const app = buildApp(deps);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await app.stop();
    await deps.close();
  };
  cleanups.push(stop);
  try {
    const { url } = await app.start();
    return { url, app, deps, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      user {
        id
      }
      tokens {
        accessToken
      }
    }
  }
`;

const HISTORY = /* GraphQL */ `
  query History($conversationId: ID!) {
    messages(conversationId: $conversationId, last: 10) {
      edges {
        node {
          id
          seq
          content
          sender {
            id
          }
        }
      }
    }
  }
`;

describe('embedded PostgreSQL mode', () => {
  it(
    'when the server is stopped and started again on the same DATA_DIR, then accounts, tokens and messages are still there',
    async () => {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chat-embedded-'));
      cleanups.unshift(() => rm(dataDir, { recursive: true, force: true })); // runs last, after the servers stopped

      const first = await startEmbedded(dataDir);
      expect(first.deps.databaseUrl).toMatch(/^postgresql:\/\/.*@127\.0\.0\.1:\d+\//);
      const [alice, bob] = await Promise.all([registerUser(first.url, 'alice'), registerUser(first.url, 'bob')]);
      const sent = (
        await gqlOk(first.url, SEND, { input: { recipientId: bob.id, content: 'still here after a restart?' } }, alice.accessToken)
      ).sendMessage;
      expect(sent.seq).toBe(1);
      await first.stop();

      const second = await startEmbedded(dataDir);
      const login = await gqlOk(second.url, LOGIN, { input: { email: alice.email, password: alice.password } });
      expect(login.login.user.id).toBe(alice.id);

      const history = await gqlOk(second.url, HISTORY, { conversationId: sent.conversationId }, login.login.tokens.accessToken);
      expect(history.messages.edges.map((e: { node: unknown }) => e.node)).toEqual([
        { id: sent.id, seq: 1, content: 'still here after a restart?', sender: { id: alice.id } },
      ]);

      // The generated JWT secret is kept in DATA_DIR too: a token issued before the restart still works.
      const reply = (await gqlOk(second.url, SEND, { input: { recipientId: alice.id, content: 'yes' } }, bob.accessToken)).sendMessage;
      expect(reply).toMatchObject({ conversationId: sent.conversationId, seq: 2 });
    },
    TIMEOUT,
  );
});
