// Preloaded into a server under test (`node --expose-gc --import <this file>`): on
// SIGUSR2 it runs a full garbage collection and prints one line on stdout,
// {"benchGc":true,...sizes}, so that the RSS the bench reads next holds live memory, not garbage
// awaiting a collection. youngBytes is the young generation's resident size: V8 grows and shrinks
// it (0 to 32 MiB here) on its own schedule, so the bench leaves it out of per-socket figures.
// heapBytes is the rest of the V8 heap's resident size, externalBytes V8's external memory
// (Buffers), jsBytes what JavaScript holds (heap used + external).
// Nothing else of the server is touched. Plain JavaScript, so that a server built to JavaScript
// runs without a TypeScript loader.
import { getHeapSpaceStatistics } from 'node:v8';

/** @type {(() => void) | undefined} */
const collect = globalThis.gc;

process.on('SIGUSR2', () => {
  collect?.();
  collect?.(); // a second pass frees what the first one's finalizers released
  const spaces = getHeapSpaceStatistics();
  /** @param {boolean} young */
  const physical = (young) =>
    spaces
      .filter((s) => (s.space_name === 'new_space' || s.space_name === 'new_large_object_space') === young)
      .reduce((sum, s) => sum + s.physical_space_size, 0);
  const { heapUsed, external } = process.memoryUsage();
  const report = {
    benchGc: true,
    collected: collect !== undefined,
    youngBytes: physical(true),
    heapBytes: physical(false),
    externalBytes: external,
    jsBytes: heapUsed + external,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
});
