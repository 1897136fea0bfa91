import type { Logger } from './logger.js';

export type Periodic = {
  /** Runs the job now (waiting for a run under way first); resolves with its result. */
  runNow(): Promise<void>;
  /** No further runs; resolves once a run under way has ended. */
  stop(): Promise<void>;
};

/**
 * Runs `job` every `everyMs` (first after `firstAfterMs`), one run at a time. A failing run is
 * logged and tried again at the next tick; the timer never holds the process open.
 */
export function startPeriodic({
  name,
  everyMs,
  firstAfterMs = everyMs,
  job,
  logger,
}: {
  name: string;
  everyMs: number;
  firstAfterMs?: number;
  job: () => Promise<void>;
  logger: Logger;
}): Periodic {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let failing = false;
  let timer: NodeJS.Timeout | undefined;

  const run = () => {
    running = running.then(job).then(
      () => {
        if (failing) logger.info({ job: name }, `${name} works again`);
        failing = false;
      },
      (error) => {
        // Once per outage, not once per tick.
        if (!failing) logger.warn({ err: error, job: name }, `${name} failed; it runs again every ${everyMs} ms until it works`);
        failing = true;
      },
    );
    return running;
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => void run().finally(() => schedule(everyMs)), ms);
    timer.unref();
  };
  schedule(firstAfterMs);

  return {
    runNow: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
