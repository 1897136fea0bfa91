// Who may read the dashboard: nobody unless DASHBOARD_TOKEN is set, then whoever sends that token
// as a Bearer header (never in a URL), with answers no cache may keep.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../../helpers/test-server.js';

const TOKEN = 'dashboard-token-for-tests-0123456789';
const PAGE = '<!doctype html><title>Chat server dashboard</title><main id="dashboard"></main>';

// A stand-in for the built page: what is served is the file, whatever it holds.
const webDir = mkdtempSync(path.join(tmpdir(), 'chat-web-'));
writeFileSync(path.join(webDir, 'dashboard.html'), PAGE);
afterAll(() => rmSync(webDir, { recursive: true, force: true }));

const base = (url: string) => url.replace(/\/graphql$/, '');

describe('the dashboard when DASHBOARD_TOKEN is unset', () => {
  const server = useTestServer({ env: { WEB_DIR: webDir } });

  it('when /dashboard or its data is asked for, then 404 says it is off and how to turn it on', async () => {
    for (const route of ['/dashboard', '/dashboard/metrics']) {
      const response = await fetch(`${base(server.url)}${route}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(404);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const text = await response.text();
      expect(text).toContain('The dashboard is off');
      expect(text).toContain('DASHBOARD_TOKEN');
    }
  });
});

describe('the dashboard when DASHBOARD_TOKEN is set', () => {
  const server = useTestServer({ env: { DASHBOARD_TOKEN: TOKEN, WEB_DIR: webDir } });
  const data = (headers: Record<string, string> = {}, query = '') => fetch(`${base(server.url)}/dashboard/metrics${query}`, { headers });

  it('when the page is asked for without a token, then it is served (it asks for the token itself), with the page security headers', async () => {
    const response = await fetch(`${base(server.url)}/dashboard`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await response.text()).toBe(PAGE);
  });

  it('when the data is asked for without a token, then 401 says how to send it, and nothing may be cached', async () => {
    const response = await data();
    expect(response.status).toBe(401);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="dashboard"');
    expect(await response.text()).toContain('Authorization: Bearer <DASHBOARD_TOKEN>');
  });

  it('when the token is wrong (any length), in another scheme, or in the URL, then 401', async () => {
    for (const headers of [
      { authorization: `Bearer ${TOKEN.slice(0, -1)}x` },
      { authorization: `Bearer ${TOKEN}${TOKEN}` },
      { authorization: 'Bearer x' },
      { authorization: `Basic ${Buffer.from(`dashboard:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
    ]) {
      const response = await data(headers);
      expect(response.status, headers.authorization).toBe(401);
      expect(response.headers.get('cache-control')).toBe('no-store');
    }
    const wrong = await data({ authorization: 'Bearer not-the-token-at-all-123' });
    expect(await wrong.text()).toContain("not this server's DASHBOARD_TOKEN");
    expect((await data({}, `?token=${TOKEN}`)).status).toBe(401);
  });

  it('when the right token is sent, then the answer is the Prometheus text of /metrics, not cacheable', async () => {
    const response = await data({ authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const names = (body: string) => new Set(body.split('\n').flatMap((line) => (line.startsWith('# TYPE ') ? [line.split(' ')[2]] : [])));
    const metrics = await (await fetch(`${base(server.url)}/metrics`)).text();
    expect(names(text)).toEqual(names(metrics));
    for (const name of ['chat_ws_open_sockets', 'chat_messages_sent_total', 'chat_delivery_latency_seconds', 'process_cpu_seconds_total'])
      expect(names(text)).toContain(name);
    // The scheme's case does not matter (RFC 9110).
    expect((await data({ authorization: `bearer ${TOKEN}` })).status).toBe(200);
  });
});
