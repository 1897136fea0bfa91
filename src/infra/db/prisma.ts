import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client.js';

export type Db = PrismaClient;

/** Built once per process (deps.ts); connects lazily, on the first query. */
export function createPrismaClient(databaseUrl: string, opts: { poolMax?: number } = {}): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: opts.poolMax ?? 10 }) });
}
