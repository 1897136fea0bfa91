import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from './logger.js';

/**
 * Outside production, a missing JWT_SECRET is generated once and kept in <dataDir>/jwt-secret, so
 * tokens survive restarts of a local server. Production must configure it (config.ts enforces).
 */
export async function loadOrCreateJwtSecret(dataDir: string, logger: Logger): Promise<string> {
  const file = path.resolve(dataDir, 'jwt-secret');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('hex');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  logger.warn({ file }, 'JWT_SECRET is not set: generated one and kept it in this file. Set JWT_SECRET in production.');
  return secret;
}
