// The plan view webview in headless Chromium, outside VS Code: dist/plan-webview.js and media/plan.css in a
// page with a stand-in for acquireVsCodeApi that records what the webview posts (window.__fromWebview).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ToPlanWebview } from '../../src/shared/protocol';
import { launchBrowser, type Browser } from './browser';

export interface PlanViewPage {
  browser: Browser;
  page: Page;
  /** Posts a message and resolves once the webview reported its render (and the main thread was free again). */
  post(m: ToPlanWebview): Promise<{ renderMs: number; idleAfterMs: number }>;
  close(): Promise<void>;
}

export async function openPlanViewPage(root: string): Promise<PlanViewPage> {
  const script = readFileSync(join(root, 'dist', 'plan-webview.js'), 'utf8');
  const css = readFileSync(join(root, 'media', 'plan.css'), 'utf8');
  const browser = await launchBrowser({ viewport: { width: 1400, height: 900 } });
  const { page } = browser;
  try {
    await page.setContent(`<!DOCTYPE html><html><head><style>:root{--vscode-font-family:sans-serif;--vscode-font-size:13px}${css}</style></head>
<body><div class="toolbar"><span id="status"></span></div><progress id="progress" hidden></progress><main id="root"></main>
<script>window.__fromWebview = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__fromWebview.push(m), setState: () => {}, getState: () => undefined });</script>
</body></html>`);
    await page.addScriptTag({ content: script });
    await page.waitForFunction(`window.__fromWebview.some((m) => m.type === 'planReady')`);
  } catch (e) {
    await browser.close();
    throw e;
  }
  // Page code as strings: the Node test/bench bundles are type-checked without the DOM library. The message
  // handler runs as a task; the next task after the render report means the main thread was free again.
  const post = (m: ToPlanWebview): Promise<{ renderMs: number; idleAfterMs: number }> =>
    page.evaluate<{ renderMs: number; idleAfterMs: number }>(`new Promise((resolve) => {
      window.__fromWebview.length = 0;
      const started = performance.now();
      window.postMessage(${JSON.stringify(m)}, '*');
      const poll = () => {
        const r = window.__fromWebview.find((x) => x.type === 'planRendered');
        if (r) setTimeout(() => resolve({ renderMs: r.ms, idleAfterMs: performance.now() - started }), 0);
        else setTimeout(poll, 0);
      };
      setTimeout(poll, 0);
    })`);
  return { browser, page, post, close: () => browser.close() };
}
