// A real Chromium (Debian's package, driven by playwright-core: a browser download cannot work
// here) against a real server serving the built web client. Browser tests use `describeBrowser`:
// without Chromium they skip loudly, except in CI (CI=true) or with CHAT_REQUIRE_BROWSER=1, where
// they fail, so that CI can never pass without running them.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { startTestApp, type TestApp, type TestAppOptions } from './app.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const CHROMIUM_INSTALL_HINT =
  'install it with `sudo apt-get install -y chromium`, or set CHROMIUM_PATH to a Chromium or Chrome binary';

/** Where Chromium is: CHROMIUM_PATH, else the usual Debian and Ubuntu paths. */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  return candidates.find((candidate): candidate is string => !!candidate && existsSync(candidate));
}

const browserRequired = () => process.env.CI === 'true' || process.env.CHAT_REQUIRE_BROWSER === '1';

type Describe = typeof describe.skip;
let noticePrinted = false;

function resolveDescribe(): Describe {
  if (findChromium()) return describe;
  if (browserRequired()) {
    // Thrown while the file is collected: the whole file fails, it is never skipped.
    throw new Error(`Browser tests must run here (CI or CHAT_REQUIRE_BROWSER=1) but no Chromium was found: ${CHROMIUM_INSTALL_HINT}.`);
  }
  if (!noticePrinted) {
    noticePrinted = true;
    console.warn(`\n!!! SKIPPING BROWSER TESTS in this file: no Chromium found.\n!!! To run them: ${CHROMIUM_INSTALL_HINT}.\n`);
  }
  return describe.skip;
}

/** `describe` when Chromium is here; otherwise a loud skip, or a failure in CI. */
export const describeBrowser: Describe = new Proxy<Describe>(describe, {
  apply(_target, thisArg, args: unknown[]) {
    return Reflect.apply(resolveDescribe(), thisArg, args);
  },
  get(_target, property) {
    return Reflect.get(resolveDescribe(), property);
  },
});

/** Every file the web build reads, hashed: a build is reused until one of them changes. */
function webSourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'gql' && entry.name !== 'node_modules') walk(full);
      } else {
        hash.update(path.relative(repoRoot, full)).update(readFileSync(full));
      }
    }
  };
  walk(path.join(repoRoot, 'web'));
  for (const file of ['schema.graphql', 'codegen.ts', 'package-lock.json']) hash.update(readFileSync(path.join(repoRoot, file)));
  return hash.digest('hex').slice(0, 16);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The web client built from the current sources, once per change of them, shared by every test
 * file (and run): .test-data/web-<hash>. One process builds under a lock; the others wait for it.
 */
export async function builtWebDir(): Promise<string> {
  const base = path.join(repoRoot, '.test-data');
  const target = path.join(base, `web-${webSourceHash()}`);
  if (existsSync(path.join(target, 'index.html'))) return target;
  mkdirSync(base, { recursive: true });
  const lock = path.join(base, 'web-build.lock');
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (existsSync(path.join(target, 'index.html'))) return target;
      // A lock older than two minutes was left by a killed run.
      if (waited > 120_000 || Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 120_000)
        rmSync(lock, { recursive: true, force: true });
      await sleep(200);
    }
  }
  try {
    if (existsSync(path.join(target, 'index.html'))) return target;
    const staging = `${target}.tmp-${process.pid}`;
    const run = (args: string[]) => {
      const result = spawnSync(process.execPath, args, {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, NODE_ENV: 'production' },
      });
      if (result.status !== 0) throw new Error(`web build failed (${args.join(' ')}):\n${result.stdout}\n${result.stderr}`);
    };
    run([binOf('@graphql-codegen/cli'), '--config', 'codegen.ts', '--silent']);
    run([binOf('vite'), 'build', '--config', 'web/vite.config.ts', '--outDir', staging, '--emptyOutDir', '--logLevel', 'warn']);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    // Older builds are of no use once the sources moved on, but a run started before the change
    // may still be serving one: only those untouched for an hour go.
    for (const name of readdirSync(base)) {
      const dir = path.join(base, name);
      if (!name.startsWith('web-') || name === path.basename(target) || name === 'web-build.lock') continue;
      if (Date.now() - statSync(dir).mtimeMs > 3_600_000) rmSync(dir, { recursive: true, force: true });
    }
    return target;
  } finally {
    rmdirSync(lock);
  }
}

/** A package's (first) bin script, resolved from the repository's node_modules. */
function binOf(pkg: string): string {
  const pkgPath = path.join(repoRoot, 'node_modules', pkg, 'package.json');
  const { bin } = JSON.parse(readFileSync(pkgPath, 'utf8')) as { bin: string | Record<string, string> };
  return path.join(path.dirname(pkgPath), typeof bin === 'string' ? bin : Object.values(bin)[0]!);
}

/** Logs `user` in through the page's own form at /, and waits until the page says so. */
export async function logInThroughPage(page: Page, user: { email: string; password: string; username: string }): Promise<void> {
  await page.goto('/');
  const form = page.getByRole('form', { name: 'Log in' });
  await form.getByLabel('Email').fill(user.email);
  await form.getByLabel('Password').fill(user.password);
  await form.getByRole('button', { name: 'Log in' }).click();
  await page.getByText(`Signed in as ${user.username}`).waitFor({ timeout: 20_000 });
}

export type BrowserHarness = {
  app: TestApp;
  /** http://127.0.0.1:<port> */
  origin: string;
  browser: Browser;
  /** A fresh browser profile (its own storage): one per user in a test. */
  newUser(): Promise<{ context: BrowserContext; page: Page }>;
  /** Writes a small JPEG of the page to SCREENSHOTS_DIR (default .test-data/screenshots). */
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
};

/** A server serving the freshly built web client, and a Chromium to drive it. */
export async function startBrowserHarness(options: TestAppOptions): Promise<BrowserHarness> {
  const webDir = await builtWebDir();
  const app = await startTestApp({ ...options, env: { WEB_DIR: webDir, ...options.env } });
  const origin = app.url.replace(/\/graphql$/, '');
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: findChromium(),
      // As root (CI containers) Chromium refuses to start sandboxed.
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
  } catch (error) {
    await app.stop();
    throw error;
  }
  const contexts: BrowserContext[] = [];
  const screenshotsDir = path.resolve(repoRoot, process.env.SCREENSHOTS_DIR ?? '.test-data/screenshots');
  return {
    app,
    origin,
    browser,
    async newUser() {
      const context = await browser.newContext({ baseURL: origin, viewport: { width: 1000, height: 640 } });
      contexts.push(context);
      const page = await context.newPage();
      // What the page logs is what a developer would see in its console: keep it with the test output.
      page.on('pageerror', (error) => console.error(`[browser] page error: ${error.message}`));
      return { context, page };
    },
    async screenshot(page, name) {
      mkdirSync(screenshotsDir, { recursive: true });
      await page.screenshot({ path: path.join(screenshotsDir, `${name}.jpg`), type: 'jpeg', quality: 70 });
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await app.stop();
    },
  };
}
