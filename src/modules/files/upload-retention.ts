import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileKey, uploadKey } from './file-storage.js';
import type { FilesDeps } from './files-deps.js';

/**
 * Deletes uploads never attached to a message once UPLOAD_TTL has passed (pending, ready or
 * refused), rows first, then their bytes, in batches along the (status, created_at) index.
 * Returns how many. An upload attached meanwhile is kept: the row is deleted only if still unattached.
 */
export async function deleteStaleUploads(deps: FilesDeps, { batch = 500, now = Date.now() } = {}): Promise<number> {
  const before = new Date(now - deps.config.uploadTtlMs);
  let total = 0;
  for (;;) {
    const { rows } = await deps.pool.query<{ id: string }>(
      `DELETE FROM uploads WHERE id = ANY(ARRAY(
         SELECT id FROM uploads WHERE status IN ('PENDING', 'READY', 'REFUSED') AND created_at < $1 ORDER BY created_at LIMIT $2))
         AND status <> 'ATTACHED'
       RETURNING id`,
      [before, batch],
    );
    for (const { id } of rows) {
      await deps.storage.delete(uploadKey(id));
      await deps.storage.delete(fileKey(id));
    }
    total += rows.length;
    if (rows.length < batch) return total;
  }
}

/** Partial files of uploads interrupted by a crash (an interrupted request removes its own). */
export async function deleteStaleTempFiles(tmpDir: string, olderThanMs: number, now = Date.now()): Promise<number> {
  const names = await readdir(tmpDir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const file = path.join(tmpDir, name);
    const info = await stat(file).catch(() => undefined);
    if (info && now - info.mtimeMs > olderThanMs) {
      await rm(file, { force: true });
      removed += 1;
    }
  }
  return removed;
}
