// The FileStorage contract (src/modules/files/file-storage.ts), run against the local-disk and the
// S3 backends: what a client does with the links, over real HTTP.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileKey, uploadKey, type FileStorage } from '../../src/modules/files/file-storage.js';

export type StorageUnderTest = { storage: FileStorage; origin: string; cleanup(): Promise<void> };

export function fileStorageContract(name: string, make: () => Promise<StorageUnderTest>): void {
  describe(`FileStorage contract: ${name}`, () => {
    let subject: StorageUnderTest;
    beforeAll(async () => {
      subject = await make();
    });
    afterAll(async () => {
      await subject?.cleanup();
    });

    const put = async (key: string, bytes: Buffer, contentType = 'application/octet-stream') => {
      const { url, headers } = await subject.storage.signUpload(key, {
        contentType,
        size: bytes.length,
        expiresAt: new Date(Date.now() + 60_000),
        origin: subject.origin,
      });
      const response = await fetch(url, {
        method: 'PUT',
        body: new Uint8Array(bytes),
        headers: Object.fromEntries(headers.map((h) => [h.name, h.value])),
      });
      expect(response.status, await response.clone().text()).toBe(200);
    };
    const download = (key: string, fileName = 'résumé "final".pdf', contentType = 'application/pdf') =>
      subject.storage.signDownload(key, {
        fileName,
        contentType,
        disposition: 'attachment',
        expiresAt: new Date(Date.now() + 60_000),
        userId: randomUUID(),
        origin: subject.origin,
      });

    /** PUT to the upload key, then moved to the served key, as settling does; returns the served key. */
    const stored = async (bytes: Buffer) => {
      const id = randomUUID();
      await put(uploadKey(id), bytes);
      await subject.storage.promote(uploadKey(id), fileKey(id));
      return fileKey(id);
    };

    it('when bytes are PUT to the upload link, then inspect sees them, and once promoted the download link serves them exactly, with the name and type', async () => {
      const id = randomUUID();
      const bytes = randomBytes(100_000);
      await put(uploadKey(id), bytes);
      const inspected = await subject.storage.inspect(uploadKey(id), 16);
      expect(inspected).toEqual({ size: bytes.length, head: bytes.subarray(0, 16) });
      await subject.storage.promote(uploadKey(id), fileKey(id));
      expect(await subject.storage.inspect(uploadKey(id), 16)).toBeUndefined();
      const key = fileKey(id);

      const response = await fetch(await download(key));
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
      expect(response.headers.get('content-type')).toBe('application/pdf');
      const disposition = response.headers.get('content-disposition')!;
      expect(disposition).toMatch(/^attachment; /);
      expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent('résumé "final".pdf')}`);
    });

    it('when the upload link is used again after the bytes were promoted, then what is served does not change', async () => {
      const id = randomUUID();
      const checked = randomBytes(1000);
      await put(uploadKey(id), checked);
      await subject.storage.promote(uploadKey(id), fileKey(id));
      await put(uploadKey(id), randomBytes(1000)); // a store takes it (S3 links can be reused until they expire)
      const served = Buffer.from(await (await fetch(await download(fileKey(id)))).arrayBuffer());
      expect(served.equals(checked)).toBe(true);
    });

    it('when a range is asked for, then 206 with exactly those bytes', async () => {
      const bytes = randomBytes(10_000);
      const key = await stored(bytes);
      const response = await fetch(await download(key), { headers: { range: 'bytes=1000-1999' } });
      expect(response.status).toBe(206);
      expect(response.headers.get('content-range')).toBe(`bytes 1000-1999/${bytes.length}`);
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes.subarray(1000, 2000))).toBe(true);
    });

    it('when deleted, then inspect finds nothing and the link serves nothing; deleting again is fine', async () => {
      const key = await stored(randomBytes(10));
      const link = await download(key);
      await subject.storage.delete(key);
      await subject.storage.delete(key);
      expect(await subject.storage.inspect(key, 16)).toBeUndefined();
      expect((await fetch(link)).status).toBeGreaterThanOrEqual(400);
      expect(await subject.storage.inspect(uploadKey(randomUUID()), 16)).toBeUndefined();
    });
  });
}
