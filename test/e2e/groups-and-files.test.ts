// Groups and files in the web client, in a real browser: people create a group, manage its
// members and chat in it live; a removed member stops receiving it; files are attached, shown and
// downloaded. What is asserted is what each person sees on their page.
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBrowser, logInThroughPage, startBrowserHarness, type BrowserHarness } from '../helpers/browser.js';
import { DIRECT, sendTo } from '../helpers/chat.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { png } from '../helpers/files.js';
import { gqlOk, registerUser, type TestUser } from '../helpers/graphql.js';

const POLL = { timeout: 15_000 };

/** A registered user (through the API, to save time) logged in through the page's own form. */
async function loggedIn(harness: BrowserHarness, user: TestUser): Promise<Page> {
  const { page } = await harness.newUser();
  await logInThroughPage(page, user);
  return page;
}

const conversationButton = (page: Page, title: string) =>
  page.getByRole('list', { name: 'Conversation list' }).getByRole('button', { name: new RegExp(`^${title}`) });
const messages = (page: Page) => page.getByRole('log');

async function send(page: Page, text: string) {
  await page.getByRole('textbox', { name: 'Message' }).fill(text);
  await page.getByRole('button', { name: 'Send', exact: true }).click();
}

/** Picks a person in a user picker by typing their username and choosing the match. */
async function pick(scope: Locator, user: TestUser) {
  await scope.getByLabel(/by username/).fill(user.username);
  await scope.getByRole('button', { name: `Add ${user.username}` }).click();
}

/** Attaches files through the composer's button and the system file chooser, as a person does. */
async function attach(page: Page, files: { name: string; mimeType: string; buffer: Buffer }[]) {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles(files);
}

describeBrowser('groups and files in the web client', () => {
  let db: TestDatabase;
  let harness: BrowserHarness;

  beforeAll(async () => {
    db = await createTestDatabase();
    harness = await startBrowserHarness({ databaseUrl: db.url });
  }, 180_000);
  afterAll(async () => {
    await harness?.close();
    await db?.drop();
  });

  it('when an admin creates a group, adds and removes members, then everyone in it chats live and a removed member gets no more of it; roles, renaming and leaving follow live', async () => {
    const url = harness.app.url;
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => registerUser(url, name)));
    const [a, b, c] = await Promise.all([alice!, bob!, carol!].map((user) => loggedIn(harness, user)));
    const [pageA, pageB, pageC] = [a!, b!, c!];

    // Alice creates "Trio" with Bob, choosing him by username in the dialog.
    await pageA.getByRole('button', { name: 'New group' }).click();
    const create = pageA.getByRole('dialog', { name: 'New group' });
    // The dialog opens with the cursor in its first field.
    await expect.poll(() => create.getByLabel('Group name').evaluate((el) => el === document.activeElement)).toBe(true);
    await create.getByLabel('Group name').fill('Trio');
    await pick(create, bob!);
    await expect.poll(() => create.getByRole('list', { name: 'Picked' }).innerText()).toContain(bob!.username);
    await create.getByRole('button', { name: 'Create group with 2 people' }).click();
    await expect.poll(() => create.isVisible()).toBe(false);
    await expect.poll(() => pageA.getByRole('heading', { name: 'Trio' }).isVisible(), POLL).toBe(true);

    // Bob sees the group arrive live and opens it.
    await conversationButton(pageB, 'Trio').click();
    await expect.poll(() => pageB.getByRole('heading', { name: 'Trio' }).isVisible(), POLL).toBe(true);

    // Alice adds Carol from the members dialog; the list follows.
    await pageA.getByRole('button', { name: 'Members (2)' }).click();
    const membersA = pageA.getByRole('dialog', { name: /^Members of / });
    await pick(membersA, carol!);
    await membersA.getByRole('button', { name: 'Add to group' }).click();
    await expect.poll(() => membersA.getByRole('list', { name: 'Members' }).innerText(), POLL).toContain(carol!.username);
    await harness.screenshot(pageA, 'group-members');
    // On a phone-sized screen the dialog fits the width and every action stays reachable.
    await pageA.setViewportSize({ width: 360, height: 640 });
    const addButton = membersA.getByRole('button', { name: 'Add to group' });
    await addButton.scrollIntoViewIfNeeded();
    const box = (await addButton.boundingBox())!;
    expect(box.x + box.width).toBeLessThanOrEqual(360);
    await harness.screenshot(pageA, 'group-members-narrow');
    // Behind it, the composer's row (with the attach button, icon-only there) fits as well.
    const attachBox = (await pageA.getByRole('button', { name: 'Attach files' }).boundingBox())!;
    expect(attachBox.width).toBeLessThan(60);
    await pageA.setViewportSize({ width: 1000, height: 640 });
    // Escape closes it, and the keyboard is back on the button that opened it.
    await pageA.keyboard.press('Escape');
    await expect.poll(() => membersA.isVisible()).toBe(false);
    await expect.poll(() => pageA.evaluate(() => document.activeElement?.textContent)).toMatch(/^Members \(\d\)$/);
    await expect.poll(() => pageA.getByRole('button', { name: 'Members (3)' }).isVisible(), POLL).toBe(true);

    await conversationButton(pageC, 'Trio').click();
    await expect.poll(() => pageC.getByRole('heading', { name: 'Trio' }).isVisible(), POLL).toBe(true);

    // All three see each other's messages live.
    await send(pageA, 'hello trio from alice');
    await send(pageC, 'carol is here');
    for (const page of [pageA, pageB, pageC]) {
      await expect.poll(() => messages(page).innerText(), POLL).toContain('hello trio from alice');
      await expect.poll(() => messages(page).innerText(), POLL).toContain('carol is here');
    }
    await harness.screenshot(pageB, 'group');

    // Bob, a plain member, sees the members and roles but no buttons to change them.
    await pageB.getByRole('button', { name: 'Members (3)' }).click();
    const membersB = pageB.getByRole('dialog', { name: /^Members of / });
    const listB = membersB.getByRole('list', { name: 'Members' });
    await expect.poll(() => listB.getByRole('listitem').count(), POLL).toBe(3);
    expect(await listB.getByRole('listitem').filter({ hasText: alice!.username }).innerText()).toContain('Admin');
    expect(await membersB.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    expect(await membersB.getByRole('button', { name: /^Make/ }).count()).toBe(0);
    expect(await membersB.innerText()).toContain('only admins can add or remove people');

    // Alice removes Carol; Bob's open dialog follows the change live.
    await pageA.getByRole('button', { name: 'Members (3)' }).click();
    // By keyboard: the confirmation takes the focus, "Keep" gives it back, Enter confirms.
    const focusedName = () =>
      pageA.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent);
    await membersA.getByRole('button', { name: `Remove: ${carol!.username}` }).click();
    await expect.poll(focusedName).toBe(`Yes, remove ${carol!.username}`);
    await membersA.getByRole('button', { name: 'Keep' }).click();
    await expect.poll(focusedName).toBe(`Remove: ${carol!.username}`);
    await pageA.keyboard.press('Enter');
    await expect.poll(focusedName).toBe(`Yes, remove ${carol!.username}`);
    await pageA.keyboard.press('Enter');
    await expect.poll(() => membersA.getByRole('status').filter({ hasText: 'Removed' }).innerText(), POLL).toContain(carol!.username);
    await expect.poll(focusedName).toMatch(/^Removed /);
    await expect.poll(() => listB.getByRole('listitem').count(), POLL).toBe(2);
    expect(await listB.innerText()).not.toContain(carol!.username);
    await pageA.keyboard.press('Escape');
    await pageB.keyboard.press('Escape');

    // Carol's page drops the group at once.
    await expect.poll(() => conversationButton(pageC, 'Trio').count(), POLL).toBe(0);
    await expect.poll(() => pageC.getByText('You are no longer a member of “Trio”.').isVisible(), POLL).toBe(true);

    // A later message reaches Alice and Bob, and not Carol: Carol's inbox delivers in commit
    // order, so once a message Alice sends her afterwards has arrived, the group's would have too.
    await send(pageB, 'after carol was removed');
    for (const page of [pageA, pageB]) await expect.poll(() => messages(page).innerText(), POLL).toContain('after carol was removed');
    const direct = await gqlOk(url, DIRECT, { userId: carol!.id }, alice!.accessToken);
    await sendTo(url, alice!, direct.directConversation.id, 'a direct word for carol');
    await conversationButton(pageC, alice!.username).click();
    await expect.poll(() => messages(pageC).innerText(), POLL).toContain('a direct word for carol');
    expect(await pageC.locator('body').innerText()).not.toContain('after carol was removed');

    // Alice makes Bob an admin; he renames the group, and Alice's page follows.
    await pageA.getByRole('button', { name: 'Members (2)' }).click();
    await membersA.getByRole('button', { name: `Make admin: ${bob!.username}` }).click();
    await expect.poll(() => membersA.getByRole('button', { name: `Make member: ${bob!.username}` }).isVisible(), POLL).toBe(true);
    await pageA.keyboard.press('Escape');
    await pageB.getByRole('button', { name: 'Members (2)' }).click();
    await membersB.getByLabel('Group name').fill('Duo');
    await membersB.getByRole('button', { name: 'Rename' }).click();
    await expect.poll(() => pageA.getByRole('heading', { name: 'Duo' }).isVisible(), POLL).toBe(true);
    expect(await membersB.getByRole('heading').innerText()).toBe('Members of Duo');

    // Bob leaves; the group closes for him, and Alice's members list shows only her.
    await membersB.getByRole('button', { name: 'Leave group' }).click();
    await membersB.getByRole('button', { name: 'Yes, leave' }).click();
    await expect.poll(() => conversationButton(pageB, 'Duo').count(), POLL).toBe(0);
    await expect.poll(() => pageA.getByRole('button', { name: 'Members (1)' }).isVisible(), POLL).toBe(true);
  }, 120_000);

  it('when a person attaches an image and a text file, then the other sees the image and downloads the same bytes; a file whose bytes contradict its type is refused in words', async () => {
    const url = harness.app.url;
    const [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => registerUser(url, name)));
    const direct = await gqlOk(url, DIRECT, { userId: bob!.id }, alice!.accessToken);
    await sendTo(url, alice!, direct.directConversation.id, 'files coming');
    const [pageA, pageB] = await Promise.all([loggedIn(harness, alice!), loggedIn(harness, bob!)]);
    await conversationButton(pageA, bob!.username).click();
    await conversationButton(pageB, alice!.username).click();

    const image = png(40, 30);
    const text = Buffer.from('shopping list:\n- milk\n- bread\n');
    await attach(pageA, [
      { name: 'dot.png', mimeType: 'image/png', buffer: image },
      { name: 'notes.txt', mimeType: 'text/plain', buffer: text },
    ]);
    const tray = pageA.getByRole('region', { name: 'Files to send' });
    await expect.poll(() => tray.getByRole('status').innerText(), POLL).toBe('2 files ready to send with your next message.');
    await harness.screenshot(pageA, 'attach-tray');
    await send(pageA, 'an image and a list');
    await expect.poll(() => tray.count(), POLL).toBe(0);

    // Bob sees the image drawn (decoded, at its size) and the file by name and size.
    const attachments = messages(pageB).getByRole('list', { name: 'Attachments' });
    const img = attachments.getByRole('img', { name: 'dot.png' });
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0)), POLL).toBe(40);
    const fileLink = attachments.getByRole('link', { name: /notes\.txt/ });
    expect(await fileLink.innerText()).toMatch(new RegExp(`notes\\.txt\\s*${text.length} B`));
    await harness.screenshot(pageB, 'attachments');

    // Clicking the thumbnail opens the full image in a tab of its own.
    const popup = pageB.waitForEvent('popup');
    await attachments.getByRole('link', { name: /Open dot\.png .* full size/ }).click();
    const tab = await popup;
    expect(new URL(tab.url()).pathname).toMatch(/^\/files\//);
    await tab.close();

    // The link downloads exactly the bytes Alice attached, under their name.
    const download = pageB.waitForEvent('download');
    await fileLink.click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('notes.txt');
    expect(await readFile((await file.path())!)).toEqual(text);

    // Bytes that are not what their type says: refused, and the tray says why.
    await attach(pageA, [{ name: 'fake.png', mimeType: 'image/png', buffer: text }]);
    await expect.poll(() => tray.getByRole('alert').innerText(), POLL).toContain('“fake.png” was refused: The bytes are not image/png');
    expect(await pageA.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
  }, 120_000);
});

describeBrowser('file limits and expiring links in the web client', () => {
  let db: TestDatabase;
  let harness: BrowserHarness;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Links that expire within seconds, and a 4 KiB file limit: what a page left open for a day,
    // and a too-large file, look like without waiting a day or sending 25 MiB.
    harness = await startBrowserHarness({ databaseUrl: db.url, env: { DOWNLOAD_URL_TTL: '3s', MAX_UPLOAD_BYTES: '4096' } });
  }, 180_000);
  afterAll(async () => {
    await harness?.close();
    await db?.drop();
  });

  it('when a file is over the limit, then the tray says the limit in KB; when shown links have expired, then focusing a file link, or an image failing to load, gets working ones', async () => {
    const url = harness.app.url;
    const [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => registerUser(url, name)));
    const direct = await gqlOk(url, DIRECT, { userId: bob!.id }, alice!.accessToken);
    await sendTo(url, alice!, direct.directConversation.id, 'hi');
    const [pageA, pageB] = await Promise.all([loggedIn(harness, alice!), loggedIn(harness, bob!)]);
    await conversationButton(pageA, bob!.username).click();
    await conversationButton(pageB, alice!.username).click();

    await attach(pageA, [{ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(5000, 1) }]);
    const tray = pageA.getByRole('region', { name: 'Files to send' });
    await expect.poll(() => tray.getByRole('alert').innerText(), POLL).toBe('“big.bin” is 4.9 KB; files can be at most 4.0 KB.');
    await tray.getByRole('button', { name: 'Remove big.bin' }).click();

    const text = Buffer.from('kept for later\n');
    await attach(pageA, [{ name: 'later.txt', mimeType: 'text/plain', buffer: text }]);
    await expect.poll(() => tray.getByRole('status').innerText(), POLL).toBe('Ready to send with your next message.');
    await send(pageA, 'read this later');

    const link = messages(pageB).getByRole('link', { name: /later\.txt/ });
    const status = (href: string | null) => pageB.evaluate(async (h) => (await fetch(h!)).status, href);
    const first = await link.getAttribute('href');
    // The page keeps the link it was given; the server stops honouring it.
    await expect.poll(() => status(first), POLL).toBe(403);
    // Focus (as a keyboard user reaching it, or a pointer over it) renews it before it is used.
    await expect
      .poll(async () => {
        await link.blur();
        await link.focus();
        const href = await link.getAttribute('href');
        return href !== first && (await status(href)) === 200;
      }, POLL)
      .toBe(true);

    // An image whose link has expired by the time it loads (a history page scrolled to long after
    // it was read): its first request is held until the server refuses that link, then let
    // through; the server answers 403, and the page fetches a fresh link, once, and shows it.
    let requests = 0;
    await pageB.route(
      (target) => target.pathname.startsWith('/files/') && target.searchParams.get('n') === 'late.png',
      async (route) => {
        if (requests++ === 0) await expect.poll(async () => (await fetch(route.request().url())).status, POLL).toBe(403);
        await route.continue();
      },
    );
    await attach(pageA, [{ name: 'late.png', mimeType: 'image/png', buffer: png(8, 8) }]);
    await expect.poll(() => tray.getByRole('status').innerText(), POLL).toBe('Ready to send with your next message.');
    await send(pageA, 'seen late');
    const img = messages(pageB).getByRole('img', { name: 'late.png' });
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0)), POLL).toBe(8);
    expect(requests).toBe(2);
  }, 120_000);
});
