import { builder } from '../../graphql/builder.js';
import { fileKey, type HttpHeader } from './file-storage.js';
import { createUpload, type CreatedUpload } from './create-upload.js';
import type { AttachmentInfo } from './files-deps.js';
import { dispositionFor } from './sniff.js';

const HttpHeaderRef = builder.objectRef<HttpHeader>('HttpHeader').implement({
  fields: (t) => ({ name: t.exposeString('name'), value: t.exposeString('value') }),
});

const UploadRef = builder.objectRef<CreatedUpload>('Upload').implement({
  description: 'Where to send the bytes: PUT them to uploadUrl with uploadHeaders, then attach the upload with sendMessage.',
  fields: (t) => ({
    id: t.exposeID('id'),
    uploadUrl: t.exposeString('url'),
    uploadHeaders: t.field({ type: [HttpHeaderRef], resolve: (upload) => upload.headers }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime', description: 'The uploadUrl works until then.' }),
  }),
});

/** An attachment as a live event carries it, or as history loads it (an Upload row). */
type AttachmentParent =
  | AttachmentInfo
  | { id: string; fileName: string; contentType: string | null; size: number | null; width: number | null; height: number | null };

export const AttachmentRef = builder.objectRef<AttachmentParent>('Attachment').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    fileName: t.exposeString('fileName'),
    contentType: t.string({
      description: 'Read from the bytes, not taken from the uploader.',
      resolve: (a) => a.contentType ?? 'application/octet-stream',
    }),
    size: t.int({ description: 'Bytes.', resolve: (a) => a.size ?? 0 }),
    width: t.int({ nullable: true, description: 'Images: pixels.', resolve: (a) => a.width }),
    height: t.int({ nullable: true, resolve: (a) => a.height }),
    url: t.string({
      description:
        'A signed link for a plain GET (an <img src>, a download link), valid for DOWNLOAD_URL_TTL; it keeps the file name, and serves anything a browser could run as a download.',
      resolve: (attachment, _args, context) => {
        const contentType = attachment.contentType ?? 'application/octet-stream';
        return context.services.files.storage.signDownload(fileKey(attachment.id), {
          fileName: attachment.fileName,
          contentType,
          disposition: dispositionFor(contentType),
          expiresAt: new Date(Date.now() + context.services.files.config.downloadUrlTtlMs),
          userId: context.viewer?.id ?? 'anonymous',
          origin: context.origin,
        });
      },
    }),
  }),
});

builder.prismaObjectFields('Message', (t) => ({
  attachments: t.field({
    type: [AttachmentRef],
    description: 'Files sent with the message (up to 10).',
    // History loads them with the message (and live events carry them): never a query per message.
    resolve: (message) => {
      const attachments = (message as { attachments?: AttachmentParent[] }).attachments;
      if (!attachments) throw new Error(`message ${message.id} was loaded without its attachments`);
      return attachments;
    },
  }),
}));

const CreateUploadInput = builder.inputType('CreateUploadInput', {
  fields: (t) => ({
    conversationId: t.id({ required: true }),
    fileName: t.string({ required: true, description: 'The name the file keeps for downloads.' }),
    contentType: t.string({ required: true, description: 'Its media type, e.g. image/png: checked against the bytes.' }),
    size: t.int({ required: true, description: 'Exact bytes; at most MAX_UPLOAD_BYTES (25 MiB by default).' }),
  }),
});

builder.mutationField('createUpload', (t) =>
  t.field({
    type: UploadRef,
    description:
      'Step one of sending a file (members only): answers where to PUT its bytes. Then attach it with sendMessage(attachmentIds).',
    authScopes: { authenticated: true },
    args: { input: t.arg({ type: CreateUploadInput, required: true }) },
    resolve: async (_root, { input }, context) => {
      const { services, viewer } = context;
      await services.limits.upload.take(viewer!.id, 'uploads');
      await services.send.access.conversationFor(viewer!.id, { conversationId: input.conversationId });
      return createUpload(services.files, viewer!.id, context.origin, input);
    },
  }),
);
