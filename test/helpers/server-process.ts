// The server as its own process (src/main.ts), for what needs a real process: SIGKILL, SIGTERM, exit codes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { testServerEnv } from './app.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type ServerProcess = {
  url: string;
  wsUrl: string;
  child: ChildProcess;
  /** Everything the process logged (pino JSON lines, parsed when possible). */
  logs: unknown[];
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

export async function startServerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'chat-proc-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      ...testServerEnv(dataDir),
      LOG_LEVEL: 'info', // the ready line (with the URL) is an info log
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: unknown[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      void rm(dataDir, { recursive: true, force: true });
      resolve({ code, signal });
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited during start (code ${code}, signal ${signal}); stderr: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { url?: string; msg?: string } | string = line;
      try {
        entry = JSON.parse(line) as { url?: string; msg?: string };
      } catch {
        // not JSON: keep the raw line
      }
      logs.push(entry);
      if (typeof entry === 'object' && entry.url && entry.msg?.startsWith('chat server ready')) {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
  });

  return {
    url,
    wsUrl: url.replace(/^http/, 'ws'),
    child,
    logs,
    exited,
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
