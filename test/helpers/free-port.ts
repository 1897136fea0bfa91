import net from 'node:net';

/**
 * A TCP port that was free a moment ago on `host`. Another process can take it before the caller
 * binds it, so whoever starts a server on it must retry on EADDRINUSE (or prefer listening on port 0).
 */
export async function getFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error(`could not get a free port on ${host}`))));
    });
  });
}
