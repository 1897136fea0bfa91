// What the server answers for the web client's files, as a browser (or a curious user) asks.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

describe('the web client routes', () => {
  let db: TestDatabase;
  let webDir: string;
  let app: TestApp;
  let unbuilt: TestApp;
  let origin: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    webDir = await mkdtemp(path.join(tmpdir(), 'web-'));
    await mkdir(path.join(webDir, 'assets'));
    await writeFile(path.join(webDir, 'index.html'), '<!doctype html><title>Chat</title><div id="app"></div>');
    await writeFile(path.join(webDir, 'assets', 'chat-Ab12_x.js'), 'console.log(1)');
    await writeFile(path.join(webDir, 'secret.txt'), 'not for the web');
    app = await startTestApp({ databaseUrl: db.url, env: { WEB_DIR: webDir } });
    unbuilt = await startTestApp({ databaseUrl: db.url, env: { WEB_DIR: path.join(webDir, 'missing') } });
    origin = app.url.replace(/\/graphql$/, '');
  });
  afterAll(async () => {
    await app?.stop();
    await unbuilt?.stop();
    await db?.drop();
    await rm(webDir, { recursive: true, force: true });
  });

  it('when / is asked for, then the page comes back revalidated, with a policy that keeps it to this origin', async () => {
    const res = await fetch(`${origin}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await res.text()).toContain('<div id="app">');
  });

  it('when a hashed asset is asked for, then it is cached for good, and HEAD gives its headers only', async () => {
    const res = await fetch(`${origin}/assets/chat-Ab12_x.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe('console.log(1)');
    const head = await fetch(`${origin}/assets/chat-Ab12_x.js`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('14');
  });

  it('when a path leaves the assets or names a file that is not a built one, then it is not served', async () => {
    for (const url of ['/assets/..%2Fsecret.txt', '/assets/../secret.txt', '/secret.txt', '/assets/.hidden', '/assets/missing.js']) {
      const res = await fetch(`${origin}${url}`);
      expect(res.status, url).toBe(404);
      expect(await res.text(), url).not.toContain('not for the web');
    }
  });

  it('when the client is served, then the API beside it still answers', async () => {
    const res = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await fetch(`${origin}/health`)).status).toBe(200);
  });

  it('when the client is not built, then / says how to build it instead of failing', async () => {
    const res = await fetch(unbuilt.url.replace(/\/graphql$/, '/'));
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/not built .*npm run build/);
  });
});
