import { fileTypeFromBuffer, supportedMimeTypes } from 'file-type';
import { imageSize } from 'image-size';
import type { Disposition } from './file-storage.js';

/** Bytes read from the start of a file to tell its type and, for an image, its size. */
export const SNIFF_BYTES = 64 * 1024;

const ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'audio/mp3': 'audio/mpeg',
  'image/x-png': 'image/png',
};
const KNOWN = new Set<string>(supportedMimeTypes);

export const normalizeType = (contentType: string) => {
  const bare = contentType.split(';')[0]!.trim().toLowerCase();
  return ALIASES[bare] ?? bare;
};

export type Checked = { ok: true; contentType: string; width: number | null; height: number | null } | { ok: false; reason: string };

/**
 * The type is read from the bytes, not taken from the client. A declared type the bytes contradict
 * is refused: a PNG declared as a PDF, and equally "text/plain" that turns out to be a PNG. Formats
 * with no signature (text, SVG, HTML...) keep their declared type; they are never served inline.
 */
export async function checkBytes(head: Buffer, declaredType: string): Promise<Checked> {
  const declared = normalizeType(declaredType);
  const sniffed = await fileTypeFromBuffer(head).catch(() => undefined);
  let contentType: string;
  if (sniffed) {
    if (normalizeType(sniffed.mime) !== declared) {
      return { ok: false, reason: `The bytes are ${sniffed.mime} (.${sniffed.ext}), not the ${declared} declared.` };
    }
    contentType = normalizeType(sniffed.mime);
  } else {
    if (KNOWN.has(declared)) return { ok: false, reason: `The bytes are not ${declared}, as declared.` };
    contentType = declared;
  }
  let width: number | null = null;
  let height: number | null = null;
  if (contentType.startsWith('image/')) {
    try {
      const size = imageSize(head);
      width = size.width ?? null;
      height = size.height ?? null;
    } catch {
      // Dimensions past the first bytes, or a format image-size does not read: left unknown.
    }
  }
  return { ok: true, contentType, width, height };
}

/** Shown in the browser: kinds that cannot run. Everything else (HTML, SVG, scripts...) downloads. */
const INLINE = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'application/pdf',
  'video/mp4',
  'video/webm',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'audio/webm',
  'text/plain',
]);

export const dispositionFor = (contentType: string): Disposition => (INLINE.has(contentType) ? 'inline' : 'attachment');
