import { z } from 'zod';
import { newId } from '../../infra/ids.js';
import { AppError } from '../../errors.js';
import { nulMessage, parseInput, withoutNul } from '../../validation.js';
import { uploadKey, type SignedUpload } from './file-storage.js';
import type { FilesDeps } from './files-deps.js';
import { normalizeType } from './sniff.js';

const fileName = z
  .string()
  .trim()
  .min(1, 'fileName must not be empty')
  .max(255, 'fileName must be at most 255 characters')
  .refine(withoutNul, nulMessage('fileName'))
  // A name, not a path: it ends up in Content-Disposition and in people's download folders.
  .refine((name) => ![...name].some(isPathOrControl), 'fileName must not contain slashes or control characters');

/** A slash, a backslash, or a control character (C0 or DEL). */
function isPathOrControl(char: string): boolean {
  const code = char.codePointAt(0)!;
  return char === '/' || char === '\\' || code < 0x20 || code === 0x7f;
}

const contentType = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/, 'contentType must be a media type such as image/png');

export type CreatedUpload = SignedUpload & { id: string; expiresAt: Date };

/**
 * Step one of an upload: records what will come (members only, the caller checked), and answers the
 * URL and headers to PUT the bytes to. Nothing is stored until they arrive.
 */
export async function createUpload(
  deps: FilesDeps,
  uploaderId: string,
  origin: string,
  raw: { conversationId: string; fileName: string; contentType: string; size: number },
): Promise<CreatedUpload> {
  const max = deps.config.maxUploadBytes;
  const input = parseInput(
    z.object({
      conversationId: z.uuid('conversationId must be a conversation id'),
      fileName,
      contentType,
      size: z.number().int().min(1, 'size must be at least 1 byte').max(max, `size must be at most ${max} bytes (MAX_UPLOAD_BYTES)`),
    }),
    raw,
  );
  const id = newId();
  const declaredType = normalizeType(input.contentType);
  await deps.pool.query(
    `INSERT INTO uploads (id, uploader_id, conversation_id, file_name, declared_type, declared_size) VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, uploaderId, input.conversationId, input.fileName, declaredType, input.size],
  );
  const expiresAt = new Date(Date.now() + deps.config.uploadUrlTtlMs);
  const signed = await deps.storage.signUpload(uploadKey(id), { contentType: declaredType, size: input.size, expiresAt, origin });
  return { id, expiresAt, ...signed };
}

export const uploadRefused = (reason: string) => new AppError('BAD_USER_INPUT', reason);
