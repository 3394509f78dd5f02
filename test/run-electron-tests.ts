// The host mocha suite (test/host/*.test.ts) in desktop VS Code through @vscode/test-electron, the
// ecosystem's standard runner. It downloads VS Code, so it only works on a machine with internet access;
// CI here uses test/run-host-tests.ts (code-server) instead. Same suite, same PGOPT_TEST_URL contract.
//
//   npm run test:electron     # = node esbuild.mjs --tests && node out/test/run-electron-tests.js
//
// Env: PGOPT_VSCODE_VERSION (default 1.100.3: the engines.vscode floor), PGOPT_HOST_GREP.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { errorText, installSignalHandlers, onCleanup, repoRoot, runCleanups } from './harness/codeServer';
import { startTestPostgres } from './harness/pgServer';

async function main(): Promise<number> {
  installSignalHandlers();
  const root = repoRoot();
  const db = await startTestPostgres();
  onCleanup(() => db.stop());
  const profile = mkdtempSync(join(tmpdir(), 'pgopt-electron-'));
  onCleanup(() => rmSync(profile, { recursive: true, force: true }));

  const extensionTestsEnv: Record<string, string> = { PGOPT_TEST_URL: db.url };
  if (process.env.PGOPT_HOST_GREP) extensionTestsEnv.PGOPT_HOST_GREP = process.env.PGOPT_HOST_GREP;
  try {
    // runTests resolves with the exit code 0 and rejects when the tests fail or VS Code cannot start.
    return await runTests({
      version: process.env.PGOPT_VSCODE_VERSION ?? '1.100.3',
      extensionDevelopmentPath: root,
      extensionTestsPath: join(root, 'out/test/host/index'),
      extensionTestsEnv,
      // runTests adds --no-sandbox, --skip-welcome, --disable-workspace-trust etc. itself, and its own
      // --user-data-dir/--extensions-dir only when none is given: ours are temp folders.
      launchArgs: [
        join(root, 'test/fixtures/workspace'),
        '--disable-extensions',
        `--user-data-dir=${join(profile, 'user-data')}`,
        `--extensions-dir=${join(profile, 'extensions')}`,
      ],
    });
  } catch (err) {
    console.error(`electron host tests failed: ${errorText(err)}`);
    return 1;
  }
}

main()
  .then(async (code) => {
    await runCleanups();
    process.exit(code);
  })
  .catch(async (err: unknown) => {
    console.error(`electron host tests could not run: ${errorText(err)}`);
    await runCleanups();
    process.exit(1);
  });
