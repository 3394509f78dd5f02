// The report webview in headless Chromium, outside VS Code: dist/webview.js with dist/webview.css and
// media/report.css, in a page with the panel's toolbar markup and a stand-in for acquireVsCodeApi that
// records what the webview posts (window.__fromWebview). Theme variables are a small dark set, enough for
// layout checks; the real themes are exercised by the e2e run in code-server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ToWebview } from '../../src/shared/protocol';
import { launchBrowser, type Browser } from './browser';

export interface ReportViewPage {
  browser: Browser;
  page: Page;
  post(m: ToWebview): Promise<void>;
  close(): Promise<void>;
}

const THEME = `--vscode-font-family:sans-serif;--vscode-font-size:13px;--vscode-foreground:#ccc;--vscode-editor-background:#1e1e1e;
--vscode-panel-border:#444;--vscode-descriptionForeground:#999;--vscode-textLink-foreground:#3794ff;--vscode-errorForeground:#f48771;
--vscode-editorWarning-foreground:#cca700;--vscode-editorInfo-foreground:#3794ff;--vscode-badge-background:#4d4d4d;--vscode-badge-foreground:#fff;`;

export async function openReportViewPage(root: string, viewport = { width: 1400, height: 900 }): Promise<ReportViewPage> {
  const script = readFileSync(join(root, 'dist', 'webview.js'), 'utf8');
  const css = readFileSync(join(root, 'media', 'report.css'), 'utf8') + readFileSync(join(root, 'dist', 'webview.css'), 'utf8');
  const browser = await launchBrowser({ viewport });
  const { page } = browser;
  try {
    await page.setContent(`<!DOCTYPE html><html><head><style>:root{${THEME}} body{background:#1e1e1e}${css}</style></head>
<body class="vscode-dark"><div class="toolbar"><span id="status" role="status"></span></div><vscode-progress-bar id="progress" hidden></vscode-progress-bar>
<main id="root"><p class="muted">Starting…</p></main>
<script>window.__fromWebview = []; window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__fromWebview.push(m), setState: () => {}, getState: () => undefined });</script>
</body></html>`);
    await page.addScriptTag({ content: script });
    await page.waitForFunction(`window.__fromWebview.some((m) => m.type === 'ready')`);
  } catch (e) {
    await browser.close();
    throw e;
  }
  const post = async (m: ToWebview): Promise<void> => {
    await page.evaluate(`window.postMessage(${JSON.stringify(m)}, '*')`);
    await page.waitForTimeout(50);
  };
  return { browser, page, post, close: () => browser.close() };
}
