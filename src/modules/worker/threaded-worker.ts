import { Worker } from 'node:worker_threads';
import type { Logger } from '../../infra/logger.js';
import type { Metrics } from '../../infra/metrics.js';
import type { StreamConsumer } from './stream-consumer.js';
import { applyFigures } from './worker-metrics.js';
import type { FromWorkerThread, ToWorkerThread, WorkerThreadData } from './worker-thread.js';

const MAX_RESTART_DELAY_MS = 5000;

/**
 * Runs the message worker on its own thread (worker-thread.ts) and keeps it running: a thread that
 * dies (an uncaught error, its connections failing at start) is logged and started again, waiting
 * 100 ms and up to 5 s between tries. Entries it held stay pending and are claimed again, as after a
 * crash. `started` resolves once the first thread's connections are up.
 */
export function startThreadedMessageWorker({
  data,
  logger,
  metrics,
}: {
  data: WorkerThreadData;
  logger: Logger;
  metrics: Metrics;
}): StreamConsumer & { started: Promise<void> } {
  const log = logger.child({ component: 'message-worker-thread' });
  let stopping = false;
  let restartDelayMs = 100;
  let restartTimer: NodeJS.Timeout | undefined;
  let current: Worker | undefined;
  let exited: Promise<void> = Promise.resolve();
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));

  const spawn = () => {
    const thread = spawnThread(data);
    current = thread;
    exited = new Promise((resolve) => {
      thread.on('message', (message: FromWorkerThread) => {
        if (message.type === 'figures') applyFigures(metrics, message.figures);
        else if (message.type === 'started') {
          log.info({ threadId: thread.threadId }, 'message worker running on its own thread');
          restartDelayMs = 100;
          markStarted();
        }
      });
      thread.on('error', (error) => log.error({ err: error }, 'the message worker thread failed'));
      thread.on('exit', (code) => {
        current = undefined;
        resolve();
        if (stopping) return;
        log.error({ code, restartInMs: restartDelayMs }, 'the message worker thread ended unexpectedly; starting it again');
        restartTimer = setTimeout(spawn, restartDelayMs);
        restartDelayMs = Math.min(restartDelayMs * 2, MAX_RESTART_DELAY_MS);
      });
    });
  };
  spawn();

  return {
    started,
    async stop() {
      stopping = true;
      clearTimeout(restartTimer);
      current?.postMessage({ type: 'stop' } satisfies ToWorkerThread);
      await exited;
    },
  };
}

/**
 * Built JavaScript runs the built entry. Under tsx (tests, `npm run dev`) the entry is TypeScript,
 * which a worker thread can only load once tsx's loader is registered inside it.
 */
function spawnThread(data: WorkerThreadData): Worker {
  const source = import.meta.url.endsWith('.ts');
  const entry = new URL(source ? './worker-thread.ts' : './worker-thread.js', import.meta.url);
  if (!source) return new Worker(entry, { workerData: data });
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: data });
}
