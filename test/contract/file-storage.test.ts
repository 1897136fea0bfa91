import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileKey, uploadKey } from '../../src/modules/files/file-storage.js';
import { createLocalFileRoutes, createLocalStorage, type LocalStorage } from '../../src/modules/files/local-storage.js';
import { createS3Storage } from '../../src/modules/files/s3-storage.js';
import { startTestS3 } from '../helpers/s3.js';
import { fileStorageContract } from './file-storage.contract.js';
import { waitFor } from '../helpers/deferred.js';

/** Local storage behind its own routes on a real HTTP server, every upload accepted. */
async function localUnderTest() {
  const dir = await mkdtemp(path.join(tmpdir(), 'chat-files-'));
  const storage = createLocalStorage({ dir, secret: 'a secret long enough for the test, 32+ characters' });
  const routes = createLocalFileRoutes({
    storage,
    accepts: async () => true,
    onStored: async () => ({ ok: true }),
    allowDownload: async () => undefined,
  });
  const server: Server = createServer((req, res) => void routes(req, res).then((handled) => handled || res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    storage,
    origin,
    dir,
    async cleanup() {
      await new Promise((resolve) => server.close(resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

fileStorageContract('local disk', localUnderTest);

fileStorageContract('S3 (s3rver)', async () => {
  const s3 = await startTestS3();
  const storage = createS3Storage({ bucket: s3.bucket, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });
  return {
    storage,
    origin: 'unused',
    async cleanup() {
      storage.client.destroy();
      await s3.stop();
    },
  };
});

// What s3rver cannot show (it checks no signatures): the local backend's links refuse tampering,
// expiry and other files, and a body longer than declared, or cut short, leaves nothing.
describe('local links', () => {
  let subject: Awaited<ReturnType<typeof localUnderTest>>;
  let storage: LocalStorage;
  beforeAll(async () => {
    subject = await localUnderTest();
    storage = subject.storage;
  });
  afterAll(async () => {
    await subject?.cleanup();
  });

  const link = (id: string, ms = 60_000) =>
    storage.signDownload(fileKey(id), {
      fileName: 'a.txt',
      contentType: 'text/plain',
      disposition: 'inline',
      expiresAt: new Date(Date.now() + ms),
      userId: randomUUID(),
      origin: subject.origin,
    });

  it('when a download link is tampered with, expired, or used for another file, then 403', async () => {
    const [id, other] = [randomUUID(), randomUUID()];
    for (const each of [id, other])
      await storage.write!(
        fileKey(each),
        (async function* () {
          yield Buffer.from('hello');
        })() as never,
      );
    const good = await link(id);
    expect((await fetch(good)).status).toBe(200);
    const tampered = new URL(good);
    tampered.searchParams.set('t', 'text/html');
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(good.replace(id, other))).status).toBe(403);
    const expired = await link(id, 1000);
    await new Promise((resolve) => setTimeout(resolve, 2100)); // links expire on the second
    expect((await fetch(expired)).status).toBe(403);
  });

  it('when the body is longer than declared, or the upload is cut off, then it is refused and nothing is left behind', async () => {
    const id = randomUUID();
    const { url } = await storage.signUpload(uploadKey(id), {
      contentType: 'application/octet-stream',
      size: 1000,
      expiresAt: new Date(Date.now() + 60_000),
      origin: subject.origin,
    });
    const tooLong = await fetch(url, {
      method: 'PUT',
      body: new Uint8Array(randomBytes(5000)),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(tooLong.status).toBe(413);
    // Without a Content-Length: cut off while streaming.
    const streamed = await fetch(url, {
      method: 'PUT',
      body: new ReadableStream({ start: (c) => (c.enqueue(randomBytes(3000)), c.close()) }),
      headers: { 'content-type': 'application/octet-stream' },
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    const short = await fetch(url, {
      method: 'PUT',
      body: new Uint8Array(randomBytes(10)),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(short.status).toBe(400);
    expect(await storage.inspect(uploadKey(id), 10)).toBeUndefined();
    expect(await readdir(storage.tmpDir).catch(() => [])).toEqual([]);
  });

  it('when the client disconnects in the middle of an upload, then nothing is left behind', async () => {
    const id = randomUUID();
    const { url } = await storage.signUpload(uploadKey(id), {
      contentType: 'application/octet-stream',
      size: 1_000_000,
      expiresAt: new Date(Date.now() + 60_000),
      origin: subject.origin,
    });
    const { request } = await import('node:http');
    await new Promise<void>((resolve) => {
      const req = request(url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': '1000000' } });
      req.on('error', () => resolve());
      req.write(randomBytes(300_000), () => setTimeout(() => (req.destroy(), resolve()), 100));
    });
    await waitFor(async () => (await readdir(storage.tmpDir).catch(() => [])).length === 0, { description: 'the partial file removed' });
    expect(await storage.inspect(uploadKey(id), 10)).toBeUndefined();
  });
});
