// `npm test`: runs `vitest run` (extra arguments pass through: `npm test -- test/unit`,
// `npm test -- -t "sends a message"`) and guarantees the contract CI relies on:
//   - the LAST line printed is the tally `N passed, N failed[, N skipped]`;
//   - the exit code is non-zero whenever anything failed, including a crash in global setup or
//     vitest dying before its reporters ran (then the tally is `0 passed, 1 failed`).
// test/reporter/tally-reporter.ts writes the counts to VITEST_TALLY_FILE; this script prints them
// only after vitest has exited and its output pipes have closed, so nothing can follow the tally.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const vitestPkgPath = require.resolve('vitest/package.json');
const vitestCli = path.join(path.dirname(vitestPkgPath), JSON.parse(readFileSync(vitestPkgPath, 'utf8')).bin.vitest);
const tallyReporter = path.join(root, 'test/reporter/tally-reporter.ts');

// How long to wait for the output pipes to close after vitest exits: a leaked grandchild holding
// them open must not hang CI.
const PIPE_CLOSE_GRACE_MS = 3_000;

const userArgs = process.argv.slice(2);
const args = [vitestCli, 'run', ...userArgs];
// `--reporter` on the command line replaces the configured reporters; keep the tally one.
if (userArgs.some((a) => a === '--reporter' || a.startsWith('--reporter='))) args.push(`--reporter=${tallyReporter}`);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'vitest-tally-'));
const tallyFile = path.join(tmp, 'tally.json');
const env = { ...process.env, VITEST_TALLY_FILE: tallyFile };
// Output goes through pipes, so vitest would drop colours; keep them for a terminal.
if (process.stdout.isTTY && env.FORCE_COLOR === undefined && env.NO_COLOR === undefined) env.FORCE_COLOR = '1';

const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
child.stdout.pipe(process.stdout, { end: false });
child.stderr.pipe(process.stderr, { end: false });

let interruptedBy;
const forward = (signal) => {
  interruptedBy = signal;
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
process.on('SIGINT', forward);
process.on('SIGTERM', forward);

const { code, signal, spawnError } = await new Promise((resolve) => {
  let exit;
  let timer;
  const finish = () => {
    clearTimeout(timer);
    resolve(exit);
  };
  child.once('error', (error) => {
    exit = { code: null, signal: null, spawnError: error };
    finish();
  });
  child.once('exit', (exitCode, exitSignal) => {
    exit = { code: exitCode, signal: exitSignal };
    timer = setTimeout(() => {
      child.stdout.destroy();
      child.stderr.destroy();
      finish();
    }, PIPE_CLOSE_GRACE_MS);
  });
  child.once('close', () => {
    if (exit) finish();
  });
});
process.off('SIGINT', forward);
process.off('SIGTERM', forward);

const notes = [];
let tally;
try {
  const parsed = JSON.parse(readFileSync(tallyFile, 'utf8'));
  tally = { passed: toCount(parsed.passed), failed: toCount(parsed.failed), skipped: toCount(parsed.skipped) };
} catch {
  tally = { passed: 0, failed: 1, skipped: 0 };
  notes.push(
    spawnError
      ? `run-tests: could not start vitest: ${spawnError.message}`
      : `run-tests: vitest ended (${describeExit(code, signal)}) before reporting any result; the error is above.`,
  );
}
rmSync(tmp, { recursive: true, force: true });

const vitestFailed = code !== 0;
if (vitestFailed && tally.failed === 0) {
  // e.g. an error in global teardown, "no test files found", or an interruption after the report.
  tally.failed = 1;
  notes.push(
    `run-tests: vitest ${describeExit(code, signal)} but reported no failed test (an error in global setup or teardown? no test files?); counting 1 failure, see above.`,
  );
}
if (interruptedBy) notes.push(`run-tests: interrupted by ${interruptedBy}.`);

for (const note of notes) process.stdout.write(`${note}\n`);
process.stdout.write(`${tally.passed} passed, ${tally.failed} failed${tally.skipped > 0 ? `, ${tally.skipped} skipped` : ''}\n`);
process.exitCode = tally.failed > 0 ? (typeof code === 'number' && code !== 0 ? code : 1) : 0;

function toCount(value) {
  if (!Number.isInteger(value) || value < 0) throw new Error('bad tally');
  return value;
}

function describeExit(exitCode, exitSignal) {
  return exitSignal ? `was killed by ${exitSignal}` : `exited with code ${exitCode}`;
}
