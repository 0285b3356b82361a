// Test support: Debian's Chromium driven by playwright-core (no browser download), the console built when stale,
// and a screenshot of the page whenever a browser scenario fails.
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

/** The Chromium binary: `$CHROMIUM_PATH`, else Debian's. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Why the browser suite cannot run here, or undefined when it can. */
export function missingChromium(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `${CHROMIUM_PATH} is missing (Debian: apt-get install chromium; or set CHROMIUM_PATH)`;
}

/** Launch arguments: headless, no sandbox (root in CI), nothing that reaches out to the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts Chromium; playwright gives each launch a fresh temporary `--user-data-dir`. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
}

const packageDir = fileURLToPath(new URL('../..', import.meta.url));

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds the console into dist/console when it is missing or older than its sources (`npm run build` does it too). */
export async function ensureConsoleBuilt(): Promise<void> {
  const index = join(packageDir, 'dist', 'console', 'index.html');
  const sources = join(packageDir, 'console');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(sources)) return;
  const { build } = await import('vite');
  await build({ configFile: join(sources, 'vite.config.ts'), logLevel: 'warn' });
}

/** Where failure screenshots go: `$RELAYKIT_ARTIFACTS`, else a folder in the system's temp directory. */
export const ARTIFACTS_DIR = process.env.RELAYKIT_ARTIFACTS ?? join(tmpdir(), 'relaykit-browser-artifacts');

/** Runs `fn`; on failure writes a full-page screenshot named after `name` and says where in the error. */
export async function withScreenshot<T>(page: Page, name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const file = join(ARTIFACTS_DIR, `${name.replace(/[^A-Za-z0-9_-]+/g, '-')}-${Date.now()}.png`);
    const saved = await page.screenshot({ path: file, fullPage: true }).then(
      () => true,
      () => false,
    );
    if (saved && error instanceof Error) error.message += `\n(screenshot of the page: ${file})`;
    throw error;
  }
}
