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

/**
 * This server's origin as the client reached it, for links it hands out: PUBLIC_URL when set,
 * else the request's Host (and, through trusted proxies, X-Forwarded-Proto and -Host).
 */
export function requestOrigin(
  req: IncomingMessage | undefined,
  { publicUrl, trustProxy }: { publicUrl?: string; trustProxy: number },
): string {
  if (publicUrl) return publicUrl;
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.split(',')[0]?.trim();
  const forwardedProto = trustProxy > 0 ? first(req?.headers['x-forwarded-proto']) : undefined;
  const forwardedHost = trustProxy > 0 ? first(req?.headers['x-forwarded-host']) : undefined;
  const encrypted = (req?.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const proto = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : encrypted ? 'https' : 'http';
  return `${proto}://${forwardedHost ?? req?.headers.host ?? 'localhost'}`;
}
