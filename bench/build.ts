// The servers under test run as built JavaScript, as `npm start` runs the chat server: tsx's
// on-the-fly compile keeps function names (esbuild's keepNames), which gives every closure made at
// run time a property of its own, and the bench would measure that rather than what ships.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

/** Builds a checkout of the chat server as `npm run build` does; its entry, relative to `repoRoot`. */
export async function buildChatServer(repoRoot: string): Promise<string> {
  const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await run(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? '';
    throw new Error(`building the chat server in ${repoRoot} failed (npm run build there says why):\n${output.slice(0, 2000)}`);
  }
  return path.join('dist', 'src', 'main.js');
}

/**
 * The bare ws server, compiled to JavaScript under node_modules/.cache (so that `ws` resolves,
 * and nothing is written to the repository's own files); its entry's absolute path.
 */
export async function buildBareServer(): Promise<string> {
  const out = path.join(here, '..', 'node_modules', '.cache', 'chat-bench');
  await mkdir(out, { recursive: true });
  for (const name of ['bare-ws-server', 'bare-ws-main']) {
    const source = await readFile(path.join(here, `${name}.ts`), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: `${name}.ts`,
    });
    await writeFile(path.join(out, `${name}.mjs`), outputText.replaceAll("'./bare-ws-server.js'", "'./bare-ws-server.mjs'"));
  }
  return path.join(out, 'bare-ws-main.mjs');
}
