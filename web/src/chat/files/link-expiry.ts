// When a signed download link stops working. The server's links say it themselves: local storage
// signs `exp` (Unix seconds) into the query, S3 presigned URLs carry X-Amz-Date and X-Amz-Expires.
// A link of neither kind is assumed good for `fallbackMs` after it was received.
export function linkExpiresAt(url: string, receivedAt: number, fallbackMs = 10 * 60_000): number {
  let query: URLSearchParams;
  try {
    query = new URL(url, window.location.href).searchParams;
  } catch {
    return receivedAt + fallbackMs;
  }
  const exp = Number(query.get('exp'));
  if (exp > 0) return exp * 1000;
  const amzDate = query.get('X-Amz-Date');
  const amzExpires = Number(query.get('X-Amz-Expires'));
  if (amzDate && amzExpires > 0) {
    // 20261205T063000Z
    const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (match) {
      const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
      return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!) + amzExpires * 1000;
    }
  }
  return receivedAt + fallbackMs;
}
