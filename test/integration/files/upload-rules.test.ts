// The rules of uploads: sizes, types read from the bytes, who may attach what, how files are
// served, and what is cleaned up.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileKey, uploadKey } from '../../../src/modules/files/file-storage.js';
import type { LocalStorage } from '../../../src/modules/files/local-storage.js';
import { call, createGroup, inboxAfter, nowCursor, registerUsers, REMOVE_MEMBER } from '../../helpers/chat.js';
import { ATTACHMENT_FIELDS, CREATE_UPLOAD, createUpload, pdf, png, putBytes, uploadFile } from '../../helpers/files.js';
import { errorCode, gql, gqlOk, type TestUser } from '../../helpers/graphql.js';
import { startTestS3, type TestS3 } from '../../helpers/s3.js';
import { useTestServer } from '../../helpers/test-server.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

const SEND = /* GraphQL */ `
  mutation Send($input: SendMessageInput!) {
    sendMessage(input: $input) {
      id
      attachments {
        ...AttachmentFields
      }
    }
  }
  ${ATTACHMENT_FIELDS}
`;
const send = (url: string, user: TestUser, conversationId: string, attachmentIds: string[], content = '') =>
  gql(url, SEND, { input: { conversationId, content, attachmentIds } }, user.accessToken);

describe('upload rules (local disk)', () => {
  const server = useTestServer({
    env: { MAX_UPLOAD_BYTES: '50000', UPLOAD_TTL: '2s', UPLOAD_RATE_PER_MINUTE: '60', DOWNLOAD_RATE_PER_MINUTE: '60' },
  });
  let alice: TestUser, bob: TestUser, carol: TestUser;
  let group: { id: string };
  beforeAll(async () => {
    [alice, bob, carol] = await registerUsers(server.url, ['alice', 'bob', 'carol'] as const);
    group = await createGroup(server.url, alice, 'Rules', [bob]);
  });
  const storage = () => server.deps.storage as LocalStorage;

  it('when asking to upload, then members only, at most MAX_UPLOAD_BYTES, with a real name and media type', async () => {
    const input = (over: object) => ({
      input: { conversationId: group.id, fileName: 'a.png', contentType: 'image/png', size: 100, ...over },
    });
    expect(errorCode(await call(server.url, carol, CREATE_UPLOAD, input({})))).toBe('FORBIDDEN');
    const tooBig = await call(server.url, alice, CREATE_UPLOAD, input({ size: 50_001 }));
    expect(errorCode(tooBig)).toBe('BAD_USER_INPUT');
    expect(tooBig.errors![0]!.message).toMatch(/at most 50000 bytes/);
    for (const bad of [
      { size: 0 },
      { fileName: '../etc/passwd' },
      { fileName: '' },
      { contentType: 'png' },
      { contentType: 'image/png; x' },
    ]) {
      expect(errorCode(await call(server.url, alice, CREATE_UPLOAD, input(bad))), JSON.stringify(bad)).toBe('BAD_USER_INPUT');
    }
  });

  it('when the bytes contradict the declared type, then the upload is refused (and cannot be attached), and nothing is kept', async () => {
    const asPdf = await uploadFile(server.url, alice, group.id, { fileName: 'x.pdf', contentType: 'application/pdf', bytes: png(2, 2) });
    expect(asPdf.status).toBe(415);
    expect(asPdf.body).toMatch(/image\/png/);
    expect(existsSync(storage().pathOf(uploadKey(asPdf.id)))).toBe(false);
    expect(existsSync(storage().pathOf(fileKey(asPdf.id)))).toBe(false);
    const asText = await uploadFile(server.url, alice, group.id, { fileName: 'x.txt', contentType: 'text/plain', bytes: png(2, 2) });
    expect(asText.status).toBe(415);
    const attached = await send(server.url, alice, group.id, [asPdf.id]);
    expect(errorCode(attached)).toBe('BAD_USER_INPUT');
    expect(attached.errors![0]!.message).toMatch(/was refused: The bytes are image\/png/);
  });

  it('when attaching, then only one’s own finished uploads for this conversation, each once, at most 10', async () => {
    const ok = await uploadFile(server.url, alice, group.id, { fileName: 'ok.pdf', contentType: 'application/pdf', bytes: pdf() });
    const unfinished = await createUpload(server.url, alice, {
      conversationId: group.id,
      fileName: 'later.pdf',
      contentType: 'application/pdf',
      size: pdf().length,
    });
    const other = await createGroup(server.url, alice, 'Other', [bob]);
    const elsewhere = await uploadFile(server.url, alice, other.id, { fileName: 'e.pdf', contentType: 'application/pdf', bytes: pdf() });
    const bobs = await uploadFile(server.url, bob, group.id, { fileName: 'b.pdf', contentType: 'application/pdf', bytes: pdf() });

    expect((await send(server.url, alice, group.id, [unfinished.id])).errors![0]!.message).toMatch(/not finished/);
    expect((await send(server.url, alice, group.id, [elsewhere.id])).errors![0]!.message).toMatch(/another conversation/);
    expect(errorCode(await send(server.url, alice, group.id, [bobs.id]))).toBe('FORBIDDEN');
    expect((await send(server.url, alice, group.id, [ok.id])).data.sendMessage.attachments).toHaveLength(1);
    const again = await send(server.url, alice, group.id, [ok.id]);
    expect(again.errors![0]!.message).toMatch(/already attached/);
    // Re-uploading a finished upload's bytes is refused: what was checked is what is served.
    expect((await putBytes(unfinished, pdf())).status).toBe(200);
    expect((await putBytes(unfinished, pdf('chang'))).status).toBe(409);
    const eleven = Array.from({ length: 11 }, () => ok.id);
    expect(errorCode(await send(server.url, alice, group.id, eleven))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(server.url, SEND, { input: { conversationId: group.id, content: '' } }, alice.accessToken))).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('when a file a browser could run is downloaded, then it comes as an attachment with nosniff; an image shows inline', async () => {
    const files = [
      {
        fileName: 'page.html',
        contentType: 'text/html',
        bytes: Buffer.from('<html><script>alert(1)</script></html>'),
        disposition: 'attachment',
      },
      {
        fileName: 'pic.svg',
        contentType: 'image/svg+xml',
        bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        disposition: 'attachment',
      },
      { fileName: 'app.js', contentType: 'text/javascript', bytes: Buffer.from('alert(1)'), disposition: 'attachment' },
      { fileName: 'pic.png', contentType: 'image/png', bytes: png(4, 4), disposition: 'inline' },
    ];
    const ids = [];
    for (const file of files) {
      const uploaded = await uploadFile(server.url, alice, group.id, file);
      expect(uploaded.status, uploaded.body).toBe(200);
      ids.push(uploaded.id);
    }
    const sent = await send(server.url, alice, group.id, ids);
    const attachments = sent.data.sendMessage.attachments as { url: string; fileName: string }[];
    for (const [index, attachment] of attachments.entries()) {
      const response = await fetch(attachment.url);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-disposition')!.split(';')[0]).toBe(files[index]!.disposition);
    }
  });

  it('when a member is removed, then their replay of the messages they had carries no attachments (no new links)', async () => {
    const room = await createGroup(server.url, alice, 'Removal', [carol]);
    const before = await nowCursor(server.url, carol);
    const file = await uploadFile(server.url, alice, room.id, { fileName: 'secret.pdf', contentType: 'application/pdf', bytes: pdf() });
    await send(server.url, alice, room.id, [file.id], 'with a file');
    expect((await inboxAfter(server.url, carol, before)).events.find((e) => e.__typename === 'MessageAdded')).toBeTruthy();
    await gqlOk(server.url, REMOVE_MEMBER, { conversationId: room.id, userId: carol.id }, alice.accessToken);
    const INBOX_FILES = `query ($a: String) { inbox(after: $a, first: 50) { events { __typename ... on MessageAdded { message { attachments { url } } } } } }`;
    const replay = await gqlOk(server.url, INBOX_FILES, { a: before }, carol.accessToken);
    const message = replay.inbox.events.find((e: { __typename: string }) => e.__typename === 'MessageAdded');
    expect(message.message.attachments).toEqual([]);
  });

  it('when uploads are never attached, then after UPLOAD_TTL their rows and bytes are deleted; attached ones stay', async () => {
    const stale = await uploadFile(server.url, alice, group.id, { fileName: 'stale.pdf', contentType: 'application/pdf', bytes: pdf() });
    const kept = await uploadFile(server.url, alice, group.id, { fileName: 'kept.pdf', contentType: 'application/pdf', bytes: pdf() });
    await send(server.url, alice, group.id, [kept.id]);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await server.app.runMaintenance();
    const rows = await server.deps.pool.query<{ id: string }>('SELECT id FROM uploads WHERE id = ANY($1)', [[stale.id, kept.id]]);
    expect(rows.rows.map((r) => r.id)).toEqual([kept.id]);
    expect(existsSync(storage().pathOf(fileKey(stale.id)))).toBe(false);
    expect(existsSync(storage().pathOf(fileKey(kept.id)))).toBe(true);
  });
});

describe('upload and download rate limits', () => {
  const server = useTestServer({ env: { UPLOAD_RATE_PER_MINUTE: '2', DOWNLOAD_RATE_PER_MINUTE: '2' } });

  it('when a user uploads or downloads too fast, then RATE_LIMITED with retryAfterMs, and 429 with Retry-After', async () => {
    const [alice, bob] = await registerUsers(server.url, ['alice', 'bob'] as const);
    const group = await createGroup(server.url, alice, 'Limits', [bob]);
    const file = await uploadFile(server.url, alice, group.id, { fileName: 'a.pdf', contentType: 'application/pdf', bytes: pdf() });
    await uploadFile(server.url, alice, group.id, { fileName: 'b.pdf', contentType: 'application/pdf', bytes: pdf() });
    const third = await call(server.url, alice, CREATE_UPLOAD, {
      input: { conversationId: group.id, fileName: 'c.pdf', contentType: 'application/pdf', size: 10 },
    });
    expect(errorCode(third)).toBe('RATE_LIMITED');
    expect(third.errors![0]!.extensions!.retryAfterMs).toBeGreaterThan(0);

    const sent = await send(server.url, alice, group.id, [file.id]);
    const url = sent.data.sendMessage.attachments[0].url as string;
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(url)).status).toBe(200);
    const limited = await fetch(url);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});

describe('upload rules on S3 (s3rver)', () => {
  let db: TestDatabase;
  let s3: TestS3;
  let server: TestApp;
  beforeAll(async () => {
    [db, s3] = await Promise.all([createTestDatabase(), startTestS3()]);
    server = await startTestApp({ databaseUrl: db.url, env: s3.env });
  });
  afterAll(async () => {
    await server?.stop();
    await Promise.all([db?.drop(), s3?.stop()]);
  });

  it('when the bytes that went straight to the store contradict their type, then attaching refuses it and the object is deleted', async () => {
    const [alice, bob] = await registerUsers(server.url, ['alice', 'bob'] as const);
    const group = await createGroup(server.url, alice, 'S3 rules', [bob]);
    const upload = await uploadFile(server.url, alice, group.id, {
      fileName: 'fake.pdf',
      contentType: 'application/pdf',
      bytes: randomBytes(500),
    });
    expect(upload.status).toBe(200); // the store takes any bytes
    const attached = await send(server.url, alice, group.id, [upload.id]);
    expect(errorCode(attached)).toBe('BAD_USER_INPUT');
    expect(attached.errors![0]!.message).toMatch(/was refused: The bytes are not application\/pdf/);
    expect(await server.deps.storage.inspect(uploadKey(upload.id), 10)).toBeUndefined();
  });
});
