import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory of the nearest package.json above this module. It is the same answer whether the
 * code runs from src/ (tsx, vitest) or compiled from dist/src/, which is how files tsc does not
 * copy (prisma/migrations, scripts/*.mjs) are found in both cases.
 */
export function packageRoot(fromUrl: string = import.meta.url): string {
  const start = path.dirname(fileURLToPath(fromUrl));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json in ${start} or any directory above it`);
  }
}
