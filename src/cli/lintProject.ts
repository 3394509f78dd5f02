// The settings `pgopt lint` runs with. With no pgopt.json (--config not given and none in the working
// directory, the usual CI checkout of a migrations folder), they are the defaults, built here without loading
// zod and pgopt.json's schemas (src/core/config.ts: ~8 ms of CPU at every cold start); with one, the core
// project model reads and validates it (cliSupport.loadProject), a bad file being the same one-sentence error.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LintSettings, PgoptFile } from '../core/config';
import type { LintOptions } from '../core/lint/types';
import { lintSelection, type LintSelection } from '../core/project/lintSelection';
import { loadProject } from './cliSupport';

/** What runLint reads of the project (a ProjectModel has these fields). */
export interface LintProject {
  config: PgoptFile;
  lint: { settings: LintSettings; options: Partial<LintOptions>; selection: LintSelection };
}

/**
 * core/config.ts's lintSettingsSchema defaults and core/project's toLintOptions of them: lintProject.test.ts
 * checks that they equal what projectFromText gives for a folder without pgopt.json.
 */
export function defaultLintSettings(): LintSettings {
  return { pgVersion: 15, assumeInTransaction: false, rules: {}, migrations: ['**/migrations/**/*.sql', '**/migrate/**/*.sql', 'db/**/*.sql'], exclude: ['**/node_modules/**'] };
}

export function loadLintProject(configPath: string | undefined, cwd = process.cwd()): LintProject {
  if (configPath === undefined && !existsSync(join(cwd, 'pgopt.json'))) {
    const settings = defaultLintSettings();
    return { config: {}, lint: { settings, options: { pgVersion: settings.pgVersion, assumeInTransaction: settings.assumeInTransaction, rules: {} }, selection: lintSelection(settings) } };
  }
  return loadProject(configPath, cwd);
}
