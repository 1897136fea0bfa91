// The built web client (web/, built by Vite into dist/web) served at /, so `npm start` serves a
// working chat with nothing else to start. Only the files Vite writes are served: the page, its
// hashed assets, and the icon. Everything else falls through to the next route.
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * What the pages may load: only this origin, except images and files, which may come from
 * S3-compatible storage on another origin through signed links. Sockets go to this origin.
 */
export const PAGE_SECURITY_HEADERS = {
  'content-security-policy': [
    "default-src 'self'",
    "img-src 'self' data: blob: http: https:",
    "media-src 'self' blob: http: https:",
    "connect-src 'self' ws: wss: http: https:",
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** dist/web beside this server: found from this file, whether it runs built (dist/src/http) or under tsx (src/http). */
export function defaultWebDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return path.join(dir, 'dist', 'web');
}

/** Serves `name` from `dir` if it is there; false when it is not (the caller answers instead). */
export async function serveBuiltFile(
  dir: string,
  name: string,
  req: IncomingMessage,
  res: ServerResponse,
  cache: 'immutable' | 'revalidate',
): Promise<boolean> {
  const file = path.join(dir, name);
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) return false;
  res.writeHead(200, {
    'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream',
    'content-length': info.size,
    'cache-control': cache === 'immutable' ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...(name.endsWith('.html') ? PAGE_SECURITY_HEADERS : { 'x-content-type-options': 'nosniff' }),
  });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file);
    stream.once('error', reject);
    res.once('close', resolve);
    stream.pipe(res);
  });
  return true;
}

/** Asset names Vite writes (name-hash.ext): nothing with a slash or a leading dot can match. */
const ASSET = /^\/assets\/([A-Za-z0-9_-][A-Za-z0-9._-]*)$/;

export function createWebClientRoutes(webDir: string) {
  return async function route(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = (req.url ?? '/').split('?')[0]!;
    if (url === '/' || url === '/index.html') {
      if (await serveBuiltFile(webDir, 'index.html', req, res, 'revalidate')) return true;
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(
        `The web client is not built in ${webDir}: run \`npm run build\` (npm start does it), or set WEB_DIR. The API is at /graphql.\n`,
      );
      return true;
    }
    if (url === '/favicon.svg') return serveBuiltFile(webDir, 'favicon.svg', req, res, 'revalidate');
    const asset = ASSET.exec(url);
    if (asset) return serveBuiltFile(webDir, path.join('assets', asset[1]!), req, res, 'immutable');
    return false;
  };
}
