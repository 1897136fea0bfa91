import { fileKey, uploadKey } from './file-storage.js';
import type { FilesDeps } from './files-deps.js';
import { checkBytes, SNIFF_BYTES } from './sniff.js';

export type UploadRow = {
  id: string;
  uploader_id: string;
  conversation_id: string;
  file_name: string;
  declared_type: string;
  declared_size: number;
  status: 'PENDING' | 'READY' | 'REFUSED' | 'ATTACHED';
  refusal: string | null;
  content_type: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
  message_id: string | null;
};

/**
 * Checks the stored bytes of a PENDING upload against what createUpload declared: the size, and the
 * type read from the bytes. Then READY (with the sniffed type and, for an image, its dimensions) or
 * REFUSED (with the reason, the bytes deleted). Not uploaded yet: stays PENDING. Idempotent.
 */
export async function settleUpload(deps: FilesDeps, uploadId: string): Promise<UploadRow | undefined> {
  const row = await load(deps, uploadId);
  if (!row || row.status !== 'PENDING') return row;
  const stored = await deps.storage.inspect(uploadKey(uploadId), SNIFF_BYTES);
  if (!stored) return row;
  const refuse = async (reason: string) => {
    await deps.storage.delete(uploadKey(uploadId));
    const { rows } = await deps.pool.query<UploadRow>(
      `UPDATE uploads SET status = 'REFUSED', refusal = $2 WHERE id = $1 AND status = 'PENDING' RETURNING *`,
      [uploadId, reason],
    );
    return rows[0] ?? (await load(deps, uploadId));
  };
  if (stored.size !== row.declared_size) return refuse(`The file has ${stored.size} bytes, not the ${row.declared_size} declared.`);
  const checked = await checkBytes(stored.head, row.declared_type);
  if (!checked.ok) return refuse(checked.reason);
  try {
    await deps.storage.promote(uploadKey(uploadId), fileKey(uploadId));
  } catch (error) {
    // Settled meanwhile by a concurrent call (the bytes already moved): its outcome stands.
    const now = await load(deps, uploadId);
    if (now && now.status !== 'PENDING') return now;
    throw error;
  }
  const { rows } = await deps.pool.query<UploadRow>(
    `UPDATE uploads SET status = 'READY', content_type = $2, size = $3, width = $4, height = $5
      WHERE id = $1 AND status = 'PENDING' RETURNING *`,
    [uploadId, checked.contentType, stored.size, checked.width, checked.height],
  );
  return rows[0] ?? (await load(deps, uploadId));
}

async function load(deps: FilesDeps, uploadId: string): Promise<UploadRow | undefined> {
  const { rows } = await deps.pool.query<UploadRow>('SELECT * FROM uploads WHERE id = $1', [uploadId]);
  return rows[0];
}
