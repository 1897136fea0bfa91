// The chat server's PostgreSQL for one bench run.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const LOCAL_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export type BenchDatabase = {
  /** Unset: the server starts its embedded PostgreSQL (and logs where). */
  url: string | undefined;
  description: string;
  /** Drops what this run created; safe to call twice. */
  cleanup(): Promise<void>;
};

/** BENCH_DATABASE_URL, else DATABASE_URL, else a fresh database on the local server, else embedded. */
export async function chooseDatabase(env: NodeJS.ProcessEnv, options: { embedded: boolean; fresh?: boolean }): Promise<BenchDatabase> {
  const none = async () => undefined;
  if (options.embedded) return { url: undefined, description: 'embedded PostgreSQL (fresh cluster in a temp dir)', cleanup: none };
  const given = env.BENCH_DATABASE_URL || env.DATABASE_URL;
  if (given && !options.fresh)
    return {
      url: given,
      description: `${env.BENCH_DATABASE_URL ? 'BENCH_DATABASE_URL' : 'DATABASE_URL'} (${redact(given)})`,
      cleanup: none,
    };

  const name = `bench_${randomBytes(4).toString('hex')}`;
  try {
    await adminQuery(`CREATE DATABASE ${name}`);
  } catch {
    return { url: undefined, description: 'embedded PostgreSQL (no server on 127.0.0.1:5432)', cleanup: none };
  }
  let dropped = false;
  return {
    url: `postgresql://postgres@127.0.0.1:5432/${name}`,
    description: `fresh database ${name} on 127.0.0.1:5432 (dropped after)`,
    async cleanup() {
      if (dropped) return;
      dropped = true;
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function adminQuery(sql: string) {
  const client = new pg.Client({ connectionString: LOCAL_ADMIN_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function redact(url: string) {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
