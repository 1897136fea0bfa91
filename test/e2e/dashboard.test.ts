// The live dashboard in a real browser: closed without DASHBOARD_TOKEN; with it, the page asks for
// the token, refuses a wrong one, and once opened shows figures that move as messages flow.
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.js';
import { builtWebDir, describeBrowser, startBrowserHarness, type BrowserHarness } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { waitFor } from '../helpers/deferred.js';
import { collect, connectWs, gqlOk, MESSAGE_RECEIVED, registerUser, SEND } from '../helpers/graphql.js';

const TOKEN = 'e2e-dashboard-token-0123456789abcdef';
/** Long enough for a few readings of the page (one every 1.5 s) on a loaded machine. */
const POLL = { timeout: 20_000, interval: 200 };

/** The number a figure shows ("12.5/s", "3 ms", "1,024"); NaN for "—". */
const numberIn = async (locator: Locator) => Number.parseFloat((await locator.innerText()).replace(/,/g, ''));

describeBrowser('the dashboard at /dashboard', () => {
  let db: TestDatabase;
  let harness: BrowserHarness;

  beforeAll(async () => {
    db = await createTestDatabase();
    harness = await startBrowserHarness({ databaseUrl: db.url, env: { DASHBOARD_TOKEN: TOKEN } });
  });
  afterAll(async () => {
    await harness?.close();
    await db?.drop();
  });

  it('when the server has no DASHBOARD_TOKEN, then /dashboard answers 404 saying how to turn it on', async () => {
    const closed = await startTestApp({ databaseUrl: db.url, worker: false, env: { WEB_DIR: await builtWebDir() } });
    try {
      const { page } = await harness.newUser();
      const response = await page.goto(closed.url.replace(/\/graphql$/, '/dashboard'));
      expect(response?.status()).toBe(404);
      expect(await page.locator('body').innerText()).toContain(
        'The dashboard is off. To turn it on, start the server with DASHBOARD_TOKEN',
      );
    } finally {
      await closed.stop();
    }
  });

  it('when opened, then it asks for the token, refuses a wrong one, and with the right one shows figures that move as messages flow', async () => {
    const { page } = await harness.newUser();
    // Tall enough for every panel in the screenshot.
    await page.setViewportSize({ width: 1000, height: 900 });
    // A figure that never shows fails its expect.poll, not the whole test by its timeout.
    page.setDefaultTimeout(5_000);
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const value = (key: string) => page.getByTestId(`value-${key}`);
    const tokenField = page.getByLabel('Dashboard token');

    // Without the token: the form, and no data.
    await page.goto('/dashboard');
    await expect.poll(() => tokenField.isVisible(), POLL).toBe(true);
    expect((await page.request.get('/dashboard/metrics')).status()).toBe(401);
    expect(await value('sockets').count()).toBe(0);

    // A wrong token is refused, and the form asks again.
    await tokenField.fill('not-the-dashboard-token-at-all');
    await page.getByRole('button', { name: 'Open dashboard' }).click();
    await expect.poll(() => page.getByRole('alert').innerText(), POLL).toContain("Refused: that is not this server's DASHBOARD_TOKEN");
    expect(await tokenField.isVisible()).toBe(true);
    expect(await value('sockets').count()).toBe(0);
    await harness.screenshot(page, 'dashboard-refused');

    // The right one opens the charts, and stays for the tab.
    await tokenField.fill(TOKEN);
    await page.getByRole('button', { name: 'Open dashboard' }).click();
    await expect.poll(() => value('rss').innerText(), POLL).toMatch(/^\d+\.\d MiB$/);
    await expect.poll(() => value('postgres').innerText(), POLL).toBe('up');
    expect(await value('redis').innerText()).toBe('not used (in-process bus)');
    expect(await page.locator('svg.chart').count()).toBe(9);
    expect(await tokenField.isVisible()).toBe(false);
    await expect.poll(() => numberIn(value('cpu')), POLL).toBeGreaterThanOrEqual(0);
    expect(await numberIn(value('sockets'))).toBe(0);
    expect(await numberIn(value('sent-total'))).toBe(0);

    // Messages flow: a socket opens, and one message goes out per look at the page.
    const [alice, bob] = await Promise.all([registerUser(harness.app.url, 'alice'), registerUser(harness.app.url, 'bob')]);
    const device = await connectWs(harness.app.wsUrl, bob.accessToken);
    try {
      const feed = collect(device, MESSAGE_RECEIVED);
      await waitFor(() => harness.app.app.services.feeds.listenerCount(bob.id) === 1);
      await expect.poll(() => numberIn(value('sockets')), POLL).toBe(1);

      let sent = 0;
      const sendOne = () => gqlOk(harness.app.url, SEND, { input: { recipientId: bob.id, content: `flow ${++sent}` } }, alice.accessToken);
      await expect
        .poll(async () => {
          await sendOne();
          return {
            sending: (await numberIn(value('sends'))) > 0,
            committing: (await numberIn(value('committed'))) > 0,
            delivering: (await numberIn(value('deliveries'))) > 0,
            latency: Number.isFinite(await numberIn(value('latency-p50'))) && Number.isFinite(await numberIn(value('latency-p99'))),
          };
        }, POLL)
        .toEqual({ sending: true, committing: true, delivering: true, latency: true });

      // The totals are the server's own counters: every message sent, and delivered once.
      await feed.until(sent);
      await expect.poll(() => numberIn(value('sent-total')), POLL).toBe(sent);
      await expect.poll(() => numberIn(value('delivered-total')), POLL).toBe(sent);
      await harness.screenshot(page, 'dashboard');
      // Once the messages stop, the rates fall back to zero.
      await expect.poll(() => numberIn(value('sends')), POLL).toBe(0);
    } finally {
      await device.dispose();
    }
    await expect.poll(() => numberIn(value('sockets')), POLL).toBe(0);

    // A reload keeps the dashboard open (the token is kept for the tab); forgetting it locks it.
    await page.reload();
    await expect.poll(() => value('rss').isVisible(), POLL).toBe(true);
    await page.getByRole('button', { name: 'Forget token' }).click();
    await expect.poll(() => tokenField.isVisible(), POLL).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    // The token never appeared in a URL, and nothing came from another origin.
    expect(requests.filter((url) => url.includes(TOKEN))).toEqual([]);
    expect(requests.filter((url) => !url.startsWith(harness.origin))).toEqual([]);
  }, 120_000);

  it('when its tab is hidden, then it stops reading the figures until the tab shows again', async () => {
    const { page } = await harness.newUser();
    const reads: number[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/dashboard/metrics')) reads.push(Date.now());
    });
    await page.goto('/dashboard');
    await page.getByLabel('Dashboard token').fill(TOKEN);
    await page.getByLabel('Dashboard token').press('Enter');
    await expect.poll(() => reads.length, POLL).toBeGreaterThanOrEqual(2);

    // Chromium has no switch for a hidden tab: the page is told, as a browser tells it.
    const setHidden = (hidden: boolean) =>
      page.evaluate((value) => {
        Object.defineProperty(document, 'hidden', { value, configurable: true });
        Object.defineProperty(document, 'visibilityState', { value: value ? 'hidden' : 'visible', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await setHidden(true);
    await expect.poll(() => page.getByText('Paused while the tab is hidden.').isVisible(), POLL).toBe(true);
    const whileHidden = reads.length;
    // Four polling intervals: reads would have come by now.
    await page.waitForTimeout(6_000);
    expect(reads.length).toBe(whileHidden);

    await setHidden(false);
    await expect.poll(() => reads.length, POLL).toBeGreaterThan(whileHidden + 1);
  }, 60_000);
});
