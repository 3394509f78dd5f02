// The runner listens to the linter (strong_migrations' idea, with live facts): before `migrate up` (CLI and
// editor) every pending migration of the plan is linted — with the live rules when a session is given,
// in apply order so a table an earlier pending migration creates is not "unknown". Error-severity findings
// predict that the run fails (syntax errors, unknown objects, rows that violate a new constraint, CONCURRENTLY
// inside a transaction block, lock findings on tables above lint.liveEscalateBytes …): the hosts refuse the
// whole run before anything is applied unless the user overrides (--allow-lint-errors, "Apply anyway", or a
// per-statement `-- pgopt-ignore`). Warnings are listed with the plan. Read-only: the live facts come from
// DbSession.readOnly queries (see ../lint/live.ts).
import { readFileSync } from 'node:fs';
import type { DbSession } from '../db/session';
import { fetchRelations, LiveCache, relationKeys } from '../lint/live';
import { lintText, ParseCache } from '../lint/linter';
import type { LintFinding, LintOptions, LintSeverity, ParsedStatement, RelName } from '../lint/types';
import { LiveFactsRun } from '../project/lintFiles';
import { splitSql } from '../sql/splitter';
import type { Migration } from './types';

/** One finding of the gate: a lint finding located in the migration's file (1-based line and column). */
export interface GateFinding {
  ruleId: string;
  severity: Extract<LintSeverity, 'error' | 'warning'>;
  message: string;
  help?: string;
  /** Absolute path of the file that holds the statement. */
  file: string;
  /** 1-based, in the file. */
  line: number;
  column: number;
}

export interface MigrationLint {
  version: string;
  name: string;
  file: string;
  /** Errors first, then warnings; each in file order. Info and hint findings are left out. */
  findings: GateFinding[];
  errors: number;
  warnings: number;
  /** The live rules ran for this migration. */
  live: boolean;
}

export interface LintGateResult {
  migrations: MigrationLint[];
  errors: number;
  warnings: number;
  /** Whether a session was given (the live rules could run). */
  live: boolean;
  /** Things worth a line (a migration whose live facts could not be read). */
  notes: string[];
}

export interface GateMigration {
  migration: Migration;
  /** A resumed migration (stopped outside a transaction): statements before this index already ran. */
  resumeAt?: number;
}

export interface LintGateOptions {
  /** Lint settings (pgopt.json "lint" / pgopt.lint.*): the same the editor and `pgopt lint` use. */
  options: Partial<LintOptions>;
  /** Read-only session for the live rules; without one only the static rules run. */
  session?: DbSession;
  /** Reuse catalog facts and counts (the editor refreshes the Migrations view often). */
  cache?: LiveCache;
  signal?: AbortSignal;
  /** Reads a migration's file (default: readFileSync, UTF-8); undefined when it cannot be read. */
  readFile?: (path: string) => string | undefined;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Where the SQL the runner applies sits in the file: the whole file (golang-migrate, Flyway, plain) or its
 * `-- migrate:up` section (dbmate). Linting the file rather than upSql keeps the editor's line numbers and
 * lets an ignore-file comment above the section apply; findings outside the range are dropped.
 */
function upRange(m: Migration, fileText: string | undefined): { text: string; from: number; to: number } {
  if (fileText !== undefined) {
    const normalized = fileText.replace(/^\uFEFF/, '');
    const at = normalized.indexOf(m.upSql);
    if (at >= 0) return { text: normalized, from: at, to: at + m.upSql.length };
  }
  return { text: m.upSql, from: 0, to: m.upSql.length };
}

/** Offset (in `text`) where the runner's statement number `resumeAt` starts, so earlier ones are not judged again. */
function resumeOffset(text: string, from: number, to: number, resumeAt: number | undefined): number {
  if (!resumeAt) return from;
  const pieces = splitSql(text.slice(from, to)).pieces;
  // The runner drops a BEGIN … COMMIT that wraps the whole file before numbering statements.
  const wrapped = pieces.length >= 2 && /^\s*(begin|start\s+transaction)\b/i.test(pieces[0]?.text ?? '') && /^\s*(commit|end)\b/i.test(pieces.at(-1)?.text ?? '');
  const p = pieces[resumeAt + (wrapped ? 1 : 0)];
  return p ? from + p.start : to;
}

const SEVERITY_ORDER: Record<GateFinding['severity'], number> = { error: 0, warning: 1 };

/**
 * Lints the migrations a run would apply, in apply order. Never throws for a migration's content or a failed
 * catalog query (the migration is linted without the live rules and a note says why); a cancelled signal
 * rejects with the session's CancelledError.
 */
export async function lintPendingMigrations(steps: readonly GateMigration[], opts: LintGateOptions): Promise<LintGateResult> {
  const read = opts.readFile ?? readText;
  const cache = opts.cache ?? new LiveCache(Number.POSITIVE_INFINITY);
  const facts = opts.session ? new LiveFactsRun(opts.session, cache, opts.signal) : undefined;
  const notes: string[] = [];
  // With a session the rules run once, after the live facts; the parse-only pass fills this cache for them.
  const parses = new ParseCache(Number.POSITIVE_INFINITY);
  const out: MigrationLint[] = [];
  // Static pass over every file first: its statements tell which relations the live rules need.
  const files = steps.map(({ migration: m, resumeAt }) => {
    const { text, from, to } = upRange(m, read(m.upPath));
    // With a session this pass only parses (no rules).
    const first = lintText(text, opts.options, opts.session ? { rules: [], cache: parses } : {});
    const upStatements: ParsedStatement[] = first.statements.filter((s) => s.start >= from && s.start < to);
    return { m, resumeAt, text, from, to, first, upStatements };
  });
  if (opts.session) await prefetchRelations(files.map((f) => f.upStatements), opts.session, cache, notes, opts.signal);
  for (const { m, resumeAt, text, from, to, first, upStatements } of files) {
    const live = facts ? await facts.next(`${m.version} ${m.name}`, upStatements) : undefined;
    const run = opts.session ? lintText(text, live ? { ...opts.options, live } : opts.options, { cache: parses }) : first;
    const start = resumeOffset(text, from, to, resumeAt);
    const findings = run.findings
      .filter((f): f is LintFinding & { severity: GateFinding['severity'] } => (f.severity === 'error' || f.severity === 'warning') && f.start >= start && f.start < Math.max(to, start + 1))
      .map((f) => toGateFinding(f, m.upPath))
      .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.line - b.line || a.column - b.column);
    const errors = findings.filter((f) => f.severity === 'error').length;
    out.push({ version: m.version, name: m.name, file: m.upPath, findings, errors, warnings: findings.length - errors, live: !!live });
  }
  return {
    migrations: out,
    errors: out.reduce((n, x) => n + x.errors, 0),
    warnings: out.reduce((n, x) => n + x.warnings, 0),
    live: !!opts.session,
    notes: [...notes, ...(facts?.notes ?? [])],
  };
}

/**
 * One catalog query for the relations of every migration instead of one per file. A failure here is only a
 * note: each file then queries on its own and reports its own failure.
 */
async function prefetchRelations(files: ParsedStatement[][], session: DbSession, cache: LiveCache, notes: string[], signal: AbortSignal | undefined): Promise<void> {
  const wanted = new Map<string, RelName>();
  for (const statements of files) for (const [k, r] of relationKeys(statements)) if (!cache.fresh(cache.relations.get(k))) wanted.set(k, r);
  if (!wanted.size) return;
  try {
    const fetched = await session.readOnly((q) => fetchRelations(q, session.serverVersionNum, [...wanted]), signal ? { signal } : {});
    for (const k of wanted.keys()) cache.relations.set(k, cache.stamp(fetched.get(k) ?? null));
  } catch (e) {
    if ((e as Error).name === 'CancelledError') throw e;
    notes.push(`catalog facts for the live rules could not be read in one query: ${(e as Error).message}`);
  }
}

function toGateFinding(f: LintFinding & { severity: GateFinding['severity'] }, file: string): GateFinding {
  return { ruleId: f.ruleId, severity: f.severity, message: firstLine(f.message), ...(f.help ? { help: firstLine(f.help) } : {}), file, line: f.line + 1, column: f.column + 1 };
}

function firstLine(s: string): string {
  const i = s.indexOf('\n');
  return i < 0 ? s : s.slice(0, i);
}

/** `file:line rule message` — the form the CLI prints and the editor's confirmation lists. */
export function formatGateFinding(f: GateFinding, displayFile: (absolute: string) => string = (p) => p): string {
  return `${displayFile(f.file)}:${f.line} ${f.ruleId} ${f.message}`;
}

/** Short summary: "2 errors, 1 warning" (empty string when clean). */
export function lintCounts(x: { errors: number; warnings: number }): string {
  const parts: string[] = [];
  if (x.errors) parts.push(`${x.errors} error${x.errors === 1 ? '' : 's'}`);
  if (x.warnings) parts.push(`${x.warnings} warning${x.warnings === 1 ? '' : 's'}`);
  return parts.join(', ');
}

/** The sentence both hosts use after the list of errors: how to proceed. */
export const LINT_GATE_OVERRIDE =
  'Fix the migration, or, when the finding is wrong, put `-- pgopt-ignore <rule>` on the line above the statement; to apply anyway, pass --allow-lint-errors (CLI) or choose "Apply anyway" (editor).';

/** JSON shape of the gate for `--format json` (paths as displayed). */
export function lintGateJson(g: LintGateResult, displayFile: (absolute: string) => string = (p) => p): unknown {
  return {
    errors: g.errors,
    warnings: g.warnings,
    live: g.live,
    ...(g.notes.length ? { notes: g.notes } : {}),
    migrations: g.migrations.map((m) => ({
      version: m.version,
      name: m.name,
      file: displayFile(m.file),
      errors: m.errors,
      warnings: m.warnings,
      findings: m.findings.map((f) => ({ file: displayFile(f.file), line: f.line, column: f.column, rule: f.ruleId, severity: f.severity, message: f.message, ...(f.help ? { help: f.help } : {}) })),
    })),
  };
}
