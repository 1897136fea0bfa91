// Prints the closing tally CI reads: `N passed, N failed[, N skipped]`.
//
// A broken test file (import, syntax or collect error, a failing beforeAll/afterAll) counts as one
// failure when none of its tests failed; every unhandled error counts as one; an interrupted run
// counts one. Under scripts/run-tests.mjs (VITEST_TALLY_FILE set) the counts go to that file and the
// runner prints the line itself after vitest has exited, so nothing vitest or teardown prints later
// can come after it and a run that died before this reporter ran still ends with a tally.
import { writeFileSync } from 'node:fs';
import type { Reporter, TestModule } from 'vitest/node';

type OnTestRunEnd = NonNullable<Reporter['onTestRunEnd']>;

export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

export function formatTally({ passed, failed, skipped }: Tally): string {
  return `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
}

export function countTally(
  testModules: ReadonlyArray<TestModule>,
  unhandledErrors: ReadonlyArray<unknown>,
  reason: Parameters<OnTestRunEnd>[2],
): Tally {
  const tally: Tally = { passed: 0, failed: 0, skipped: 0 };
  for (const testModule of testModules) {
    let failedTests = 0;
    for (const test of testModule.children.allTests()) {
      const state = test.result().state;
      if (state === 'passed') tally.passed += 1;
      else if (state === 'failed') failedTests += 1;
      else if (state === 'skipped') tally.skipped += 1;
    }
    tally.failed += failedTests;
    // ok() is false after a collect error or a failing suite hook even when no test failed.
    if (failedTests === 0 && (!testModule.ok() || testModule.errors().length > 0)) tally.failed += 1;
  }
  tally.failed += unhandledErrors.length;
  if (reason === 'interrupted' && tally.failed === 0) tally.failed = 1;
  return tally;
}

export default class TallyReporter implements Reporter {
  onTestRunEnd(...[testModules, unhandledErrors, reason]: Parameters<OnTestRunEnd>): void {
    const tally = countTally(testModules, unhandledErrors, reason);
    const file = process.env.VITEST_TALLY_FILE;
    if (file) {
      writeFileSync(file, JSON.stringify({ ...tally, reason }));
    } else {
      process.stdout.write(`${formatTally(tally)}\n`);
    }
  }
}
