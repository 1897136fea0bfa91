// A message's files: images the server shows inline as thumbnails (a link to the full image),
// everything else as a download link with its name and size.
//
// Links are signed and expire (DOWNLOAD_URL_TTL, 15 min by default); the server signs fresh ones
// whenever the message is read again. So a link about to expire is replaced before it is used: on
// hover or focus (before the click lands), and when an image fails to load (an old history page).
import type { Client } from '@urql/core';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatAttachmentFieldsFragment } from '../../gql/graphql';
import { DocumentIcon } from './file-icons';
import { MessageAttachmentsQuery } from './file-operations';
import { formatSize } from './file-size';
import { linkExpiresAt } from './link-expiry';
import './files.css';

/** The kinds the server serves inline and every browser can show in an <img>. */
const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);
/** Renew a link this long before it expires: time for the click and the first bytes. */
const RENEW_MARGIN_MS = 30_000;
/** Largest thumbnail side, in CSS pixels (the image keeps its proportions). */
const THUMBNAIL_PX = 240;

type Attachment = ChatAttachmentFieldsFragment;

export function MessageAttachments({
  client,
  message,
}: {
  client: Client;
  message: { id: string; conversationId: string; seq: number; attachments: readonly Attachment[] };
}) {
  const attachments = useFreshAttachments(client, message);
  if (attachments.list.length === 0) return null;
  return (
    <ul class="attachments" aria-label="Attachments">
      {attachments.list.map((attachment) => (
        <li key={attachment.id} class="attachments__item">
          {INLINE_IMAGES.has(attachment.contentType) ? (
            <ImageThumbnail attachment={attachment} onStale={attachments.renewIfStale} onBroken={attachments.renewAfterError} />
          ) : (
            <a
              class="attachments__file"
              href={attachment.url}
              download={attachment.fileName}
              target="_blank"
              rel="noopener noreferrer"
              onPointerEnter={attachments.renewIfStale}
              onFocus={attachments.renewIfStale}
            >
              <DocumentIcon />
              <span class="attachments__name">{attachment.fileName}</span>
              <span class="attachments__size">{formatSize(attachment.size)}</span>
            </a>
          )}
        </li>
      ))}
    </ul>
  );
}

function ImageThumbnail({ attachment, onStale, onBroken }: { attachment: Attachment; onStale: () => void; onBroken: () => void }) {
  const { width, height } = attachment;
  // Known dimensions reserve the space before the bytes arrive, so the message list doesn't jump.
  const scale = width && height ? Math.min(1, THUMBNAIL_PX / Math.max(width, height)) : 1;
  return (
    <a
      class="attachments__image"
      href={attachment.url}
      target="_blank"
      rel="noopener noreferrer"
      aria-label={`Open ${attachment.fileName} (${formatSize(attachment.size)}) full size`}
      onPointerEnter={onStale}
      onFocus={onStale}
    >
      <img
        src={attachment.url}
        alt={attachment.fileName}
        loading="lazy"
        width={width ? Math.round(width * scale) : undefined}
        height={height ? Math.round(height * scale) : undefined}
        onError={onBroken}
      />
    </a>
  );
}

/**
 * The message's attachments with links that still work. Fresh ones come from reading the message
 * again (messages(afterSeq: seq - 1, first: 1)): one small query, only when a link is about to be
 * used or has failed, never on a timer for every message on screen.
 */
function useFreshAttachments(
  client: Client,
  message: { id: string; conversationId: string; seq: number; attachments: readonly Attachment[] },
) {
  const [renewed, setRenewed] = useState<{ list: readonly Attachment[]; receivedAt: number } | null>(null);
  const receivedAt = useRef(Date.now());
  const inFlight = useRef(false);
  // After an image error, renew once: a second failure is not the link's age, and retrying would loop.
  const renewedAfterError = useRef(false);

  // A new message object (a live event replacing an optimistic one, a refetched page) brings its own links.
  useEffect(() => {
    receivedAt.current = Date.now();
    setRenewed(null);
    renewedAfterError.current = false;
  }, [message.attachments]);

  const list = renewed?.list ?? message.attachments;
  const since = renewed?.receivedAt ?? receivedAt.current;

  const renew = async () => {
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      const result = await client
        .query(
          MessageAttachmentsQuery,
          { conversationId: message.conversationId, afterSeq: message.seq - 1 },
          { requestPolicy: 'network-only' },
        )
        .toPromise();
      const node = result.data?.messages.edges[0]?.node;
      if (node && node.id === message.id) setRenewed({ list: node.attachments, receivedAt: Date.now() });
    } finally {
      inFlight.current = false;
    }
  };

  const renewIfStale = () => {
    const soonest = Math.min(...list.map((attachment) => linkExpiresAt(attachment.url, since)));
    if (soonest - Date.now() < RENEW_MARGIN_MS) void renew();
  };

  const renewAfterError = () => {
    if (renewedAfterError.current) return;
    renewedAfterError.current = true;
    void renew();
  };

  return { list, renewIfStale, renewAfterError };
}
