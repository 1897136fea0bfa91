// Any S3-compatible store: uploads and downloads are presigned URLs of the store, so the bytes never
// pass through this server, and every instance sees the same files.
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Readable } from 'node:stream';
import { contentDisposition, type FileStorage } from './file-storage.js';

// The SDK warns, once per process, that Node 20 leaves its support window; this project runs on
// Node 20 on purpose (README), and the warning would only add noise to every log.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export type S3Options = { bucket: string; endpoint?: string; region: string; forcePathStyle: boolean };

export function createS3Storage(options: S3Options, client = new S3Client(clientConfig(options))): FileStorage & { client: S3Client } {
  const { bucket } = options;
  const seconds = (expiresAt: Date) => Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000));

  return {
    kind: 's3',
    client,
    async signUpload(key, { contentType, size, expiresAt }) {
      // Type and length are signed: the store refuses a PUT that differs (real S3 does; see STACK.md for s3rver).
      const url = await getSignedUrl(
        client,
        new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType, ContentLength: size }),
        {
          expiresIn: seconds(expiresAt),
          signableHeaders: new Set(['content-type', 'content-length']),
        },
      );
      return { url, headers: [{ name: 'Content-Type', value: contentType }] };
    },
    async signDownload(key, { fileName, contentType, disposition, expiresAt }) {
      return getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ResponseContentType: contentType,
          ResponseContentDisposition: contentDisposition(disposition, fileName),
          ResponseCacheControl: 'private, max-age=300',
        }),
        { expiresIn: seconds(expiresAt) },
      );
    },
    async inspect(key, prefixBytes) {
      let size: number;
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        size = Number(head.ContentLength ?? 0);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
      if (size === 0) return { size, head: Buffer.alloc(0) };
      const object = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${Math.min(prefixBytes, size) - 1}` }),
      );
      const bytes = await object.Body!.transformToByteArray();
      return { size, head: Buffer.from(bytes).subarray(0, prefixBytes) };
    },
    async write(key, body: Readable) {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.concat(chunks) }));
    },
    async promote(from, to) {
      await client.send(
        new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: `${bucket}/${encodeURIComponent(from).replaceAll('%2F', '/')}` }),
      );
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: from }));
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

function clientConfig({ endpoint, region, forcePathStyle }: S3Options) {
  // Credentials come from the standard AWS variables and files (the SDK's default chain).
  return { region, forcePathStyle, ...(endpoint ? { endpoint } : {}) };
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}
