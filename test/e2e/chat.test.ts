// The chat client in a real Chromium against a real server: what two people see when they use it.
// Assertions read the page as a user does (text, roles, accessible names), and wait with
// auto-waiting locators and expect.poll, never fixed sleeps.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, logInThroughPage, startBrowserHarness, type BrowserHarness } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { gqlOk, registerUser, SEND, type TestUser } from '../helpers/graphql.js';
import { redisUrlForTests, uniqueRedisPrefix } from '../helpers/redis.js';

const WAIT = { timeout: 20_000 };

describeBrowser('the chat client', () => {
  let db: TestDatabase;
  let harness: BrowserHarness;

  beforeAll(async () => {
    db = await createTestDatabase();
    const redisUrl = redisUrlForTests();
    harness = await startBrowserHarness({ databaseUrl: db.url, ...(redisUrl ? { redisUrl, redisPrefix: uniqueRedisPrefix() } : {}) });
  });
  afterAll(async () => {
    await harness?.close();
    await db?.drop();
  });

  const name = (prefix: string) => `${prefix}_${randomBytes(3).toString('hex')}`;

  async function registerInBrowser(username: string) {
    const { context, page } = await harness.newUser();
    if (process.env.DEBUG_WS) {
      page.on('console', (m) => console.log(`[${username} console]`, m.text()));
      page.on('websocket', (ws) => {
        ws.on('framereceived', (f) => console.log(`[${username} <-]`, String(f.payload).slice(0, 300)));
        ws.on('framesent', (f) => console.log(`[${username} ->]`, String(f.payload).slice(0, 300)));
        ws.on('close', () => console.log(`[${username}] ws closed`));
      });
      page.on('response', async (r) => {
        if (r.url().includes('/graphql')) console.log(`[${username} http]`, r.status(), (await r.text().catch(() => '')).slice(0, 300));
      });
    }
    await page.goto('/');
    await page.getByRole('button', { name: 'Register' }).click();
    const form = page.getByRole('form', { name: 'Register' });
    await form.getByLabel('Email').fill(`${username}@example.test`);
    await form.getByLabel('Username').fill(username);
    await form.getByLabel('Password').fill('correct horse battery');
    await form.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.getByText(`Signed in as ${username}`).isVisible(), WAIT).toBe(true);
    return { context, page };
  }

  async function logInInBrowser(user: TestUser, beforeLoad?: (page: Page) => Promise<void>) {
    const { context, page } = await harness.newUser();
    await beforeLoad?.(page);
    await logInThroughPage(page, user);
    return { context, page };
  }

  async function startDirect(page: Page, username: string) {
    await page.getByLabel('Start a conversation').fill(username);
    await page.getByRole('button', { name: `Message ${username}` }).click();
    await page.getByRole('heading', { level: 2, name: username }).waitFor(WAIT);
  }

  const messageLog = (page: Page) => page.getByRole('log');
  const conversationButton = (page: Page, title: string) =>
    page.getByRole('navigation', { name: 'Conversations' }).getByRole('button', { name: new RegExp(`^${title}`) });

  async function send(page: Page, text: string) {
    await page.getByLabel('Message', { exact: true }).fill(text);
    await page.getByLabel('Message', { exact: true }).press('Enter');
  }

  it('when two people register and find each other, then they chat both ways with typing, receipts and presence', async () => {
    const aliceName = name('alice');
    const bobName = name('bob');
    const alice = await registerInBrowser(aliceName);
    const bob = await registerInBrowser(bobName);
    await harness.screenshot(bob.page, 'chat-empty');

    await startDirect(alice.page, bobName);
    // Bob's list gets the new conversation live (ConversationUpdated CREATED on his inbox).
    await conversationButton(bob.page, aliceName).waitFor(WAIT);

    await send(alice.page, 'Hi Bob!');
    await messageLog(alice.page).getByText('Hi Bob!').waitFor(WAIT);
    // Bob has not opened it: the preview and an unread badge.
    await expect.poll(() => conversationButton(bob.page, aliceName).getAttribute('aria-label'), WAIT).toBe(`${aliceName}, 1 unread`);
    await expect.poll(() => conversationButton(bob.page, aliceName).innerText(), WAIT).toContain('Hi Bob!');
    expect(await bob.page.title()).toBe('(1) Chat');
    await expect.poll(() => alice.page.getByTestId('receipt').innerText(), WAIT).toBe('Sent');

    await conversationButton(bob.page, aliceName).click();
    await messageLog(bob.page).getByText('Hi Bob!').waitFor(WAIT);
    // Opening it marks it read: Alice sees "Seen", Bob's badge goes.
    await expect.poll(() => alice.page.getByTestId('receipt').innerText(), WAIT).toBe('Seen');
    await expect.poll(() => conversationButton(bob.page, aliceName).getAttribute('aria-label'), WAIT).toBe(aliceName);
    expect(await bob.page.title()).toBe('Chat');
    // Presence both ways.
    await expect.poll(() => bob.page.getByTestId('presence').innerText(), WAIT).toBe('Online');
    await expect.poll(() => alice.page.getByTestId('presence').innerText(), WAIT).toBe('Online');
    // The composer has focus once a conversation opens.
    await expect.poll(() => bob.page.evaluate(() => document.activeElement?.id)).toBe('composer-input');
    // A message into the conversation Bob has open never puts a badge beside it, not even briefly.
    await bob.page.evaluate(() => {
      const seen = window as unknown as { badgeBesideOpen: boolean };
      seen.badgeBesideOpen = false;
      new MutationObserver(() => {
        if (document.querySelector('.conversation[aria-current="true"] .badge')) seen.badgeBesideOpen = true;
      }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    });
    await send(alice.page, 'Still there?');
    await messageLog(bob.page).getByText('Still there?').waitFor(WAIT);
    expect(await bob.page.evaluate(() => (window as unknown as { badgeBesideOpen: boolean }).badgeBesideOpen)).toBe(false);

    await bob.page.getByLabel('Message', { exact: true }).pressSequentially('Hello Al');
    await expect.poll(() => alice.page.getByText(`${bobName} is typing…`).isVisible(), WAIT).toBe(true);
    await harness.screenshot(alice.page, 'chat-typing');
    await bob.page.getByLabel('Message', { exact: true }).pressSequentially('ice');
    await bob.page.getByLabel('Message', { exact: true }).press('Enter');
    await messageLog(alice.page).getByText('Hello Alice').waitFor(WAIT);
    await expect.poll(() => alice.page.getByText(`${bobName} is typing…`).isVisible(), WAIT).toBe(false);
    await expect.poll(() => bob.page.getByTestId('receipt').innerText(), WAIT).toBe('Seen');
    await harness.screenshot(alice.page, 'chat-conversation');

    // Bob's conversation list leads with the latest activity.
    const carol = await registerUser(harness.app.url, 'carol');
    await gqlOk(
      harness.app.url,
      SEND,
      { input: { recipientId: (await bobId(bobName)).id, content: 'Carol here', clientMessageId: 'c-1' } },
      carol.accessToken,
    );
    await expect.poll(() => firstConversationTitle(bob.page), WAIT).toBe(carol.username);
    await send(bob.page, 'Back to Alice');
    await expect.poll(() => firstConversationTitle(bob.page), WAIT).toBe(aliceName);

    // Alice leaves: Bob sees her last seen.
    await alice.page.close();
    await expect.poll(() => bob.page.getByTestId('presence').innerText(), WAIT).toMatch(/^Last seen /);
  }, 90_000);

  /** Two users with a direct conversation, made over the API; both then log in through the page. */
  async function pairInBrowsers(annBeforeLoad?: (page: Page) => Promise<void>) {
    const [a, b] = [await registerUser(harness.app.url, 'ann'), await registerUser(harness.app.url, 'ben')];
    await gqlOk(harness.app.url, 'mutation($u: ID!) { directConversation(userId: $u) { id } }', { u: b.id }, a.accessToken);
    const [ann, ben] = [await logInInBrowser(a, annBeforeLoad), await logInInBrowser(b)];
    for (const [side, other] of [
      [ann, b],
      [ben, a],
    ] as const) {
      await conversationButton(side.page, other.username).click();
      await side.page.getByRole('heading', { level: 2, name: other.username }).waitFor(WAIT);
    }
    return { a, b, ann, ben };
  }

  const countOf = (page: Page, text: string) => messageLog(page).getByText(text, { exact: true }).count();
  const messageCount = (page: Page) => messageLog(page).locator('li.message').count();

  it('when the page is reloaded, then the user is still logged in, in the same conversation', async () => {
    const { b, ann } = await pairInBrowsers();
    await send(ann.page, 'before the reload');
    await messageLog(ann.page).getByText('before the reload').waitFor(WAIT);
    await ann.page.reload();
    await ann.page.getByText(`Signed in as`).waitFor(WAIT);
    await ann.page.getByRole('heading', { level: 2, name: b.username }).waitFor(WAIT);
    await messageLog(ann.page).getByText('before the reload').waitFor(WAIT);
    await expect.poll(() => ann.page.getByRole('status', { name: 'Connection' }).innerText(), WAIT).toBe('Online');
    // And it still works live after the reload.
    await send(ann.page, 'after the reload');
    await expect.poll(() => countOf(ann.page, 'after the reload'), WAIT).toBe(1);
  }, 90_000);

  it('when a user drops off the network while the other sends, then on return every message shows exactly once', async () => {
    const { a, ann, ben } = await pairInBrowsers();
    await send(ben.page, 'before the drop');
    await expect.poll(() => countOf(ann.page, 'before the drop'), WAIT).toBe(1);

    await ann.context.setOffline(true);
    // The client notices (the browser's offline event, or its own unanswered ping) and says so.
    await expect.poll(() => ann.page.getByRole('status', { name: 'Connection' }).innerText(), WAIT).toBe('Reconnecting…');
    await harness.screenshot(ann.page, 'chat-reconnecting');

    for (const n of [1, 2, 3]) await send(ben.page, `while away ${n}`);
    await expect.poll(() => countOf(ben.page, 'while away 3'), WAIT).toBe(1);
    // Sending while offline fails visibly, with a Retry.
    await send(ann.page, 'from the tunnel');
    await ann.page.getByRole('button', { name: 'Retry' }).waitFor(WAIT);
    expect(await ann.page.getByText('Not sent').count()).toBe(1);
    await harness.screenshot(ann.page, 'chat-send-failed');

    await ann.context.setOffline(false);
    await expect.poll(() => ann.page.getByRole('status', { name: 'Connection' }).innerText(), WAIT).toBe('Online');
    for (const n of [1, 2, 3]) await expect.poll(() => countOf(ann.page, `while away ${n}`), WAIT).toBe(1);
    expect(await countOf(ann.page, 'before the drop')).toBe(1);

    // Retry sends it once (same clientMessageId): pending gone, one copy on both sides.
    await ann.page.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => countOf(ben.page, 'from the tunnel'), WAIT).toBe(1);
    await expect.poll(() => ann.page.getByRole('button', { name: 'Retry' }).count(), WAIT).toBe(0);
    expect(await countOf(ann.page, 'from the tunnel')).toBe(1);

    // Nothing twice, nothing missing: both see the same five messages.
    await expect.poll(() => messageCount(ann.page), WAIT).toBe(5);
    await expect.poll(() => messageCount(ben.page), WAIT).toBe(5);
    // And it is live again.
    await send(ben.page, 'welcome back');
    await expect.poll(() => countOf(ann.page, 'welcome back'), WAIT).toBe(1);
    expect(await messageCount(ann.page)).toBe(6);
    void a;
  }, 90_000);

  it('when the answer to a send is lost, then Retry resends the same clientMessageId and the message exists once', async () => {
    // Ann's socket goes through a proxy that can withhold her own message's inbox event, so that
    // only the mutation's answer could confirm it. (Routes reach sockets made after the page loads
    // its init scripts: graphql-ws keeps the WebSocket class it found at start.)
    let withhold = false;
    const { ann, ben } = await pairInBrowsers((page) =>
      page.routeWebSocket(/\/graphql/, (ws) => {
        const server = ws.connectToServer();
        ws.onMessage((message) => server.send(message));
        server.onMessage((message) => {
          if (!(withhold && String(message).includes('said once'))) ws.send(message);
        });
      }),
    );
    // The server stores the message, but its answer never reaches the page: to the sender it looks
    // exactly like a failed send.
    let dropped = 0;
    await ann.page.route('**/graphql*', async (route) => {
      if (!dropped && (route.request().postData() ?? '').includes('ChatSendMessage')) {
        dropped++;
        await route.fetch();
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    withhold = true;
    await send(ann.page, 'said once');
    await expect.poll(() => countOf(ben.page, 'said once'), WAIT).toBe(1);
    await ann.page.getByRole('button', { name: 'Retry' }).waitFor(WAIT);
    expect(dropped).toBe(1);
    await ann.page.getByRole('button', { name: 'Retry' }).click();
    await expect.poll(() => ann.page.getByRole('button', { name: 'Retry' }).count(), WAIT).toBe(0);
    await expect.poll(() => countOf(ann.page, 'said once'), WAIT).toBe(1);
    // Had the retry made a new message, Ben's inbox would bring it: the next message proves his
    // inbox has caught up past where it would be.
    await send(ann.page, 'and then this');
    await expect.poll(() => countOf(ben.page, 'and then this'), WAIT).toBe(1);
    expect(await countOf(ben.page, 'said once')).toBe(1);
    expect(await messageCount(ben.page)).toBe(2);
  }, 90_000);

  it('when a conversation has a long history, then scrolling up loads earlier pages in order', async () => {
    const [a, b] = [await registerUser(harness.app.url, 'hist'), await registerUser(harness.app.url, 'tory')];
    for (let n = 1; n <= 70; n++)
      await gqlOk(
        harness.app.url,
        SEND,
        { input: { recipientId: b.id, content: `history ${n}`, clientMessageId: `h-${n}` } },
        a.accessToken,
      );
    const reader = await logInInBrowser(b);
    await conversationButton(reader.page, a.username).click();
    // The newest page (30), scrolled to its end.
    await expect.poll(() => messageCount(reader.page), WAIT).toBe(30);
    await expect.poll(() => messageLog(reader.page).getByText('history 70', { exact: true }).isVisible(), WAIT).toBe(true);

    const log = messageLog(reader.page);
    await log.evaluate((el) => (el.scrollTop = 0));
    await expect.poll(() => messageCount(reader.page), WAIT).toBe(60);
    // The view stayed on what was read: the message that was at the top is still in view, not
    // pushed down by the page inserted above it.
    const oldTop = log.getByText('history 41', { exact: true });
    const [logBox, oldTopBox] = [await log.boundingBox(), await oldTop.boundingBox()];
    expect(oldTopBox!.y).toBeGreaterThanOrEqual(logBox!.y - 1);
    expect(oldTopBox!.y).toBeLessThan(logBox!.y + logBox!.height / 2);
    expect(await log.evaluate((el) => el.scrollTop)).toBeGreaterThan(0);
    await log.evaluate((el) => (el.scrollTop = 0));
    await reader.page.getByText('Beginning of the conversation').waitFor(WAIT);
    const texts = await log.locator('li.message .message-text').allInnerTexts();
    expect(texts).toEqual(Array.from({ length: 70 }, (_, i) => `history ${i + 1}`));
    // A message arriving while the reader is up in the history does not scroll them away: a
    // button says it is there and takes them to it.
    await gqlOk(harness.app.url, SEND, { input: { recipientId: b.id, content: 'just now', clientMessageId: 'h-new' } }, a.accessToken);
    await reader.page.getByRole('button', { name: 'New messages ↓' }).click();
    await expect.poll(() => log.getByText('just now', { exact: true }).isVisible(), WAIT).toBe(true);
    await expect.poll(() => reader.page.getByRole('button', { name: 'New messages ↓' }).count(), WAIT).toBe(0);
    await harness.screenshot(reader.page, 'chat-history');
  }, 90_000);

  it('when log-in or registration is refused, then the server’s reason is shown', async () => {
    const taken = await registerUser(harness.app.url, 'taken');
    const { page } = await harness.newUser();
    await page.goto('/');
    const login = page.getByRole('form', { name: 'Log in' });
    await login.getByLabel('Email').fill(taken.email);
    await login.getByLabel('Password').fill('not the password');
    await login.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').innerText(), WAIT).toMatch(/^Not logged in: /);

    await page.getByRole('button', { name: 'Register' }).click();
    const register = page.getByRole('form', { name: 'Register' });
    await register.getByLabel('Email').fill(`other_${taken.email}`);
    await register.getByLabel('Username').fill(taken.username);
    await register.getByLabel('Password').fill('correct horse battery');
    await register.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => page.getByRole('alert').innerText(), WAIT).toMatch(/^Already taken: /);
    await harness.screenshot(page, 'chat-register-error');
  }, 90_000);

  it('when a user logs out, then the log-in form shows and a reload does not log them back in', async () => {
    const user = await registerUser(harness.app.url, 'leaver');
    const { page } = await logInInBrowser(user);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('form', { name: 'Log in' }).waitFor(WAIT);
    await page.reload();
    await page.getByRole('form', { name: 'Log in' }).waitFor(WAIT);
    expect(await page.evaluate(() => localStorage.getItem('chat.session'))).toBeNull();
  }, 90_000);

  it('on a narrow screen, then one column shows at a time and Back returns to the list', async () => {
    const { b, ann } = await pairInBrowsers();
    await ann.page.setViewportSize({ width: 380, height: 700 });
    await expect.poll(() => ann.page.getByRole('navigation', { name: 'Conversations' }).isVisible()).toBe(false);
    // Nothing wider than the screen: the composer and the top bar fit.
    expect(await ann.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(380);
    await ann.page.getByRole('button', { name: 'Send' }).waitFor(WAIT);
    const logOut = await ann.page.getByRole('button', { name: 'Log out' }).boundingBox();
    expect(logOut!.x + logOut!.width).toBeLessThanOrEqual(380);
    await harness.screenshot(ann.page, 'chat-narrow-conversation');
    await ann.page.getByRole('button', { name: 'Back to conversations' }).click();
    await expect.poll(() => ann.page.getByRole('navigation', { name: 'Conversations' }).isVisible()).toBe(true);
    // Focus returns to the conversation we came from.
    await expect.poll(() => ann.page.evaluate(() => document.activeElement?.textContent ?? '')).toContain(b.username);
    await harness.screenshot(ann.page, 'chat-narrow-list');
  }, 90_000);

  async function bobId(username: string): Promise<{ id: string }> {
    const someone = await registerUser(harness.app.url, 'lookup');
    const data = await gqlOk(
      harness.app.url,
      'query($u: String!) { userByUsername(username: $u) { id } }',
      { u: username },
      someone.accessToken,
    );
    return data.userByUsername;
  }

  async function firstConversationTitle(page: Page) {
    return (await page.locator('.conversation-title').first().innerText()).trim();
  }
});

describeBrowser('the chat client with short-lived access tokens', () => {
  let db: TestDatabase;
  let harness: BrowserHarness;
  const ACCESS_TTL_S = 6;

  beforeAll(async () => {
    db = await createTestDatabase();
    harness = await startBrowserHarness({ databaseUrl: db.url, env: { JWT_ACCESS_EXPIRY: `${ACCESS_TTL_S}s` } });
  });
  afterAll(async () => {
    await harness?.close();
    await db?.drop();
  });

  /** A token that is fresh now (registerUser's expired seconds after it was made, in this harness). */
  async function freshToken(user: TestUser): Promise<string> {
    const data = await gqlOk(harness.app.url, 'mutation($i: LoginInput!) { login(input: $i) { tokens { accessToken } } }', {
      i: { email: user.email, password: user.password },
    });
    return data.login.tokens.accessToken;
  }

  const storedSession = (page: Page) =>
    page.evaluate(() => JSON.parse(localStorage.getItem('chat.session') ?? 'null') as { tokens: { accessToken: string } } | null);

  it('when tokens near expiry, then they are refreshed ahead of time and the socket is renewed, not dropped', async () => {
    const [me, friend] = [await registerUser(harness.app.url, 'longrun'), await registerUser(harness.app.url, 'friend')];
    await gqlOk(harness.app.url, 'mutation($u: ID!) { directConversation(userId: $u) { id } }', { u: friend.id }, me.accessToken);
    const { page } = await harness.newUser();
    let sockets = 0;
    page.on('websocket', () => sockets++);
    await logInThroughPage(page, me);
    await page.getByRole('button', { name: new RegExp(`^${friend.username}`) }).click();
    const first = (await storedSession(page))!.tokens.accessToken;
    const seen = new Set([first]);
    // Three rotations: past the first token's expiry by a wide margin.
    await expect
      .poll(
        async () => {
          seen.add((await storedSession(page))!.tokens.accessToken);
          return seen.size;
        },
        { timeout: ACCESS_TTL_S * 4_000 },
      )
      .toBeGreaterThanOrEqual(4);
    await gqlOk(
      harness.app.url,
      SEND,
      { input: { recipientId: me.id, content: 'still live', clientMessageId: 'l-1' } },
      await freshToken(friend),
    );
    await page.getByRole('log').getByText('still live').waitFor(WAIT);
    expect(await page.getByRole('status', { name: 'Connection' }).innerText()).toBe('Online');
    // renewSocket kept the first socket: the server never had to close it at its token's expiry.
    expect(sockets).toBe(1);
  }, 90_000);

  it('when two tabs share a login, then their refreshes never present the same refresh token and both stay logged in', async () => {
    const [me, friend] = [await registerUser(harness.app.url, 'twotabs'), await registerUser(harness.app.url, 'pal')];
    await gqlOk(harness.app.url, 'mutation($u: ID!) { directConversation(userId: $u) { id } }', { u: friend.id }, me.accessToken);
    const { context, page: first } = await harness.newUser();
    const refreshTokensUsed: string[] = [];
    context.on('request', (request) => {
      const body = request.postData() ?? '';
      if (request.method() === 'POST' && body.includes('ChatRefresh')) refreshTokensUsed.push(JSON.parse(body).variables.refreshToken);
    });
    await logInThroughPage(first, me);
    const second = await context.newPage();
    await second.goto('/');
    await second.getByText(`Signed in as ${me.username}`).waitFor(WAIT);
    // Both tabs' timers fire near the same moment, every few seconds: several rounds of them.
    await expect.poll(() => refreshTokensUsed.length, { timeout: ACCESS_TTL_S * 5_000 }).toBeGreaterThanOrEqual(4);
    expect(new Set(refreshTokensUsed).size).toBe(refreshTokensUsed.length);
    await gqlOk(
      harness.app.url,
      SEND,
      { input: { recipientId: me.id, content: 'to both tabs', clientMessageId: 't-1' } },
      await freshToken(friend),
    );
    for (const page of [first, second]) {
      await page.getByRole('button', { name: new RegExp(`^${friend.username}`) }).click();
      await page.getByRole('log').getByText('to both tabs').waitFor(WAIT);
      expect(await page.getByText(`Signed in as ${me.username}`).isVisible()).toBe(true);
    }
  }, 90_000);

  it('when the stored access token has expired (a laptop slept through its refresh), then the client refreshes on TOKEN_EXPIRED and on the socket’s 4403', async () => {
    const [me, friend] = [await registerUser(harness.app.url, 'sleeper'), await registerUser(harness.app.url, 'waker')];
    await gqlOk(harness.app.url, 'mutation($u: ID!) { directConversation(userId: $u) { id } }', { u: friend.id }, me.accessToken);
    // The login as a page would have stored it, but no page runs until its access token has
    // expired: an open page's timer would refresh it, and a page closed mid-refresh would leave a
    // used refresh token behind (which signs the login out, by design).
    const stale = me.accessToken;
    const { context } = await harness.newUser();
    // Wait (by polling the server, not a fixed sleep) until that token is refused as expired.
    await expect
      .poll(
        async () => {
          const response = await fetch(harness.app.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${stale}` },
            body: JSON.stringify({ query: '{ me { id } }' }),
          });
          return ((await response.json()) as any).errors?.[0]?.extensions?.reason;
        },
        { timeout: ACCESS_TTL_S * 3_000 },
      )
      .toBe('TOKEN_EXPIRED');
    // The clock the client trusts says the token is still good, so nothing refreshes it ahead of time.
    const hour = 3_600_000;
    await context.addInitScript(
      (session) => {
        if (!sessionStorage.getItem('seeded')) {
          sessionStorage.setItem('seeded', '1');
          localStorage.setItem('chat.session', JSON.stringify(session));
        }
      },
      {
        user: { id: me.id, username: me.username },
        tokens: {
          accessToken: me.accessToken,
          accessTokenExpiresAt: new Date(Date.now() + hour).toISOString(),
          refreshToken: me.refreshToken,
          refreshTokenExpiresAt: new Date(Date.now() + 24 * hour).toISOString(),
        },
      },
    );
    // Any error shown at any moment (the conversation list failing to load would show one).
    await context.addInitScript(() => {
      setInterval(() => {
        if (document.querySelector('[role=alert]')) (window as any).sawAlert = true;
      }, 20);
    });
    const again = await context.newPage();
    const expiredAnswers: string[] = [];
    const refreshTokensUsed: string[] = [];
    again.on('request', (request) => {
      const body = request.postData() ?? '';
      if (request.method() === 'POST' && body.includes('ChatRefresh')) refreshTokensUsed.push(JSON.parse(body).variables.refreshToken);
    });
    again.on('response', async (response) => {
      // (urql sends queries as GET, so the path may carry a query string.)
      if (new URL(response.url()).pathname === '/graphql' && (await response.text().catch(() => '')).includes('TOKEN_EXPIRED'))
        expiredAnswers.push(response.url());
    });
    await again.goto('/');
    await again.getByText(`Signed in as ${me.username}`).waitFor(WAIT);
    await again.getByRole('button', { name: new RegExp(`^${friend.username}`) }).waitFor(WAIT);
    await expect.poll(() => again.getByRole('status', { name: 'Connection' }).innerText(), WAIT).toBe('Online');
    expect(expiredAnswers.length).toBeGreaterThan(0);
    // The HTTP request and the socket both found the token expired, and refreshed once between
    // them (single flight): presenting a refresh token twice would have signed the login out.
    expect(refreshTokensUsed.length).toBeGreaterThan(0);
    expect(new Set(refreshTokensUsed).size).toBe(refreshTokensUsed.length);
    // The refused request was repeated with the new token, not surfaced as an error.
    expect(await again.evaluate(() => (window as any).sawAlert ?? false)).toBe(false);
    await gqlOk(
      harness.app.url,
      SEND,
      { input: { recipientId: me.id, content: 'wake up', clientMessageId: 'w-1' } },
      await freshToken(friend),
    );
    await again.getByRole('button', { name: new RegExp(`^${friend.username}`) }).click();
    await again.getByRole('log').getByText('wake up').waitFor(WAIT);
  }, 90_000);
});
