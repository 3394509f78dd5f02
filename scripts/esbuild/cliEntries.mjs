// The CLI's bundles, shared by esbuild.mjs (dist/, used in the repo) and scripts/pack-cli.mjs (the npm package).
// dist/cli.js is the dispatcher; each command is its own bundle, required on demand.
export const cliDispatcher = { cli: 'src/cli/main.ts' };
export const cliCommandEntries = {
  'lint-worker': 'src/cli/lintWorker.ts',
  'cli-lint': 'src/cli/lintCommand.ts',
  'lint-engine': 'src/cli/lintEngine.ts',
  'cli-lint-live': 'src/cli/lintLive.ts',
  'cli-analyze': 'src/cli/analyzeCommand.ts',
  'cli-advise': 'src/cli/adviseCommand.ts',
  'cli-migrate': 'src/cli/migrateCommand.ts',
  'cli-snapshot': 'src/cli/snapshotCommand.ts',
  'cli-mcp': 'src/cli/mcpCommand.ts',
  'cli-audit': 'src/cli/auditCommand.ts',
};
