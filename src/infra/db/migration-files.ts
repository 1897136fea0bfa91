// The migrations on disk, in Prisma's layout: prisma/migrations/<name>/migration.sql, applied in
// name order, each identified in the history by the sha256 of its raw bytes.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { packageRoot } from './package-root.js';

export class MigrationError extends Error {
  override name = 'MigrationError';
}

export interface MigrationFile {
  name: string;
  sql: string;
  /** sha256 hex of the raw migration.sql bytes, as Prisma records it. */
  checksum: string;
  /** The checksums Prisma also accepts for this file: same script, other line endings. */
  acceptedChecksums: Set<string>;
}

export function defaultMigrationsDir(): string {
  return path.join(packageRoot(), 'prisma', 'migrations');
}

export async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new MigrationError(`cannot read the migrations directory ${dir}: ${error.message}`, { cause: error });
  });
  // Prisma orders by directory name, byte-wise; the timestamp prefix makes that chronological.
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return Promise.all(
    names.map(async (name) => {
      const file = path.join(dir, name, 'migration.sql');
      const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
        throw new MigrationError(`migration ${name} has no readable migration.sql (${file}): ${error.message}`, { cause: error });
      });
      return { name, sql: bytes.toString('utf8'), checksum: sha256(bytes), acceptedChecksums: lineEndingVariants(bytes) };
    }),
  );
}

/** Like Prisma: a checkout that only changed CRLF/LF line endings is not an edit. */
function lineEndingVariants(bytes: Buffer): Set<string> {
  const text = bytes.toString('latin1'); // byte-preserving
  const lf = text.replaceAll('\r\n', '\n');
  return new Set([sha256(bytes), sha256(Buffer.from(lf, 'latin1')), sha256(Buffer.from(lf.replaceAll('\n', '\r\n'), 'latin1'))]);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
