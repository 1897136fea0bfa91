import { AppError } from '../../errors.js';
import type { FilesDeps } from './files-deps.js';
import { settleUpload, type UploadRow } from './settle-upload.js';

/** At most this many attachments per message. */
export const MAX_ATTACHMENTS = 10;

/**
 * Before a message with attachments is queued: each must be the sender's own finished upload, made
 * for this conversation, not attached yet. An upload still PENDING is checked now (with S3 the
 * bytes went straight to the store). The worker checks again, atomically, when it attaches them.
 */
export async function prepareAttachments(deps: FilesDeps, senderId: string, conversationId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const { rows } = await deps.pool.query<UploadRow>('SELECT * FROM uploads WHERE id = ANY($1::uuid[])', [ids]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  for (const id of ids) {
    let upload = byId.get(id);
    if (!upload) throw new AppError('NOT_FOUND', `No upload ${id}: make one with createUpload.`, { field: 'attachmentIds' });
    if (upload.uploader_id !== senderId) throw new AppError('FORBIDDEN', `Upload ${id} is someone else's: attach your own uploads.`);
    if (upload.conversation_id !== conversationId) {
      throw new AppError('BAD_USER_INPUT', `Upload ${id} was made for another conversation.`, { field: 'attachmentIds' });
    }
    if (upload.status === 'PENDING') upload = (await settleUpload(deps, id)) ?? upload;
    if (upload.status === 'PENDING') {
      throw new AppError('BAD_USER_INPUT', `Upload ${id} is not finished: PUT its bytes to its uploadUrl first.`, {
        field: 'attachmentIds',
      });
    }
    if (upload.status === 'REFUSED') {
      throw new AppError('BAD_USER_INPUT', `Upload ${id} was refused: ${upload.refusal}`, { field: 'attachmentIds' });
    }
    if (upload.status === 'ATTACHED') {
      throw new AppError('BAD_USER_INPUT', `Upload ${id} is already attached to a message.`, { field: 'attachmentIds' });
    }
  }
}
