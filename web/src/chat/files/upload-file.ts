// One file, both steps: createUpload (members only; the server checks size and name), then a PUT
// of the exact bytes to the signed uploadUrl with uploadHeaders. The server then reads the type
// from the bytes and refuses a file whose bytes contradict what was declared. XMLHttpRequest rather
// than fetch: only it reports upload progress. Failures become an UploadError worded for people.
import type { Client } from '@urql/core';
import { errorText } from '../groups/error-text';
import { CreateUploadMutation } from './file-operations';
import { formatSize } from './file-size';

export class UploadError extends Error {}

/** Browsers leave `type` empty for extensions they don't know; the server needs a media type. */
export const declaredType = (file: File) => file.type || 'application/octet-stream';

export async function uploadFile(
  client: Client,
  conversationId: string,
  file: File,
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
): Promise<string> {
  const result = await client
    .mutation(CreateUploadMutation, { input: { conversationId, fileName: file.name, contentType: declaredType(file), size: file.size } })
    .toPromise();
  if (!result.data) throw new UploadError(refusalText(file, result.error));
  const upload = result.data.createUpload;
  await put(upload.uploadUrl, upload.uploadHeaders, file, onProgress, signal);
  return upload.id;
}

/** createUpload's refusals, with the limits said in units people use. */
function refusalText(file: File, error: Parameters<typeof errorText>[0]): string {
  const first = error && 'graphQLErrors' in error ? error.graphQLErrors[0] : undefined;
  const extensions = (first?.extensions ?? {}) as { code?: string; field?: string };
  if (extensions.code === 'BAD_USER_INPUT' && extensions.field === 'size') {
    const max = /at most (\d+) bytes/.exec(first!.message);
    if (file.size === 0) return `“${file.name}” is empty: there is nothing to send.`;
    if (max) return `“${file.name}” is ${formatSize(file.size)}; files can be at most ${formatSize(Number(max[1]))}.`;
  }
  const text = errorText(error, { forbidden: 'You can only send files to conversations you are a member of.' });
  return `“${file.name}” could not be sent: ${text}`;
}

function put(
  url: string,
  headers: readonly { name: string; value: string }[],
  file: File,
  onProgress: (fraction: number) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    for (const header of headers) xhr.setRequestHeader(header.name, header.value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      reject(new UploadError(`“${file.name}” was refused: ${putErrorText(xhr)}`));
    };
    xhr.onerror = () => reject(new UploadError(`“${file.name}” did not upload: the connection failed. Try again.`));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** This server answers `{ error }` in words (e.g. 415: "The bytes are image/png, not ..."); a store answers XML. */
function putErrorText(xhr: XMLHttpRequest): string {
  try {
    const body = JSON.parse(xhr.responseText) as { error?: string };
    if (body.error) return body.error;
  } catch {
    // Not JSON: described by its status below.
  }
  if (xhr.status === 413) return 'the file is too large.';
  if (xhr.status === 403) return 'the upload link has expired; attach the file again.';
  return `the storage answered ${xhr.status}.`;
}
