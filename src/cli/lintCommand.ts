// pgopt lint: lint migration files for CI. Exit 1 when an error-severity finding exists or warnings exceed
// --max-warnings; 2 on usage/config errors; 0 otherwise.
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseLintSettings } from '../core/config';
import { toLintOptions } from '../core/lint/lintConfig';
import { lintText, loadParser, ParseCache } from '../core/lint/linter';
import type { LintFinding } from '../core/lint/types';
import { CliError, EXIT_FINDINGS, EXIT_OK, loadConfig, parseFormat, writeOutput } from './cliSupport';
import { displayPath, expandLintTargets } from './lintFiles';
import { toJson, toSarif, toText, type FileFindings } from './lintOutput';

const HELP = `pgopt lint [files|dirs|globs...] — lint migration SQL

  --format F              text (default), json or sarif
  --pg-version N          target PostgreSQL major version (default 15, or pgopt.json lint.pgVersion)
  --assume-in-transaction the runner wraps each file in a transaction
  --max-warnings N        exit 1 when there are more than N warnings
  --config FILE           pgopt.json (default ./pgopt.json when present)
  --out FILE              write the output to FILE

With no paths, lints the configured migration globs (lint.migrations). Directories are searched for *.sql.`;

/** Files larger than this are reported instead of linted (a migration of 50 MB is not hand-written SQL). */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

export async function runLint(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        'pg-version': { type: 'string' },
        'assume-in-transaction': { type: 'boolean' },
        'max-warnings': { type: 'string' },
        config: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    });
  } catch (e) {
    throw new CliError(`${(e as Error).message}\n${HELP}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return EXIT_OK;
  }
  const format = parseFormat(values.format, ['text', 'json', 'sarif'] as const, 'text');
  const config = loadConfig(values.config);
  const { settings, problems } = parseLintSettings(config.lint, 'pgopt.json lint');
  const converted = toLintOptions(settings, 'pgopt.json lint');
  const allProblems = [...problems, ...converted.problems];
  if (allProblems.length) throw new CliError(`invalid config:\n${allProblems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  const options = { ...converted.options };
  if (values['pg-version'] !== undefined) {
    const v = Number(values['pg-version']);
    if (!Number.isInteger(v) || v < 9 || v > 30) throw new CliError(`--pg-version must be a major version such as 15 (got "${values['pg-version']}")`);
    options.pgVersion = v;
  }
  if (values['assume-in-transaction']) options.assumeInTransaction = true;
  let maxWarnings: number | undefined;
  if (values['max-warnings'] !== undefined) {
    maxWarnings = Number(values['max-warnings']);
    if (!Number.isInteger(maxWarnings) || maxWarnings < 0) throw new CliError('--max-warnings must be a whole number ≥ 0');
  }

  const { files, missing } = expandLintTargets(positionals, settings);
  if (missing.length) throw new CliError(`no such file, directory or glob match: ${missing.join(', ')}`);
  if (files.length === 0) {
    process.stderr.write(`pgopt: no migration files found${positionals.length ? '' : ` (globs: ${settings.migrations.join(', ')})`}\n`);
  }

  await loadParser();
  const cache = new ParseCache();
  const results: FileFindings[] = [];
  for (const file of files) {
    const shown = displayPath(file);
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) {
      results.push({ file: shown, findings: [fileProblem(`File is ${(size / 1024 / 1024).toFixed(0)} MB, above the ${MAX_FILE_BYTES / 1024 / 1024} MB limit; not linted.`, 'warning')] });
      continue;
    }
    const buf = readFileSync(file);
    if (buf.includes(0)) {
      results.push({ file: shown, findings: [fileProblem('Binary file (contains NUL bytes); not linted.', 'warning')] });
      continue;
    }
    const text = buf.toString('utf8');
    results.push({ file: shown, findings: lintText(text, options, { cache }).findings });
  }

  const out = format === 'json' ? JSON.stringify(toJson(results), null, 2) : format === 'sarif' ? JSON.stringify(toSarif(results), null, 2) : toText(results);
  if (out || format !== 'text') writeOutput(out, values.out);
  const all = results.flatMap((r) => r.findings);
  const errors = all.filter((f) => f.severity === 'error').length;
  const warnings = all.filter((f) => f.severity === 'warning').length;
  if (format === 'text') process.stderr.write(`pgopt: ${files.length} file(s), ${errors} error(s), ${warnings} warning(s), ${all.length - errors - warnings} other\n`);
  if (errors > 0) return EXIT_FINDINGS;
  if (maxWarnings !== undefined && warnings > maxWarnings) {
    process.stderr.write(`pgopt: ${warnings} warnings exceed --max-warnings ${maxWarnings}\n`);
    return EXIT_FINDINGS;
  }
  return EXIT_OK;
}

function fileProblem(message: string, severity: LintFinding['severity']): LintFinding {
  return { ruleId: 'file-skipped', severity, message, start: 0, end: 0, line: 0, column: 0, endLine: 0, endColumn: 0 };
}
