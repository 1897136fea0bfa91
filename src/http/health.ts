import type { IncomingMessage, ServerResponse } from 'node:http';
import { pendingMigrations } from '../infra/db/migrate.js';
import { withTimeout } from '../infra/with-timeout.js';
import type { Deps } from '../deps.js';

export type HealthState = { draining: boolean };

/**
 * Liveness (/health, and the seed's /api/v1/health), readiness (/ready: PostgreSQL, Redis,
 * migrations; 503 while draining) and Prometheus metrics (/metrics). Returns false for other paths.
 */
export function createHealthRoutes(deps: Deps, state: HealthState) {
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };

  const check = async (fn: () => Promise<unknown>) => {
    try {
      await withTimeout(fn(), 2000);
      return { ok: true as const };
    } catch (error) {
      return { ok: false as const, error: (error as Error).message };
    }
  };

  let migrationsCurrent = false;

  return async function route(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/health':
      case '/api/v1/health':
        json(res, 200, { status: 'ok', instance: deps.instanceId });
        return true;
      case '/ready': {
        const [postgres, redis, migrations] = await Promise.all([
          check(() => deps.pool.query('SELECT 1')),
          // Without Redis there is nothing to check: say so, rather than report a check that never ran.
          deps.pingRedis ? check(deps.pingRedis) : Promise.resolve({ ok: true as const, used: false, engine: 'memory' }),
          check(async () => {
            // Once this process's migrations are all applied they stay so: stop asking on every probe.
            if (migrationsCurrent) return;
            const pending = await pendingMigrations(deps.databaseUrl);
            if (pending.length > 0) throw new Error(`pending: ${pending.join(', ')}`);
            migrationsCurrent = true;
          }),
        ]);
        const ready = !state.draining && postgres.ok && redis.ok && migrations.ok;
        json(res, ready ? 200 : 503, { status: ready ? 'ready' : state.draining ? 'draining' : 'not ready', postgres, redis, migrations });
        return true;
      }
      case '/metrics': {
        const text = await metricsText(deps);
        res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
        res.end(text);
        return true;
      }
      default:
        return false;
    }
  };
}

/** What /metrics answers (the dashboard reads the same): the registry, with the stream's gauges read now. */
export async function metricsText(deps: Pick<Deps, 'stream' | 'metrics'>): Promise<string> {
  const stats = await deps.stream.stats().catch(() => undefined);
  if (stats) {
    deps.metrics.streamPending.set(stats.pending);
    deps.metrics.streamUndelivered.set(stats.undelivered);
    deps.metrics.streamDeadLetters.set(stats.deadLetters);
  }
  return deps.metrics.registry.metrics();
}
