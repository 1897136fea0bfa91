// The web client as a browser gets it from `npm start`: served at /, built from web/.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, startBrowserHarness, type BrowserHarness } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describeBrowser('the web client at /', () => {
  let db: TestDatabase;
  let harness: BrowserHarness;

  beforeAll(async () => {
    db = await createTestDatabase();
    harness = await startBrowserHarness({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await harness?.close();
    await db?.drop();
  });

  it('when a browser opens /, then the app starts with no error and loads nothing from another origin', async () => {
    const { page } = await harness.newUser();
    const foreign: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(harness.origin)) foreign.push(request.url());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto('/');
    await expect.poll(() => page.locator('#app').innerText()).not.toBe('');
    expect(await page.title()).toBe('Chat');
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
  });
});
