// Runs `prisma generate` on install. Prisma's CLI otherwise tries to download a native schema engine,
// which offline machines cannot; generating the client does not need it, so point it at /bin/false
// (which also makes any accidental `prisma migrate` fail loudly instead of silently doing nothing).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const cli = require.resolve('prisma/build/index.js');
// The pothos generator is a bin of @pothos/plugin-prisma; npm adds node_modules/.bin to PATH only under `npm run`.
const bin = path.resolve('node_modules', '.bin');
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}` };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY && process.platform !== 'win32') env.PRISMA_SCHEMA_ENGINE_BINARY = '/bin/false';

const result = spawnSync(process.execPath, [cli, 'generate'], { stdio: 'inherit', env });
if (result.status !== 0) {
  console.error(
    'prisma generate failed: the Prisma client in src/generated is missing; fix the error above and run `npm run postinstall`.',
  );
  process.exit(result.status ?? 1);
}
