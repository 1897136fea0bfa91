// The default backend: files under DATA_DIR/files, uploaded to and served by this server through
// links signed with HMAC (what a presigned URL is for S3). No setup; one instance (disk is not shared).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { contentDisposition, fileKey, type Disposition, type FileStorage } from './file-storage.js';

export const FILES_PATH = '/files/';

export type LocalStorage = FileStorage & {
  /** Streams `body` (through `check`, which may fail it) to `key`; on any failure nothing is kept. */
  writeChecked(key: string, body: Readable, check: Transform): Promise<void>;
  /** Verifies and decodes a signed link's query; undefined if forged, tampered with, or expired. */
  verify(method: 'PUT' | 'GET', id: string, query: URLSearchParams): Record<string, string> | undefined;
  pathOf(key: string): string;
  tmpDir: string;
};

export function createLocalStorage({ dir, secret }: { dir: string; secret: string }): LocalStorage {
  // A key of its own, derived from the server's secret: a file link is no token for anything else.
  const key = createHmac('sha256', secret).update('chat file links v1').digest();
  const tmpDir = path.join(dir, 'tmp');
  const pathOf = (storageKey: string) => {
    if (!/^(uploads|files)\/[0-9a-f-]{36}$/.test(storageKey)) throw new Error(`not a storage key: ${storageKey}`);
    return path.join(dir, storageKey);
  };
  const sign = (method: string, id: string, fields: [string, string][]) =>
    createHmac('sha256', key)
      .update([method, id, ...fields.map(([k, v]) => `${k}=${v}`)].join('\n'))
      .digest('base64url');
  const link = (origin: string, method: 'PUT' | 'GET', id: string, fields: [string, string][]) => {
    const query = new URLSearchParams(fields);
    query.set('sig', sign(method, id, fields));
    return `${origin}${FILES_PATH}${id}?${query}`;
  };
  const idOf = (storageKey: string) => storageKey.slice(storageKey.indexOf('/') + 1);

  return {
    kind: 'local',
    tmpDir,
    pathOf,
    async signUpload(storageKey, { contentType, size, expiresAt, origin }) {
      const fields: [string, string][] = [
        ['exp', String(Math.floor(expiresAt.getTime() / 1000))],
        ['size', String(size)],
        ['type', contentType],
      ];
      return { url: link(origin, 'PUT', idOf(storageKey), fields), headers: [{ name: 'Content-Type', value: contentType }] };
    },
    async signDownload(storageKey, { fileName, contentType, disposition, expiresAt, userId, origin }) {
      return link(origin, 'GET', idOf(storageKey), [
        ['exp', String(Math.floor(expiresAt.getTime() / 1000))],
        ['u', userId],
        ['n', fileName],
        ['t', contentType],
        ['d', disposition],
      ]);
    },
    verify(method, id, query) {
      const sig = query.get('sig');
      if (!sig) return undefined;
      const fields = [...query].filter(([name]) => name !== 'sig');
      const expected = Buffer.from(sign(method, id, fields));
      const given = Buffer.from(sig);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      const values = Object.fromEntries(fields);
      if (!(Number(values.exp) * 1000 > Date.now())) return undefined;
      return values;
    },
    async inspect(storageKey, prefixBytes) {
      const file = await open(pathOf(storageKey), 'r').catch(() => undefined);
      if (!file) return undefined;
      try {
        const { size } = await file.stat();
        const head = Buffer.alloc(Math.min(prefixBytes, size));
        await file.read(head, 0, head.length, 0);
        return { size, head };
      } finally {
        await file.close();
      }
    },
    async write(storageKey, body) {
      await this.writeChecked(storageKey, body, new Transform({ transform: (chunk, _encoding, done) => done(null, chunk) }));
    },
    async writeChecked(storageKey, body, check) {
      await mkdir(tmpDir, { recursive: true });
      const tmp = path.join(tmpDir, `${idOf(storageKey)}.${randomBytes(4).toString('hex')}`);
      try {
        await pipeline(body, check, createWriteStream(tmp, { flags: 'wx' }));
        await mkdir(path.dirname(pathOf(storageKey)), { recursive: true });
        await rename(tmp, pathOf(storageKey));
      } finally {
        await rm(tmp, { force: true });
      }
    },
    async promote(from, to) {
      await mkdir(path.dirname(pathOf(to)), { recursive: true });
      await rename(pathOf(from), pathOf(to));
    },
    async delete(storageKey) {
      await rm(pathOf(storageKey), { force: true });
    },
  };
}

export type StoredOutcome = { ok: true } | { ok: false; status: number; error: string };

/**
 * The routes behind local links: PUT stores the bytes (streamed to disk, cut off past the declared
 * size, removed if the upload is interrupted), then `onStored` checks them; GET serves them with
 * Range, the original name, and `nosniff`.
 */
export function createLocalFileRoutes({
  storage,
  accepts,
  onStored,
  allowDownload,
}: {
  storage: LocalStorage;
  /** Whether the upload still takes bytes (PENDING): a finished one is never overwritten. */
  accepts: (uploadId: string) => Promise<boolean>;
  /** Checks the stored bytes against what was declared (type, size), and settles the upload. */
  onStored: (uploadId: string) => Promise<StoredOutcome>;
  /** Rate limit of downloads per user: throws an AppError-like { code, message, details } when over. */
  allowDownload: (userId: string) => Promise<void>;
}) {
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  async function put(req: IncomingMessage, res: ServerResponse, id: string, query: URLSearchParams) {
    const signed = storage.verify('PUT', id, query);
    if (!signed) return json(res, 403, { error: 'This upload link is invalid or has expired: ask for a new one with createUpload.' });
    const declared = Number(signed.size);
    if ((req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase() !== signed.type!.toLowerCase()) {
      return json(res, 400, { error: `Send the header Content-Type: ${signed.type}, as declared in createUpload.` });
    }
    if (!(await accepts(id)))
      return json(res, 409, { error: 'This upload already has its bytes (or is gone): make a new one with createUpload.' });
    const length = Number(req.headers['content-length']);
    if (Number.isFinite(length) && length > declared) {
      return json(res, 413, { error: `The body is longer than the ${declared} bytes declared in createUpload.` });
    }
    let received = 0;
    let tooLong = false;
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > declared) {
          tooLong = true;
          return done(new Error('longer than declared'));
        }
        done(null, chunk);
      },
    });
    try {
      await storage.writeChecked(`uploads/${id}`, req, counter);
    } catch (error) {
      // Interrupted, or cut off: nothing was kept (write() removes its temp file).
      if (tooLong)
        return json(res, 413, { error: `The body is longer than the ${declared} bytes declared in createUpload; nothing was kept.` });
      if (!res.headersSent && !req.destroyed)
        return json(res, 400, { error: `The upload did not complete (${(error as Error).message}); nothing was kept.` });
      return;
    }
    if (received !== declared) {
      await storage.delete(`uploads/${id}`);
      return json(res, 400, { error: `Received ${received} bytes, not the ${declared} declared in createUpload; nothing was kept.` });
    }
    const outcome = await onStored(id);
    if (!outcome.ok) return json(res, outcome.status, { error: outcome.error });
    json(res, 200, { ok: true });
  }

  async function get(req: IncomingMessage, res: ServerResponse, id: string, query: URLSearchParams) {
    const signed = storage.verify('GET', id, query);
    if (!signed) return json(res, 403, { error: 'This download link is invalid or has expired: get a fresh one from the message.' });
    try {
      await allowDownload(signed.u!);
    } catch (error) {
      const retryAfterMs = (error as { details?: { retryAfterMs?: number } }).details?.retryAfterMs ?? 1000;
      res.setHeader('retry-after', String(Math.ceil(retryAfterMs / 1000)));
      return json(res, 429, { error: (error as Error).message, retryAfterMs });
    }
    const file = storage.pathOf(fileKey(id));
    const info = await stat(file).catch(() => undefined);
    if (!info) return json(res, 404, { error: 'This file no longer exists.' });
    const range = parseRange(req.headers.range, info.size);
    const headers: Record<string, string> = {
      'content-type': signed.t!,
      'content-disposition': contentDisposition(signed.d as Disposition, signed.n!),
      'x-content-type-options': 'nosniff',
      // Nothing served here may run as a page of this origin.
      'content-security-policy': "default-src 'none'; sandbox",
      'accept-ranges': 'bytes',
      'cache-control': `private, max-age=${Math.max(0, Number(signed.exp) - Math.floor(Date.now() / 1000))}`,
    };
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${info.size}` }).end();
      return;
    }
    const [start, end] = range ?? [0, info.size - 1];
    res.writeHead(range ? 206 : 200, {
      ...headers,
      'content-length': String(info.size === 0 ? 0 : end - start + 1),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${info.size}` } : {}),
    });
    if (req.method === 'HEAD' || info.size === 0) return void res.end();
    await pipeline(createReadStream(file, { start, end }), res).catch(() => undefined);
  }

  return async function route(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(FILES_PATH)) return false;
    const id = url.pathname.slice(FILES_PATH.length);
    if (!/^[0-9a-f-]{36}$/.test(id)) {
      json(res, 404, { error: 'No such file.' });
      return true;
    }
    if (req.method === 'PUT') await put(req, res, id, url.searchParams);
    else if (req.method === 'GET' || req.method === 'HEAD') await get(req, res, id, url.searchParams);
    else json(res, 405, { error: 'Use PUT to upload, GET to download.' });
    return true;
  };
}

/** One range of `bytes=a-b` / `bytes=a-` / `bytes=-n`; multiple ranges are served whole. */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return [start, end];
}
