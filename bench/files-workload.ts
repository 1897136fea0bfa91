// Files at size: N concurrent uploads of the largest allowed file (createUpload, then a streamed PUT),
// with the server's RSS sampled throughout; then the same files downloaded concurrently.
import { randomBytes } from 'node:crypto';
import { delay, mapLimit } from './async-utils.js';
import type { Target } from './target.js';

export type FilesFigures = {
  files: number;
  fileBytes: number;
  uploadMiBPerSecond: number;
  downloadMiBPerSecond: number;
  rssBeforeMiB: number;
  rssPeakMiB: number;
  serverCpuSecondsUpload: number;
  storage: string;
};

const CREATE_GROUP = `mutation ($input: CreateConversationInput!) { createConversation(input: $input) { id } }`;
const CREATE_UPLOAD = `mutation ($input: CreateUploadInput!) { createUpload(input: $input) { id uploadUrl uploadHeaders { name value } } }`;
const SEND = `mutation ($input: SendMessageInput!) { sendMessage(input: $input) { attachments { url size } } }`;

export async function measureFiles(
  target: Target,
  { files, fileBytes }: { files: number; fileBytes: number },
  progress: (line: string) => void,
): Promise<FilesFigures> {
  const call = target.graphql!;
  const [sender, receiver] = await target.createUsers(2);
  const group = (
    await call<{ createConversation: { id: string } }>(
      CREATE_GROUP,
      { input: { title: 'files', memberIds: [receiver!.id] } },
      sender!.token,
    )
  ).createConversation.id;
  // One buffer for every upload: the client's memory is not what is measured. Random bytes: no
  // signature, so they are taken as the declared application/octet-stream.
  const bytes = randomBytes(fileBytes);
  const uploads = await mapLimit(
    Array.from({ length: files }, (_, i) => i),
    10,
    async (i) =>
      (
        await call<{ createUpload: { id: string; uploadUrl: string; uploadHeaders: { name: string; value: string }[] } }>(
          CREATE_UPLOAD,
          { input: { conversationId: group, fileName: `big-${i}.bin`, contentType: 'application/octet-stream', size: fileBytes } },
          sender!.token,
        )
      ).createUpload,
  );

  const rssBefore = target.rssNow();
  let rssPeak = rssBefore;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      rssPeak = Math.max(rssPeak, target.rssNow());
      await delay(50);
    }
  })();
  progress(`files: ${files} concurrent uploads of ${(fileBytes / 2 ** 20).toFixed(0)} MiB…`);
  const cpuAtStart = target.cpuSeconds();
  const uploadStarted = performance.now();
  await Promise.all(
    uploads.map(async (upload) => {
      const response = await fetch(upload.uploadUrl, {
        method: 'PUT',
        body: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
        headers: Object.fromEntries(upload.uploadHeaders.map((h) => [h.name, h.value])),
      });
      if (!response.ok) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
    }),
  );
  const uploadSeconds = (performance.now() - uploadStarted) / 1000;
  const serverCpuSecondsUpload = target.cpuSeconds() - cpuAtStart;
  sampling = false;
  await sampler;

  const urls: string[] = [];
  for (let i = 0; i < uploads.length; i += 10) {
    const sent = await call<{ sendMessage: { attachments: { url: string }[] } }>(
      SEND,
      { input: { conversationId: group, content: '', attachmentIds: uploads.slice(i, i + 10).map((u) => u.id) } },
      sender!.token,
    );
    urls.push(...sent.sendMessage.attachments.map((a) => a.url));
  }
  progress(`files: ${files} concurrent downloads…`);
  const downloadStarted = performance.now();
  await Promise.all(
    urls.map(async (url) => {
      const response = await fetch(url);
      const got = (await response.arrayBuffer()).byteLength;
      if (got !== fileBytes) throw new Error(`download gave ${got} bytes, not ${fileBytes}`);
    }),
  );
  const downloadSeconds = (performance.now() - downloadStarted) / 1000;
  const total = (files * fileBytes) / 2 ** 20;
  return {
    files,
    fileBytes,
    uploadMiBPerSecond: total / uploadSeconds,
    downloadMiBPerSecond: total / downloadSeconds,
    rssBeforeMiB: rssBefore / 2 ** 20,
    rssPeakMiB: rssPeak / 2 ** 20,
    serverCpuSecondsUpload,
    storage: urls[0]?.includes('X-Amz-') ? 'S3 (presigned: bytes bypass the server)' : 'local disk (through the server)',
  };
}

export function filesTable(f: FilesFigures): string {
  const mib = (f.files * f.fileBytes) / 2 ** 20;
  return [
    `\n== files: ${f.files} concurrent uploads of ${(f.fileBytes / 2 ** 20).toFixed(0)} MiB, then ${f.files} concurrent downloads; ${f.storage} ==`,
    `upload throughput        ${f.uploadMiBPerSecond.toFixed(1)} MiB/s (${mib.toFixed(0)} MiB in all)`,
    `download throughput      ${f.downloadMiBPerSecond.toFixed(1)} MiB/s`,
    `server RSS before        ${f.rssBeforeMiB.toFixed(1)} MiB`,
    `server RSS peak (upload) ${f.rssPeakMiB.toFixed(1)} MiB (+${(f.rssPeakMiB - f.rssBeforeMiB).toFixed(1)} MiB; sampled every 50 ms)`,
    `server CPU per MiB up    ${((f.serverCpuSecondsUpload * 1e3) / mib).toFixed(2)} ms`,
  ].join('\n');
}
