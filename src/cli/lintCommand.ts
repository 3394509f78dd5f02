// pgopt lint: lint migration files for CI. Exit 1 when an error-severity finding exists or warnings exceed
// --max-warnings; 2 on usage/config errors; 0 otherwise.
import { join } from 'node:path';
import type { LintOptions } from '../core/lint/types';
import type { LiveRun } from './lintLive';
import { CliError, EXIT_FINDINGS, EXIT_OK } from './cliErrors';
import { requireBundle } from './codeCache';
import { checkOutPath, parseCommandArgs, parseFormat, writeOutputChunks, connectTimeoutSeconds } from './cliSupport';
import { displayPath, expandLintTargets } from './lintFiles';
import { countFindings, DEFAULT_CACHE_LOCATION, LintCache, type FindingCounts } from './lintCache';
import { readLintBytes } from './lintFileOutcome';
import { loadLintProject } from './lintProject';
import { fragmentFormat, renderFileFragment, renderLintChunks, type FileFindings, type LintFormat } from './lintOutput';
import { sqlFileText } from '../core/sql/sqlFileText';
import { changedFilesSince, changedLinesSince, onChangedLines, realPath } from './gitChanges';

const HELP = `pgopt lint [files|dirs|globs...] — lint migration SQL

  --format F              text (default), json, sarif, github (workflow-command annotations) or gitlab
                          (Code Quality JSON)
  --changed-since REF     lint only the files among the targets added or changed since the git ref REF
                          (committed or not) and untracked files, e.g. --changed-since origin/main; with
                          --format github, only findings on the changed lines are annotated
  --pg-version N          target PostgreSQL major version (default 15, or pgopt.json lint.pgVersion)
  --assume-in-transaction the runner wraps each file in a transaction
  --max-warnings N        exit 1 when there are more than N warnings
  --config FILE           pgopt.json (default ./pgopt.json when present)
  --out FILE              write the output to FILE
  --url URL               database for the live rules (else DATABASE_URL / PG* variables); read-only
  --connect-timeout S     seconds to wait for the server (default 10)
  --cache                 reuse the findings of unchanged files (keyed by content hash, tool version and
                          options) from .pgopt/cache/lint.json; not used with live rules
  --no-cache              do not use or write the cache (the default; overrides --cache)
  --cache-location FILE   where the cache lives (default .pgopt/cache/lint.json)

With no paths, lints the project's migrations, as the editor does: the lint.migrations globs minus
lint.exclude, plus any other *.sql file with a \`-- migrate:up\` line. Directories are searched for *.sql.
With a database (--url, DATABASE_URL or PG* variables) the live rules run too: live-table-size,
missing-fk-index, duplicate-index-in-migration, unknown-object, constraint-on-dirty-data.`;

type Engine = typeof import('./lintEngine');
let engineModule: Engine | undefined;
/**
 * The engine bundle (dist/lint-engine.js: parser, engine, rules), required on first use: a run whose files
 * are all in the --cache never loads it.
 */
function engine(): Engine {
  engineModule ??= requireBundle(join(__dirname, 'lint-engine.js')) as Engine;
  return engineModule;
}

export async function runLint(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    {
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        'pg-version': { type: 'string' },
        'assume-in-transaction': { type: 'boolean' },
        'max-warnings': { type: 'string' },
        config: { type: 'string' },
        out: { type: 'string' },
        url: { type: 'string' },
        'connect-timeout': { type: 'string' },
        'changed-since': { type: 'string' },
        cache: { type: 'boolean' },
        'no-cache': { type: 'boolean' },
        'cache-location': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    },
    HELP,
  );
  if (!parsed) return EXIT_OK;
  const { values, positionals } = parsed;
  checkOutPath(values.out);
  const format = parseFormat(values.format, ['text', 'json', 'sarif', 'github', 'gitlab'] as const, 'text');
  const project = loadLintProject(values.config);
  const config = project.config;
  const settings = project.lint.settings;
  const options = { ...project.lint.options };
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

  const targets = await expandLintTargets(positionals, project.lint.selection);
  if (targets.missing.length) throw new CliError(`no such file, directory or glob match: ${targets.missing.join(', ')}`);
  const since = values['changed-since'];
  const changed = since !== undefined ? changedFilesSince(since) : undefined;
  const files = changed ? targets.files.filter((f) => changed.has(realPath(f))) : targets.files;
  if (changed && files.length === 0) {
    process.stderr.write(`pgopt: no migration files added or changed since ${since} (${targets.files.length} not changed)\n`);
  } else if (files.length === 0) {
    process.stderr.write(`pgopt: no migration files found${positionals.length ? '' : ` (globs: ${settings.migrations.join(', ')})`}\n`);
  }

  const timeoutS = connectTimeoutSeconds(values['connect-timeout']);
  const live = files.length ? await lintLive(files, options, values.url, timeoutS, config) : undefined;
  if (format === 'text' && !live) process.stderr.write('pgopt: no database connection (--url, DATABASE_URL or PG* variables): live rules not run\n');
  for (const n of live?.notes ?? []) process.stderr.write(`pgopt: ${n}\n`);

  const cache = values.cache && !values['no-cache'] && !live ? LintCache.open(values['cache-location'] ?? DEFAULT_CACHE_LOCATION, options) : undefined;
  // With the cache, text, json and github output is put together from each file's findings as rendered by an
  // earlier run (not for github annotations limited to changed lines: those need the findings themselves).
  const fragments = cache && fragmentFormat(format) && !(since !== undefined && format === 'github') ? format : undefined;
  let results: CachedFindings[];
  if (live) results = files.map((f, i) => ({ file: displayPath(f), findings: live.findings[i] ?? [] }));
  else if (cache) results = await lintFilesCached(files, options, cache, fragments);
  else {
    const linted = await engine().lintFiles(files, options);
    results = files.map((f, i) => ({ file: displayPath(f), findings: linted[i] ?? [] }));
  }
  if (cache) {
    if (fragments) {
      for (const r of results) {
        if (r.fragment !== undefined || r.hash === undefined || r.findings.length > MAX_FRAGMENT_FINDINGS) continue;
        r.fragment = renderFileFragment(fragments, r.file, r.findings);
        cache.setRendered(r.hash, fragments, r.file, r.fragment);
      }
    }
    const problem = cache.save();
    if (problem) process.stderr.write(`pgopt: ${problem}\n`);
  }
  const counts = results.map((r) => r.counts ?? countFindings(r.findings));
  const errors = counts.reduce((n, c) => n + c[0], 0);
  const warnings = counts.reduce((n, c) => n + c[1], 0);
  const total = counts.reduce((n, c) => n + c[0] + c[1] + c[2], 0);

  // GitHub annotations go on the lines the change touches (the file's other findings still count below).
  let shown = results;
  if (since !== undefined && format === 'github') {
    const lines = changedLinesSince(since);
    shown = results.map((r, i) => ({ ...r, findings: r.findings.filter((f) => onChangedLines(lines.get(realPath(files[i] ?? '')), f.line, f.endLine)) }));
    const hidden = results.reduce((n, r, i) => n + r.findings.length - (shown[i]?.findings.length ?? 0), 0);
    if (hidden) process.stderr.write(`pgopt: ${hidden} finding(s) on lines not changed since ${since} are not annotated\n`);
  }
  // Text and GitHub output with no findings is empty: nothing is written (not even a newline).
  const anyShown = shown === results ? total > 0 : shown.some((r) => r.findings.length);
  if (anyShown || (format !== 'text' && format !== 'github')) writeOutputChunks(renderLintChunks(format, shown, (id) => engine().ruleMeta(id)), values.out);
  if (format === 'text' || format === 'github') process.stderr.write(`pgopt: ${files.length} file(s), ${errors} error(s), ${warnings} warning(s), ${total - errors - warnings} other\n`);
  if (errors > 0) return EXIT_FINDINGS;
  if (maxWarnings !== undefined && warnings > maxWarnings) {
    process.stderr.write(`pgopt: ${warnings} warnings exceed --max-warnings ${maxWarnings}\n`);
    return EXIT_FINDINGS;
  }
  return EXIT_OK;
}

/** Whether a connection is configured at all: --url, DATABASE_URL or a PG* variable. */
function connectionConfigured(url: string | undefined): boolean {
  const e = process.env;
  return !!(url || e.DATABASE_URL || e.PGHOST || e.PGDATABASE || e.PGUSER || e.PGPORT || e.PGSERVICE);
}

/**
 * With a connection, the files linted with the live rules (core lintFiles: one read, one parse per file);
 * undefined without one. An explicit --url that cannot connect is a usage error (exit 2); a connection that
 * only comes from the environment degrades to a note.
 */
async function lintLive(files: string[], options: Partial<LintOptions>, url: string | undefined, timeoutS: number, config: Record<string, unknown>): Promise<LiveRun | undefined> {
  if (!connectionConfigured(url)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseAnalysisSettings } = require('../core/config') as typeof import('../core/config');
  const { settings: analysis, problems } = parseAnalysisSettings(config.analysis, 'pgopt.json analysis');
  if (problems.length) throw new CliError(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(join(__dirname, 'cli-lint-live.js')) as typeof import('./lintLive');
  const r = await mod.lintFilesLive(files, options, url, { connectTimeoutMs: timeoutS * 1000, analysis, required: !!url });
  if ('unavailable' in r) {
    process.stderr.write(`pgopt: cannot connect for the live rules (${r.unavailable}); linting without them\n`);
    return undefined;
  }
  return r;
}

/** A file's findings in a --cache run: from the cache or linted. */
interface CachedFindings extends FileFindings {
  /** The hash of the file's bytes; undefined when it is not cached (skipped: unreadable, binary, too large). */
  hash?: string;
  /** With `fragment` from the cache, the counts of the findings (which are then not decoded). */
  counts?: FindingCounts;
}

/** A file with more findings than this is rendered from its findings on every run (its fragment is not stored). */
const MAX_FRAGMENT_FINDINGS = 5000;

/**
 * With --cache: files whose bytes' hash is in the cache reuse its findings — with `format`, as the output they
 * printed last time when the path is the same (nothing decoded); only the rest are linted.
 */
async function lintFilesCached(files: string[], options: Partial<LintOptions>, cache: LintCache, format: LintFormat | undefined): Promise<CachedFindings[]> {
  const out: CachedFindings[] = new Array(files.length);
  const missing: number[] = [];
  files.forEach((abs, i) => {
    const file = displayPath(abs);
    const read = readLintBytes(abs);
    if ('skipped' in read) {
      out[i] = { file, findings: [read.skipped] };
      return;
    }
    const hash = LintCache.hash(read.bytes);
    if (cache.has(hash)) {
      const fragment = format ? cache.rendered(hash, format, file) : undefined;
      const counts = cache.counts(hash);
      if (fragment !== undefined && counts) {
        out[i] = { file, findings: [], fragment, counts, hash };
        return;
      }
      const findings = cache.get(hash, sqlFileText(read.bytes));
      if (findings) {
        out[i] = { file, findings, hash };
        return;
      }
    }
    out[i] = { file, findings: [], hash };
    missing.push(i);
  });
  // The parser (WASM) is loaded only when something has to be linted: a fully cached run never pays for it.
  if (missing.length) {
    const linted = await engine().lintFiles(
      missing.map((i) => files[i] as string),
      options,
    );
    missing.forEach((i, k) => {
      const f = linted[k] ?? [];
      const r = out[i] as CachedFindings;
      r.findings = f;
      // The file may have changed (or become unreadable) since it was hashed: then it is not cached.
      if (r.hash && !f.some((x) => x.ruleId === 'file-skipped') && hashOf(files[i] as string) === r.hash) cache.set(r.hash, f);
      else delete r.hash;
    });
  }
  return out;
}

function hashOf(file: string): string | undefined {
  const read = readLintBytes(file);
  return 'bytes' in read ? LintCache.hash(read.bytes) : undefined;
}
