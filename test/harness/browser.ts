// Headless Debian Chromium driven by playwright-core (no Playwright browser download: CHROMIUM_PATH or
// /usr/bin/chromium), plus helpers for the VS Code web workbench that code-server serves.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type FrameLocator, type Page } from 'playwright-core';
import { onCleanup } from './codeServer';

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return fromEnv;
  }
  const found = CHROMIUM_CANDIDATES.find((p) => existsSync(p));
  if (!found) throw new Error('no Chromium found: apt-get install -y chromium (or set CHROMIUM_PATH)');
  return found;
}

export async function launchBrowser(opts: { viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  // Playwright refuses --user-data-dir in args: a persistent context in a temp folder is the way.
  const profile = mkdtempSync(join(tmpdir(), 'pgopt-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      viewport: opts.viewport ?? { width: 1400, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
      timeout: 60_000,
      // Playwright's own signal handlers close the browser and exit(130) at once, before our cleanups
      // (code-server, Postgres) have run: installSignalHandlers() in codeServer.ts handles signals instead.
      // Playwright still kills the browser when the process exits.
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      unregister();
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    })();
    return closed;
  };
  const unregister = onCleanup(close);
  return { context, page, close };
}

/** Opens the workbench and waits until it is drawn and its activity bar is there. */
export async function openWorkbench(page: Page, url: string, timeoutMs = 120_000): Promise<void> {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: timeoutMs });
  await page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.part.activitybar').first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/**
 * Runs a command from the palette as a user would: F1, `>` + its title (e.g. 'Postgres Optimizer: Show Health
 * Report'), wait until the first row is that command, Enter.
 */
export async function runCommand(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  const input = widget.locator('input').first();
  const deadline = Date.now() + timeoutMs;
  // F1 is ignored while the workbench is still restoring focus: retry until the palette opens.
  for (;;) {
    await page.locator('.monaco-workbench').first().focus().catch(() => undefined);
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 3000 });
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
  await input.fill(`>${title}`);
  const row = widget.locator('.monaco-list-row').first();
  await row.filter({ hasText: title }).waitFor({ state: 'visible', timeout: Math.max(1000, deadline - Date.now()) });
  await input.press('Enter');
  await widget.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
}

/** The content of the active webview (two iframes deep in the web workbench). */
export function webviewFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}
