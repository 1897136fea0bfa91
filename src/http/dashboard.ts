// The live dashboard: the page at /dashboard, and its data at /dashboard/metrics (the same
// Prometheus text as /metrics), both closed unless DASHBOARD_TOKEN is set. The page itself holds
// nothing secret; it asks for the token and sends it as `Authorization: Bearer`, never in a URL
// (URLs end up in access logs and browser history). Health comes from /ready, which is public.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../infra/logger.js';
import { clientAddress } from './client-address.js';
import { serveBuiltFile } from './web-client.js';

export const DASHBOARD_PATH = '/dashboard';
export const DASHBOARD_METRICS_PATH = '/dashboard/metrics';

export type DashboardRouteOptions = {
  /** Unset: the dashboard is off, and both paths answer 404 saying how to turn it on. */
  token: string | undefined;
  webDir: string;
  /** The Prometheus text /metrics answers. */
  metricsText: () => Promise<string>;
  metricsContentType: string;
  logger: Logger;
  trustProxy: number;
};

const OFF_MESSAGE =
  'The dashboard is off. To turn it on, start the server with DASHBOARD_TOKEN set to a secret of 16 or more characters ' +
  '(e.g. `DASHBOARD_TOKEN=$(openssl rand -hex 16)`), then open /dashboard and enter that token.\n';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether the request carries `Authorization: Bearer <token>`. Both sides are hashed first, so
 * timingSafeEqual compares equal lengths and the time taken says nothing about the token.
 */
export function hasBearerToken(req: IncomingMessage, expectedDigest: Buffer): 'missing' | 'wrong' | 'ok' {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) return 'missing';
  return timingSafeEqual(digest(match[1]!), expectedDigest) ? 'ok' : 'wrong';
}

export function createDashboardRoutes(options: DashboardRouteOptions) {
  const { token, webDir, logger } = options;
  const expected = token === undefined ? undefined : digest(token);
  const log = logger.child({ component: 'dashboard' });

  const text = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers });
    res.end(body);
  };

  return async function route(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0];
    if (path !== DASHBOARD_PATH && path !== `${DASHBOARD_PATH}/` && path !== DASHBOARD_METRICS_PATH) return false;
    if (!expected) {
      text(res, 404, OFF_MESSAGE);
      return true;
    }
    if (path !== DASHBOARD_METRICS_PATH) {
      if (await serveBuiltFile(webDir, 'dashboard.html', req, res, 'revalidate')) return true;
      text(res, 404, `The dashboard page is not built in ${webDir}: run \`npm run build\` (npm start does it), or set WEB_DIR.\n`);
      return true;
    }
    const verdict = hasBearerToken(req, expected);
    if (verdict !== 'ok') {
      if (verdict === 'wrong') log.warn({ client: clientAddress(req, options.trustProxy) }, 'dashboard data refused: wrong token');
      text(
        res,
        401,
        verdict === 'missing'
          ? 'The dashboard data needs the token: send `Authorization: Bearer <DASHBOARD_TOKEN>`.\n'
          : "Refused: that is not this server's DASHBOARD_TOKEN. Check the value the server was started with.\n",
        { 'www-authenticate': 'Bearer realm="dashboard"' },
      );
      return true;
    }
    const body = await options.metricsText();
    res.writeHead(200, { 'content-type': options.metricsContentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
