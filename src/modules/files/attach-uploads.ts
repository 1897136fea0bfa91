// The worker's side of attachments, inside its commit transaction (after the conversation locks,
// before the event clock): lock the uploads a batch names, attach the valid ones to their new
// messages, and read the attachments of messages stored earlier.
import type { PoolClient } from 'pg';
import type { AttachmentInfo } from './files-deps.js';

export type LockedUpload = {
  id: string;
  uploader_id: string;
  conversation_id: string;
  status: string;
  file_name: string;
  content_type: string | null;
  size: number | null;
  width: number | null;
  height: number | null;
};

export async function lockUploads(client: PoolClient, ids: readonly string[]): Promise<Map<string, LockedUpload>> {
  if (ids.length === 0) return new Map();
  const { rows } = await client.query<LockedUpload>(
    `SELECT id, uploader_id, conversation_id, status, file_name, content_type, size, width, height
       FROM uploads WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/** Whether the upload may be attached to a new message of this sender in this conversation. */
export const attachable = (upload: LockedUpload | undefined, senderId: string, conversationId: string) =>
  upload !== undefined && upload.status === 'READY' && upload.uploader_id === senderId && upload.conversation_id === conversationId;

export const toAttachment = (upload: Omit<LockedUpload, 'uploader_id' | 'conversation_id' | 'status'>): AttachmentInfo => ({
  id: upload.id,
  fileName: upload.file_name,
  contentType: upload.content_type!,
  size: upload.size!,
  width: upload.width,
  height: upload.height,
});

/** Attaches uploads to messages inserted later in the same transaction (the foreign key is deferred). */
export async function attachUploads(client: PoolClient, pairs: readonly { uploadId: string; messageId: string }[]): Promise<void> {
  if (pairs.length === 0) return;
  await client.query(
    `UPDATE uploads u SET status = 'ATTACHED', message_id = v.message_id
       FROM unnest($1::uuid[], $2::uuid[]) AS v(id, message_id) WHERE u.id = v.id`,
    [pairs.map((p) => p.uploadId), pairs.map((p) => p.messageId)],
  );
}

/** The attachments of stored messages, in upload order. */
export async function attachmentsOf(
  client: Pick<PoolClient, 'query'>,
  messageIds: readonly string[],
): Promise<Map<string, AttachmentInfo[]>> {
  const out = new Map<string, AttachmentInfo[]>();
  if (messageIds.length === 0) return out;
  const { rows } = await client.query<LockedUpload & { message_id: string }>(
    `SELECT id, message_id, file_name, content_type, size, width, height FROM uploads WHERE message_id = ANY($1::uuid[]) ORDER BY id`,
    [messageIds],
  );
  for (const row of rows) {
    const list = out.get(row.message_id) ?? [];
    list.push(toAttachment(row));
    out.set(row.message_id, list);
  }
  return out;
}
