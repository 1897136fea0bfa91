// Where the bytes of uploads live. One interface, one file per backend (local disk, S3), both
// passing one contract suite. Bytes never pass through GraphQL: clients PUT them to `upload.url`
// and GET them from a download link, both signed and short-lived.
import type { Readable } from 'node:stream';

export type HttpHeader = { name: string; value: string };
export type SignedUpload = { url: string; headers: HttpHeader[] };

/** How a download is served: `attachment` for anything a browser could run or render dangerously. */
export type Disposition = 'inline' | 'attachment';

export type DownloadOptions = {
  fileName: string;
  contentType: string;
  disposition: Disposition;
  expiresAt: Date;
  /** Who the link is for: downloads are rate limited per user. */
  userId: string;
  /** This server as the client reaches it (local links point here). */
  origin: string;
};

export interface FileStorage {
  readonly kind: 'local' | 's3';
  /** A URL (and headers to send with it) that accepts the bytes of `key` with one PUT until expiresAt. */
  signUpload(key: string, options: { contentType: string; size: number; expiresAt: Date; origin: string }): Promise<SignedUpload>;
  /** A URL that serves `key` with a plain GET until expiresAt, honouring Range. */
  signDownload(key: string, options: DownloadOptions): Promise<string>;
  /** The stored size of `key` and its first `prefixBytes` bytes (for sniffing); undefined if absent. */
  inspect(key: string, prefixBytes: number): Promise<{ size: number; head: Buffer } | undefined>;
  /** Writes `key` from a stream (tests, and the local backend's own PUT route). */
  write?(key: string, body: Readable): Promise<void>;
  /**
   * Moves checked bytes from `from` to `to`, where they are served from: an upload link still valid
   * (S3 presigned URLs can be used again until they expire) then cannot change what was checked.
   */
  promote(from: string, to: string): Promise<void>;
  /** Removes `key`; absent is fine. */
  delete(key: string): Promise<void>;
}

/** Where an upload's bytes land (PUT), before they are checked. */
export const uploadKey = (uploadId: string) => `uploads/${uploadId}`;
/** Where they are served from, once checked. */
export const fileKey = (uploadId: string) => `files/${uploadId}`;

/** Content-Disposition with the original name, safe for any name (RFC 6266 / 5987). */
export function contentDisposition(disposition: Disposition, fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\\\]/g, '_');
  return `${disposition}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}
