// The composer's "Attach files": a button opening the system file picker (a hidden <input>, so
// the button is what keyboards and screen readers meet), then a tray of the picked files, each
// with its upload progress or why it failed. The finished uploads go out with the composer's next
// message: onChange reports their ids, and a change of resetKey says that message was sent.
import type { Client } from '@urql/core';
import { useEffect, useId, useRef } from 'preact/hooks';
import { PaperclipIcon } from './file-icons';
import { formatSize } from './file-size';
import { useUploads, type PendingFile } from './use-uploads';
import './files.css';

export function AttachControl({
  client,
  conversationId,
  onChange,
  resetKey,
  disabled = false,
}: {
  client: Client;
  conversationId: string;
  /** The finished uploads, to send with the next message. */
  onChange: (uploadIds: string[]) => void;
  /** Changes after each send: the uploads reported until then were sent. */
  resetKey: number;
  disabled?: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  const trayId = useId();
  const uploads = useUploads(client, conversationId, onChange);
  const { files } = uploads;
  const uploading = files.filter((item) => item.status === 'uploading').length;
  const failed = files.filter((item) => item.status === 'failed').length;

  // The ids reported when the composer sent are the ones its message carried.
  const reported = useRef<string[]>([]);
  const firstReset = useRef(resetKey);
  // Only a new resetKey means a send (dropSent itself is a new function at every render).
  useEffect(() => {
    if (resetKey !== firstReset.current) uploads.dropSent(reported.current);
  }, [resetKey]);
  reported.current = uploads.readyIds;

  return (
    <div class="attach">
      <button
        type="button"
        class="attach__button"
        disabled={disabled}
        aria-controls={files.length ? trayId : undefined}
        onClick={() => input.current?.click()}
      >
        <PaperclipIcon />
        <span class="attach__label">Attach files</span>
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        aria-label="Files to attach"
        onChange={(event) => {
          const picked = [...(event.currentTarget.files ?? [])];
          // Cleared, so that picking the same file again (after removing it) fires change again.
          event.currentTarget.value = '';
          if (picked.length) uploads.add(picked);
        }}
      />
      {(files.length > 0 || uploads.notice) && (
        <section id={trayId} class="attach__tray" aria-label="Files to send">
          {files.length > 0 && (
            <ul class="attach__list">
              {files.map((item) => (
                <PendingFileRow
                  key={item.key}
                  item={item}
                  onRetry={() => uploads.retry(item.key)}
                  onRemove={() => uploads.remove(item.key)}
                />
              ))}
            </ul>
          )}
          <p class="attach__status" role="status">
            {statusText(files.length, uploading, failed)}
          </p>
          {uploads.notice && (
            <p class="attach__error" role="alert">
              {uploads.notice}
            </p>
          )}
        </section>
      )}
    </div>
  );
}

function statusText(total: number, uploading: number, failed: number): string {
  if (uploading) return `Uploading ${uploading} of ${total}…`;
  if (failed) return `${failed} could not be uploaded: retry or remove ${failed === 1 ? 'it' : 'them'}.`;
  if (total) return `${total === 1 ? 'Ready to send' : `${total} files ready to send`} with your next message.`;
  return '';
}

function PendingFileRow({ item, onRetry, onRemove }: { item: PendingFile; onRetry: () => void; onRemove: () => void }) {
  const name = item.file.name;
  return (
    <li class={`attach__item attach__item--${item.status}`}>
      <span class="attach__name">{name}</span>
      <span class="attach__size">{formatSize(item.file.size)}</span>
      {item.status === 'uploading' && (
        <progress max={1} value={item.progress} aria-label={`Uploading ${name}`}>
          {Math.round(item.progress * 100)}%
        </progress>
      )}
      {item.status === 'ready' && <span class="attach__state">Uploaded</span>}
      {item.status === 'failed' && (
        <>
          <span class="attach__error" role="alert">
            {item.error}
          </span>
          <button type="button" onClick={onRetry}>
            Retry {name}
          </button>
        </>
      )}
      <button type="button" aria-label={`Remove ${name}`} onClick={onRemove}>
        ×
      </button>
    </li>
  );
}
