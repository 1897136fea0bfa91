// A server under test as a child process of its own, so its RSS is its own: built JavaScript run
// with node as `npm start` runs it, ready when a line of its stdout says so, stopped with SIGTERM. For RSS
// readings that mean something: gc-hook.mjs collects garbage on demand, and --no-memory-reducer stops
// V8 from shrinking an idle heap on its own timer (~8 s after activity), which would otherwise land
// between two readings. Neither changes how the server runs under load.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { delay, withTimeout } from './async-utils.js';

export type ChildServer = {
  pid: number;
  /** The parsed line that said "ready". */
  ready: Record<string, unknown>;
  /** Memory after a full GC in the server (see gc-hook.mjs). */
  memory(): Promise<ServerMemory>;
  /** Lines logged at error level or above (pino level >= 50) before stop() was called, first few kept. */
  errors(): { count: number; first: string[] };
  /** CPU time the process has used so far (user + system), from /proc/<pid>/stat. */
  cpuSeconds(): number;
  /** True once the process has exited (expectedly or not). */
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with the exit code (null if killed). */
  stop(timeoutMs?: number): Promise<number | null>;
};

export type ServerMemory = {
  /** VmRSS from /proc/<pid>/status. */
  rssBytes: number;
  /** The part of it V8's young generation holds: scratch space V8 resizes on its own schedule. */
  youngGenerationBytes: number;
  /** What JavaScript holds after the collection: V8 heap used plus external memory (Buffers). */
  jsBytes: number;
  /** RSS outside the V8 heap and its external memory: code, allocator arenas, compiler zones, wasm. */
  nativeBytes: number;
};

export type SpawnOptions = {
  label: string;
  /**
   * A JavaScript module run as `node --expose-gc --no-memory-reducer --import gc-hook.mjs <entry>`
   * from `cwd`: built code, as `npm start` runs it (tsx compiles with keepNames, which gives every
   * closure made at run time a property of its own: more memory and CPU than what ships).
   */
  entry: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Recognises the ready line among stdout's JSON lines. */
  isReady(line: Record<string, unknown>): boolean;
  /** Called with every parsed stdout line (e.g. to pick facts out of the log). */
  onLine?(line: Record<string, unknown>): void;
  startTimeoutMs: number;
};

const KEEP_LINES = 30;
const RSS_ATTEMPTS = 6;
const RSS_STILL_BYTES = 128 * 1024;
const GC_HOOK = fileURLToPath(new URL('./gc-hook.mjs', import.meta.url));

export function spawnChildServer(options: SpawnOptions): Promise<ChildServer> {
  // BENCH_SERVER_NODE_ARGS: extra node flags for the servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const extra = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const args = ['--expose-gc', '--no-memory-reducer', ...extra, '--import', GC_HOOK, options.entry];
  const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let gcDone: ((report: Record<string, unknown>) => void) | undefined;
  // Shutdown has its own noise (embedded PostgreSQL logs FATAL for the connections it closes).
  let stopping = false;
  const recent: string[] = [];
  const errorLines: string[] = [];
  let errorCount = 0;
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > KEEP_LINES) recent.shift();
  };
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  killOnOurExit(child);

  return new Promise((resolve, reject) => {
    let started = false;
    const fail = (why: string) => {
      if (started) return;
      started = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${options.label} did not start: ${why}\n--- its last output ---\n${recent.join('\n')}`));
    };
    const timer = setTimeout(() => fail(`not ready within ${options.startTimeoutMs / 1000} s`), options.startTimeoutMs);
    child.once('error', (error) => fail(error.message));
    void exit.then((code) => fail(`exited with code ${code}`));

    createInterface({ input: child.stderr! }).on('line', remember);
    createInterface({ input: child.stdout! }).on('line', (text) => {
      remember(text);
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      if (line.benchGc === true) return gcDone?.(line);
      if (!stopping && typeof line.level === 'number' && line.level >= 50) {
        errorCount += 1;
        if (errorLines.length < 3) errorLines.push(String(line.msg ?? text).slice(0, 300));
      }
      options.onLine?.(line);
      if (started || !options.isReady(line)) return;
      started = true;
      clearTimeout(timer);
      resolve(handle(line));
    });
  });

  function handle(ready: Record<string, unknown>): ChildServer {
    return {
      pid: child.pid!,
      ready,
      async memory() {
        // Pages freed by a collection go back to the OS a moment later: collect until RSS holds still.
        let previous: ServerMemory | undefined;
        for (let attempt = 0; attempt < RSS_ATTEMPTS; attempt++) {
          if (attempt > 0) await delay(200);
          const collected = new Promise<Record<string, unknown>>((resolve) => (gcDone = resolve));
          child.kill('SIGUSR2');
          const report = await withTimeout(collected, 15_000, `${options.label}: no answer to SIGUSR2 (the GC hook) within 15 s`);
          const rssBytes = readRssBytes(child.pid!);
          const current: ServerMemory = {
            rssBytes,
            youngGenerationBytes: Number(report.youngBytes),
            jsBytes: Number(report.jsBytes),
            nativeBytes: rssBytes - Number(report.youngBytes) - Number(report.heapBytes) - Number(report.externalBytes),
          };
          if (previous && Math.abs(settledRss(current) - settledRss(previous)) <= RSS_STILL_BYTES) return current;
          previous = current;
        }
        return previous!;
      },
      errors: () => ({ count: errorCount, first: [...errorLines] }),
      cpuSeconds: () => readCpuSeconds(child.pid!),
      exited: () => child.exitCode !== null || child.signalCode !== null,
      async stop(timeoutMs = 20_000) {
        if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
        stopping = true;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        const code = await exit;
        clearTimeout(timer);
        return code;
      },
    };
  }
}

/** RSS without the young generation: what sockets and subscriptions add shows here. */
export const settledRss = (memory: ServerMemory) => memory.rssBytes - memory.youngGenerationBytes;

export function readRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Clock ticks per second of /proc/<pid>/stat times: USER_HZ, 100 on every Linux architecture Node runs on. */
const USER_HZ = 100;

export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

/** A server we started must not outlive us, whatever way we exit. */
function killOnOurExit(child: ChildProcess) {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.removeListener('exit', kill));
}
