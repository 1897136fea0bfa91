// The files picked for the next message of one conversation. Each uploads as soon as it is picked,
// so that sending waits for nothing; each has its progress, or why it failed. The finished ones
// are reported by id for the composer to send (sendMessage's attachmentIds); after a send, the
// ones it carried are dropped and any still uploading stay for the next message.
import type { Client } from '@urql/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import { UploadError, uploadFile } from './upload-file';

/** The server's limit of attachments per message (sendMessage's attachmentIds). */
export const MAX_FILES_PER_MESSAGE = 10;

export type PendingFile = {
  key: string;
  file: File;
  status: 'uploading' | 'ready' | 'failed';
  /** 0..1 while uploading. */
  progress: number;
  error?: string;
  uploadId?: string;
};

export function useUploads(client: Client, conversationId: string, onReady: (uploadIds: string[]) => void) {
  const [files, setFiles] = useState<PendingFile[]>([]);
  const [notice, setNotice] = useState('');
  const aborts = useRef(new Map<string, AbortController>());
  const nextKey = useRef(0);
  const onReadyRef = useRef(onReady);
  onReadyRef.current = onReady;

  const readyIds = files.flatMap((item) => (item.status === 'ready' ? [item.uploadId!] : []));
  const readyKey = readyIds.join(',');
  useEffect(() => onReadyRef.current(readyKey ? readyKey.split(',') : []), [readyKey]);

  // Uploads belong to one conversation: leaving it stops the unsent ones.
  useEffect(() => {
    const running = aborts.current;
    return () => {
      running.forEach((controller) => controller.abort());
      running.clear();
      setFiles([]);
      setNotice('');
    };
  }, [conversationId]);

  const update = (key: string, change: Partial<PendingFile>) =>
    setFiles((list) => list.map((item) => (item.key === key ? { ...item, ...change } : item)));

  const start = (key: string, file: File) => {
    const controller = new AbortController();
    aborts.current.set(key, controller);
    update(key, { status: 'uploading', progress: 0, error: undefined });
    uploadFile(client, conversationId, file, (progress) => update(key, { progress }), controller.signal)
      .then((uploadId) => update(key, { status: 'ready', progress: 1, uploadId }))
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        const text = error instanceof UploadError ? error.message : `“${file.name}” did not upload: ${(error as Error).message}`;
        update(key, { status: 'failed', error: text });
      })
      .finally(() => aborts.current.delete(key));
  };

  const add = (picked: readonly File[]) => {
    const room = Math.max(0, MAX_FILES_PER_MESSAGE - files.length);
    const taken = picked.slice(0, room);
    setNotice(
      picked.length > taken.length
        ? `A message carries at most ${MAX_FILES_PER_MESSAGE} files: ${picked.length - taken.length} left out. Send these first.`
        : '',
    );
    const items = taken.map((file): PendingFile => ({ key: `f${nextKey.current++}`, file, status: 'uploading', progress: 0 }));
    setFiles((list) => [...list, ...items]);
    for (const item of items) start(item.key, item.file);
  };

  const remove = (key: string) => {
    aborts.current.get(key)?.abort();
    aborts.current.delete(key);
    setFiles((list) => list.filter((item) => item.key !== key));
    setNotice('');
  };

  const retry = (key: string) => {
    const item = files.find((candidate) => candidate.key === key);
    if (item) start(key, item.file);
  };

  /** After a send: the uploads it carried are attached now; the rest stay. */
  const dropSent = (sentIds: readonly string[]) => {
    const sent = new Set(sentIds);
    setFiles((list) => list.filter((item) => !(item.uploadId && sent.has(item.uploadId))));
    setNotice('');
  };

  return { files, notice, readyIds, add, remove, retry, dropSent };
}
