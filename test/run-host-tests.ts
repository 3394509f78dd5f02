// Runs the mocha suite test/host/*.test.ts inside a real VS Code extension host (code-server 4.100.3 +
// headless Chromium), against a throwaway Postgres whose URL the tests get as PGOPT_TEST_URL.
//
//   bash scripts/setup-code-server.sh      # once (cached in .tools/, skipped when complete)
//   npm run test:host                      # = node esbuild.mjs --tests && node out/test/run-host-tests.js
//
// How: the web workbench reads a `payload` query parameter (the mechanism VS Code's own browser integration
// tests use) with extensionDevelopmentPath (this repo, loaded from source: no .vsix needed) and
// extensionTestsPath (out/test/host/index.js). The extension host runs the tests; the workbench hands every
// log line to window.codeAutomationLog and the end result to window.codeAutomationExit, which we expose.
//
// Env: PGOPT_HOST_TIMEOUT_MS (default 300000), PGOPT_HOST_GREP (mocha grep), PGOPT_HOST_UNTRUSTED=1 (the
// workspace untrusted, only the *.untrusted.test.ts suites), PGOPT_HOST_VERBOSE=1 (print all
// workbench log lines, not only the extension host's console), CODE_SERVER_BIN, CHROMIUM_PATH.
// Artifacts: test-results/host-*.log (workbench log, code-server log, the host's own log files), and the
// screenshots tests ask for (hostSupport.ts screenshot(): test-results/host-<name>.png).
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { launchBrowser } from './harness/browser';
import {
  errorText,
  installSignalHandlers,
  isShuttingDown,
  onCleanup,
  repoRoot,
  runCleanups,
  startCodeServer,
  type CodeServer,
} from './harness/codeServer';
import { startTestPostgres } from './harness/pgServer';

const started = Date.now();
let timedOut = false;
const elapsed = (): string => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const note = (msg: string): void => console.error(`[host-tests ${elapsed()}] ${msg}`);

interface AutomationLog {
  relativePath: string;
  contents: string;
}

/** test/host/index.ts prefixes every mocha reporter line with this (see there why). */
const LOG_MARKER = '@@pgopt-host@@ ';
/** A test logs this (after the marker) plus a name to get a screenshot of the workbench (hostSupport.ts). */
const SCREENSHOT_REQUEST = '@@screenshot ';

async function main(): Promise<number> {
  installSignalHandlers();
  const root = repoRoot();
  const resultsDir = join(root, 'test-results');
  mkdirSync(resultsDir, { recursive: true });
  const testsEntry = join(root, 'out/test/host/index.js');
  if (!existsSync(testsEntry)) {
    console.error(`${testsEntry} is missing: run 'node esbuild.mjs --tests' first (npm run test:host does).`);
    return 1;
  }
  if (!existsSync(join(root, 'dist/extension.js'))) {
    console.error('warning: dist/extension.js is missing (run `npm run build`): the extension cannot activate.');
  }
  const timeoutMs = Number(process.env.PGOPT_HOST_TIMEOUT_MS ?? 300_000);
  const verbose = process.env.PGOPT_HOST_VERBOSE === '1';
  // One deadline for the whole run (start-up included): on expiry, report, clean up and exit 1.
  let server: CodeServer | undefined;
  const globalTimer = setTimeout(() => {
    timedOut = true;
    note(`TIMEOUT: the host tests did not finish within ${timeoutMs / 1000} s`);
    if (server) {
      writeFileSync(join(resultsDir, 'host-code-server.log'), server.logs());
      const tail = server.logs().split('\n').filter((l) => l.trim()).slice(-40);
      console.error(`--- last code-server output ---\n${tail.join('\n')}`);
    }
    void runCleanups().finally(() => process.exit(1));
  }, timeoutMs);

  const pg = await startTestPostgres();
  onCleanup(() => pg.stop());
  note(`postgres ready: ${pg.url.replace(/:[^:@/]*@/, ':***@')}`);

  const env: Record<string, string> = { PGOPT_TEST_URL: pg.url, PGOPT_HOST_LOG_MARKER: LOG_MARKER, PGOPT_HOST_SCREENSHOTS: resultsDir };
  if (process.env.PGOPT_HOST_GREP) env.PGOPT_HOST_GREP = process.env.PGOPT_HOST_GREP;
  // PGOPT_HOST_UNTRUSTED=1: the workspace opens in Restricted Mode and only test/host/*.untrusted.test.ts run
  // (index.ts picks them); otherwise every workspace is trusted and those are left out.
  const untrusted = process.env.PGOPT_HOST_UNTRUSTED === '1';
  if (untrusted) env.PGOPT_HOST_UNTRUSTED = '1';
  server = await startCodeServer({ workspace: join(root, 'test/fixtures/workspace'), env, untrusted });
  if (untrusted) note('workspace opened untrusted (Restricted Mode)');
  note(`code-server ready on ${server.baseUrl}`);

  const authority = `127.0.0.1:${server.port}`;
  const payload = [
    ['extensionDevelopmentPath', `vscode-remote://${authority}${encodeURI(root)}`],
    ['extensionTestsPath', `vscode-remote://${authority}${encodeURI(testsEntry.replace(/\.js$/, ''))}`],
    ['skipWelcome', 'true'],
  ];
  const url = `${server.workbenchUrl}&payload=${encodeURIComponent(JSON.stringify(payload))}`;

  const browser = await launchBrowser();
  const { page } = browser;
  const workbenchLog: string[] = [];
  let resolveExit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((r) => (resolveExit = r));
  let hostLogs: AutomationLog[] = [];
  // From mocha's closing lines, for a plain "host: N passed, M failed" summary.
  const counts: { passing?: number; failing?: number; pending?: number } = {};

  await page.exposeFunction('codeAutomationLog', (type: unknown, args: unknown) => {
    const text = Array.isArray(args) ? args.map(String).join(' ') : String(args);
    workbenchLog.push(`[${String(type)}] ${text}`);
    const at = text.indexOf(LOG_MARKER);
    if (at >= 0) {
      const line = text.slice(at + LOG_MARKER.length);
      if (line.startsWith(SCREENSHOT_REQUEST)) {
        void takeScreenshot(line.slice(SCREENSHOT_REQUEST.length));
        return;
      }
      process.stdout.write(`${line}\n`);
      const m = /^\s*(\d+) (passing|failing|pending)\b/.exec(line);
      if (m) counts[m[2] as keyof typeof counts] = Number(m[1]);
    } else if (verbose) console.error(`[workbench ${String(type)}] ${text}`);
  });
  await page.exposeFunction('codeAutomationExit', (code: unknown, logs: unknown) => {
    if (Array.isArray(logs)) hostLogs = logs as AutomationLog[];
    resolveExit(typeof code === 'number' ? code : 1);
  });
  page.on('crash', () => {
    note('the browser page crashed');
    resolveExit(1);
  });
  page.on('pageerror', (err) => workbenchLog.push(`[pageerror] ${err.message}`));

  /**
   * "<name> [collapse:Title|Title…] [webview-open:<css>]": collapses those side-bar view panes (the extension host
   * cannot), opens the section of the report webview holding <css> and scrolls to it, takes the screenshot, opens
   * the panes again. Written under a temporary name, then renamed: the test waits for the final name.
   */
  const takeScreenshot = async (request: string): Promise<void> => {
    const [rawName = 'shot', ...options] = request.trim().split(/\s+/);
    const option = (key: string): string => options.find((o) => o.startsWith(`${key}:`))?.slice(key.length + 1) ?? '';
    const name = rawName.replace(/[^\w.-]/g, '_');
    const target = join(resultsDir, `host-${name}.png`);
    const headers = option('collapse')
      .split('|')
      .filter(Boolean)
      .map((title) => page.locator('.pane-header[aria-expanded="true"]').filter({ has: page.locator('h3.title', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i') }) }));
    const inWebview = option('webview-open');
    const collapsed: { click(): Promise<void> }[] = [];
    try {
      for (const h of headers) {
        const handle = (await h.count()) ? await h.first().elementHandle() : null;
        if (!handle) continue;
        await handle.click();
        collapsed.push(handle);
      }
      if (inWebview) {
        const element = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').locator(inWebview).first();
        await element.evaluate((e) => e.closest('vscode-collapsible')?.setAttribute('open', ''));
        await page.waitForTimeout(300); // the opened section lays out before the scroll
        await element.evaluate((e) => e.scrollIntoView({ block: 'center' })); // clear of the sticky section navigator
      }
      await page.screenshot({ path: `${target}.tmp.png` });
      renameSync(`${target}.tmp.png`, target);
    } catch (e) {
      note(`screenshot ${name} failed: ${errorText(e)}`);
    } finally {
      for (const h of collapsed) await h.click().catch(() => undefined);
    }
  };

  note('opening the workbench');
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60_000 });

  const code = await exited;
  clearTimeout(globalTimer);

  writeFileSync(join(resultsDir, 'host-workbench.log'), `${workbenchLog.join('\n')}\n`);
  writeFileSync(join(resultsDir, 'host-code-server.log'), server.logs());
  for (const log of hostLogs) {
    const target = join(resultsDir, 'host-logs', log.relativePath.replace(/\.\.(\/|\\)/g, ''));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, log.contents);
  }
  if (counts.passing !== undefined || counts.failing !== undefined) {
    const skipped = counts.pending ? `, ${counts.pending} skipped` : '';
    console.log(`host: ${counts.passing ?? 0} passed, ${counts.failing ?? 0} failed${skipped}`);
  }
  if (code !== 0 && counts.passing === undefined && counts.failing === undefined && !verbose) {
    // The suite never reported (e.g. out/test/host/index.js failed to load): show what the workbench said.
    console.error(`--- last workbench log lines ---\n${workbenchLog.slice(-30).join('\n')}`);
  }
  if (code !== 0) {
    note(`host tests FAILED (exit ${code}); logs in test-results/host-workbench.log, host-code-server.log, host-logs/`);
  } else {
    note('host tests passed');
  }
  return code;
}

main()
  .then(async (code) => {
    await runCleanups();
    note(`done, exit ${code}`);
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    // After a timeout or a signal the cleanup closes the browser under main's feet: that error is noise.
    if (!timedOut && !isShuttingDown()) console.error(`host tests could not run: ${errorText(err)}`);
    await runCleanups();
    process.exit(1);
  });
