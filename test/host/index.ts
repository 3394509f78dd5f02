// Mocha entry for the tests that run inside a real extension host (code-server via test/run-host-tests.ts,
// or desktop VS Code via test/run-electron-tests.ts). The host calls run(); a rejected promise makes the
// host exit with code 1.
//
// Output: the spec reporter writes with console.log. In the web workbench (code-server) the extension host's
// console reaches the page's window.codeAutomationLog as one string per call, with printf-style arguments NOT
// substituted, and mixed with the workbench's own log. So every reporter line is formatted here and, when
// the runner sets PGOPT_HOST_LOG_MARKER, prefixed with that marker so that the runner can print exactly the
// test output.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { format } from 'node:util';
import Mocha from 'mocha';

/** Every compiled *.test.js below this folder (out/test/host/), sorted for a stable order. */
function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

function installReporterOutput(): (...args: unknown[]) => void {
  const marker = process.env.PGOPT_HOST_LOG_MARKER ?? '';
  const log = (...args: unknown[]): void => console.log(`${marker}${format(...args)}`);
  Mocha.reporters.Base.consoleLog = log;
  return log;
}

export function run(): Promise<void> {
  const log = installReporterOutput();
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  // PGOPT_HOST_GREP narrows the run while working on one test (passed through the runner's environment).
  const grep = process.env.PGOPT_HOST_GREP;
  if (grep) mocha.grep(grep);
  // The *.untrusted.test.js suites need a workspace in Restricted Mode (PGOPT_HOST_UNTRUSTED=1 in the runner); the
  // others need a trusted one.
  const untrusted = process.env.PGOPT_HOST_UNTRUSTED === '1';
  const files = testFiles(__dirname).filter((f) => f.endsWith('.untrusted.test.js') === untrusted);
  for (const f of files) mocha.addFile(f);
  log(`host tests: ${files.length} file(s): ${files.map((f) => relative(__dirname, f)).join(', ')}`);

  return new Promise<void>((resolve, reject) => {
    try {
      mocha.run((failures) => {
        if (failures > 0) reject(new Error(`${failures} host test(s) failed`));
        else resolve();
      });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
