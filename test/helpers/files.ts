// Files as an app sends them: createUpload, then a PUT of the bytes to the answered URL.
import { deflateSync } from 'node:zlib';
import { gqlOk, type TestUser } from './graphql.js';

export const CREATE_UPLOAD = /* GraphQL */ `
  mutation CreateUpload($input: CreateUploadInput!) {
    createUpload(input: $input) {
      id
      uploadUrl
      uploadHeaders {
        name
        value
      }
      expiresAt
    }
  }
`;

export const ATTACHMENT_FIELDS = /* GraphQL */ `
  fragment AttachmentFields on Attachment {
    id
    fileName
    contentType
    size
    width
    height
    url
  }
`;

export type Upload = { id: string; uploadUrl: string; uploadHeaders: { name: string; value: string }[]; expiresAt: string };

export async function createUpload(
  url: string,
  user: TestUser,
  input: { conversationId: string; fileName: string; contentType: string; size: number },
) {
  return (await gqlOk(url, CREATE_UPLOAD, { input }, user.accessToken)).createUpload as Upload;
}

export const putBytes = (upload: Upload, bytes: Buffer) =>
  fetch(upload.uploadUrl, {
    method: 'PUT',
    body: new Uint8Array(bytes),
    headers: Object.fromEntries(upload.uploadHeaders.map((h) => [h.name, h.value])),
  });

/** createUpload + PUT; the PUT's status (200 when the bytes were taken). */
export async function uploadFile(
  url: string,
  user: TestUser,
  conversationId: string,
  file: { fileName: string; contentType: string; bytes: Buffer },
) {
  const upload = await createUpload(url, user, {
    conversationId,
    fileName: file.fileName,
    contentType: file.contentType,
    size: file.bytes.length,
  });
  const response = await putBytes(upload, file.bytes);
  return { id: upload.id, status: response.status, body: await response.text() };
}

/** A real PNG of width × height pixels (random colours), so sniffing and dimensions are tested for real. */
export function png(width: number, height: number): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let i = 0; i < raw.length; i++) raw[i] = i % (width * 3 + 1) === 0 ? 0 : (i * 7919) % 256;
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A small valid PDF. */
export function pdf(text = 'Hello'): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n` +
      `3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]/Contents 4 0 R>>endobj\n` +
      `4 0 obj<</Length ${text.length + 20}>>stream\nBT /F1 12 Tf (${text}) Tj ET\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
  );
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
