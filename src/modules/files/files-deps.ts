import type { Pool } from 'pg';
import type { Config } from '../../config.js';
import type { FileStorage } from './file-storage.js';

export type FilesDeps = { pool: Pool; storage: FileStorage; config: Config['files'] };

/** What a message carries of each attachment (live events included): enough to resolve Attachment. */
export type AttachmentInfo = {
  id: string;
  fileName: string;
  contentType: string;
  size: number;
  width: number | null;
  height: number | null;
};
