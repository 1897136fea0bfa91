import type { IncomingMessage } from 'node:http';

/**
 * The client's address. X-Forwarded-For is only believed through `trustProxy` proxies: each
 * appends the address it received the request from, so with N trusted proxies the client is the
 * Nth entry from the right (the socket's peer being the first). Entries further left could be
 * made up by the client, and are ignored; with no trusted proxy, so is the whole header.
 */
export function clientAddress(req: IncomingMessage | undefined, trustProxy: number): string {
  const peer = req?.socket?.remoteAddress ?? 'unknown';
  if (trustProxy <= 0 || !req) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const chain = [...forwarded, peer];
  return chain[Math.max(0, chain.length - 1 - trustProxy)] ?? peer;
}
