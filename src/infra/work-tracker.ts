/** Counts work under way (requests, operations) so a shutdown can wait for it to end. */
export function createWorkTracker() {
  let running = 0;
  const waiters: (() => void)[] = [];

  return {
    /** Marks one piece of work as started; call the result (once is enough) when it ends. */
    enter(): () => void {
      running += 1;
      let left = false;
      return () => {
        if (left) return;
        left = true;
        running -= 1;
        if (running === 0) for (const resolve of waiters.splice(0)) resolve();
      };
    },
    /** Resolves once nothing is under way. */
    idle(): Promise<void> {
      if (running === 0) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    get running() {
      return running;
    },
  };
}
export type WorkTracker = ReturnType<typeof createWorkTracker>;
