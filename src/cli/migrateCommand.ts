// pgopt migrate status|up|down|trace: the migration runner from the command line. Status is read-only;
// up and down print their plan and stop (exit 2) unless --yes is given; every write is appended to the
// audit log (--audit, default .pgopt/audit.jsonl).
import { resolve } from 'node:path';
import type { MigrateSettings } from '../core/config';
import { ConnectError, openClient } from '../core/db/connect';
import { missingMigrationPrivilege } from '../core/db/writePrivileges';
import { describeTarget, type ConnectionSpec } from '../core/db/connectionSpec';
import { DbSession, QueryTimeoutError } from '../core/db/session';
import { MigrationLockError } from '../core/migrations/advisoryLock';
import { JsonlAuditSink, type AuditRecord } from '../core/audit';
import { discoverProjectMigrations } from '../core/project/project';
import { findMigrationsDir, layoutRequestFromConfig } from '../core/migrations/layout';
import { formatGateFinding, LINT_GATE_OVERRIDE, lintCounts, lintGateJson, lintPendingMigrations, type LintGateResult } from '../core/migrations/lintGate';
import type { LintOptions } from '../core/lint/types';
import { planDown, planUp, type DownTarget, type Plan, type UpTarget } from '../core/migrations/plan';
import { applyMigrations, rollbackMigrations, type MigrationProgress, type RunResult } from '../core/migrations/runner';
import { readStatus } from '../core/migrations/status';
import type { Discovery, Migration, MigrationStatus, TrackingTarget } from '../core/migrations/types';
import { loadParser } from '../core/sql/parser';
import { redactUrl } from '../core/redact';
import { connectionLostSentence, explainPrivilegeError, isConnectionLost } from '../core/db/errorSentences';
import { CliError, EXIT_FINDINGS, EXIT_OK, EXIT_USAGE } from './cliErrors';
import { cliConnectMessage, resolveCliConnection } from './cliConnection';
import { connectTimeoutSeconds, enforceCliPolicy, loadProject, parseCommandArgs, parseFormat } from './cliSupport';
import { displayPath } from './lintFiles';
import { runTraceCli } from './migrateTrace';

const HELP = `pgopt migrate — apply, roll back and inspect migrations

  pgopt migrate status [--strict]       applied ✓, pending, drifted, failed ✗, missing file (read-only)
  pgopt migrate up [--to V | --only V]  apply pending migrations (all, up to V, or exactly V)
  pgopt migrate down [--to V | --steps N]  roll back the last N (default 1), or everything newer than V
  pgopt migrate trace [--from V]        dry run of the pending migrations with a lock trace (see pgopt migrate trace --help)

  --url URL            database (else DATABASE_URL / PG* variables / pgpass)
  --dir DIR            migrations directory (default: pgopt.json migrate.dir, else the first of db/migrations,
                       migrations, db/migrate, migrate, … that exists)
  --yes                really write (without it, up/down print the plan and exit 2)
  --format F           text (default) or json
  --audit FILE         audit log (JSONL) of every write (default .pgopt/audit.jsonl; read it with pgopt audit)
  --confirm-database NAME  up/down on a production connection (pgopt.json policy.production): the database name
  --strict             status: exit 1 when a migration is drifted, failed or missing
  --allow-drift        up: apply even though an applied migration's file changed
  --allow-out-of-order up: apply pending migrations older than the newest applied one
  --allow-lint-errors  up: apply even though the linter predicts a failure (see "Lint gate" below)
  --config FILE        pgopt.json (default ./pgopt.json when present)
  --connect-timeout S  seconds to wait for the server (default 10)

Lint gate: before up, every pending migration of the plan is linted with the live rules (pgopt.json "lint"
settings). An error-severity finding (syntax error, unknown object, rows that violate a new constraint,
CONCURRENTLY inside a transaction block, …) refuses the whole run before anything is applied; warnings are
listed with the plan. Override: \`-- pgopt-ignore <rule>\` above the statement, or --allow-lint-errors.

Exit codes: 0 ok; 1 a migration failed, the run was refused (lock held, drift, lint errors…) or status
--strict found drift; 2 usage, configuration or connection error, or a write without --yes.`;

export async function runMigrate(argv: string[]): Promise<number> {
  if (argv[0] === 'trace') return runTraceCli(argv.slice(1));
  const parsed = parseCommandArgs(
    {
      args: argv,
      options: {
        url: { type: 'string' },
        dir: { type: 'string' },
        to: { type: 'string' },
        only: { type: 'string' },
        steps: { type: 'string' },
        yes: { type: 'boolean' },
        format: { type: 'string' },
        audit: { type: 'string' },
        'confirm-database': { type: 'string' },
        strict: { type: 'boolean' },
        'allow-drift': { type: 'boolean' },
        'allow-out-of-order': { type: 'boolean' },
        'allow-lint-errors': { type: 'boolean' },
        config: { type: 'string' },
        'connect-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    },
    HELP,
  );
  if (!parsed) return EXIT_OK;
  const { values, positionals } = parsed;
  const sub = positionals[0];
  if (sub === 'help') {
    process.stdout.write(`${HELP}\n`);
    return EXIT_OK;
  }
  if (!sub || !['status', 'up', 'down', 'trace'].includes(sub) || positionals.length > 1) {
    throw new CliError(`expected one of status, up, down, trace${sub ? ` (got "${positionals.join(' ')}")` : ''}\n${HELP}`);
  }
  const format = parseFormat(values.format, ['text', 'json'] as const, 'text');
  if (values.to !== undefined && values.only !== undefined) throw new CliError('--to and --only cannot be combined');
  if (sub !== 'up' && values.only !== undefined) throw new CliError('--only is for up');
  if (sub !== 'down' && values.steps !== undefined) throw new CliError('--steps is for down');
  if (sub !== 'up' && values['allow-lint-errors']) throw new CliError('--allow-lint-errors is for up');
  let steps: number | undefined;
  if (values.steps !== undefined) {
    steps = Number(values.steps);
    if (!Number.isInteger(steps) || steps < 1) throw new CliError('--steps must be a positive integer');
  }
  const timeoutS = connectTimeoutSeconds(values['connect-timeout']);

  const project = loadProject(values.config);
  const config = project.config;
  const settings = project.migrations.settings;
  // The same folder the editor's Migrations view and Create Migration use (core/migrations/layout.ts).
  const dir = findMigrationsDir(layoutRequestFromConfig(process.cwd(), config.migrate, values.dir).request)?.dir ?? resolve(values.dir ?? settings.dir);
  const lintOptions = sub === 'up' ? project.lint.options : undefined;
  const discovery = discoverProjectMigrations(project, dir);
  if (discovery.problems.some((p) => p.message.startsWith('cannot read migrations directory'))) {
    throw new CliError(discovery.problems.map((p) => p.message).join('\n'));
  }
  await loadParser();
  const planOpts = { allowDrift: !!values['allow-drift'], allowOutOfOrder: !!values['allow-out-of-order'] || settings.allowOutOfOrder };
  const upTarget: UpTarget = values.only !== undefined ? { kind: 'one', version: values.only } : values.to !== undefined ? { kind: 'to', version: values.to } : { kind: 'all' };
  const tracking: TrackingTarget = { schema: settings.schema, table: settings.table };
  const spec = resolveCliConnection(values.url);
  // The access policy refuses before anything connects; a production connection's typed name is needed only to write.
  if (sub === 'up' || sub === 'down') {
    try {
      enforceCliPolicy(config, sub === 'up' ? 'migrate-up' : 'migrate-down', { database: spec.database, confirmDatabase: values['confirm-database'] });
    } catch (e) {
      if (values.yes || !/policy\.production/.test((e as Error).message)) throw e;
    }
  }
  const { status, lint } = await readCliStatus(spec, timeoutS, discovery, tracking, settings, (st) => {
    if (!lintOptions) return undefined;
    const p = planUp(st, upTarget, planOpts);
    if (p.blockers.length) return undefined;
    return { steps: p.steps.map((s) => ({ migration: s.migration, resumeAt: s.resumeAt })), options: lintOptions };
  });

  if (sub === 'status') {
    const out = format === 'json' ? JSON.stringify(statusJson(status, discovery), null, 2) : renderStatusText(status, discovery);
    process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
    const bad = status.counts.drifted + status.counts.failed + status.counts.missing;
    return values.strict && bad > 0 ? EXIT_FINDINGS : EXIT_OK;
  }

  const downTarget: DownTarget = values.to !== undefined ? { kind: 'to', version: values.to } : { kind: 'last', ...(steps ? { steps } : {}) };
  const plan: Plan<{ version: string; name: string; sql: string; note?: string }> =
    sub === 'up'
      ? (() => {
          const p = planUp(status, upTarget, planOpts);
          return { ...p, steps: p.steps.map((s) => ({ version: s.migration.version, name: s.migration.name, sql: s.migration.upSql, ...(s.resumeAt ? { note: `resumes at statement ${s.resumeAt + 1}` } : s.retry ? { note: 'retry after a failure' } : {}) })) };
        })()
      : (() => {
          const p = planDown(status, downTarget);
          return { ...p, steps: p.steps.map((s) => ({ version: s.version, name: s.name, sql: s.sql, ...(s.generated ? { note: `generated down SQL${s.fromAppliedSql ? ' (from the applied SQL)' : ''}` } : {}) })) };
        })();

  const log = (m: string): void => {
    process.stderr.write(`${m}\n`);
  };
  for (const w of plan.warnings) log(`warning: ${w}`);
  const lintJson = lint ? { lint: lintGateJson(lint, (p) => displayPath(p)) } : {};
  if (plan.blockers.length) {
    if (format === 'json') process.stdout.write(`${JSON.stringify({ ok: false, blockers: plan.blockers, warnings: plan.warnings }, null, 2)}\n`);
    else log(`pgopt: refusing to run ${sub}:\n${plan.blockers.map((b) => `  - ${b}`).join('\n')}`);
    return EXIT_FINDINGS;
  }
  if (plan.steps.length === 0) {
    if (format === 'json') process.stdout.write(`${JSON.stringify({ ok: true, done: [], warnings: plan.warnings }, null, 2)}\n`);
    else process.stdout.write(sub === 'up' ? 'Nothing to apply: the database is up to date.\n' : 'Nothing to roll back.\n');
    return EXIT_OK;
  }
  for (const n of lint?.notes ?? []) log(`pgopt: ${n}`);
  const lintBlocks = !!lint && lint.errors > 0 && !values['allow-lint-errors'];
  if (!values.yes || lintBlocks) {
    if (format === 'json') {
      const refusal = lintBlocks ? { ok: false, blockers: [lintRefusal(lint)] } : { ok: false, dryRun: true };
      process.stdout.write(`${JSON.stringify({ ...refusal, plan: plan.steps.map((s) => ({ version: s.version, name: s.name, ...(s.note ? { note: s.note } : {}) })), warnings: plan.warnings, ...lintJson }, null, 2)}\n`);
    } else {
      const byVersion = new Map((lint?.migrations ?? []).map((m) => [m.version, m]));
      const text = [`Plan (${sub}, ${describeTarget(spec)}):`];
      for (const s of plan.steps) {
        const ml = byVersion.get(s.version);
        const counts = ml ? lintCounts(ml) : '';
        text.push(`  ${sub === 'up' ? '↑' : '↓'} ${s.version} ${s.name}${s.note ? ` (${s.note})` : ''}${counts ? `  [lint: ${counts}]` : ''}`);
        for (const f of ml?.findings ?? []) text.push(`      ${f.severity === 'error' ? 'error  ' : 'warning'} ${formatGateFinding(f, (p) => displayPath(p))}`);
      }
      if (sub === 'down') for (const s of plan.steps) text.push('', `-- ${s.version} ${s.name}`, s.sql.trimEnd());
      process.stdout.write(`${text.join('\n')}\n`);
      if (lintBlocks) log(`pgopt: refusing to run up: ${lintRefusal(lint)}\n${lint.migrations.flatMap((m) => m.findings.filter((f) => f.severity === 'error')).map((f) => `  ${formatGateFinding(f, (p) => displayPath(p))}`).join('\n')}\n${LINT_GATE_OVERRIDE}`);
      else log(`pgopt: nothing was changed. Add --yes to ${sub === 'up' ? 'apply' : 'roll back'} ${plan.steps.length === 1 ? 'this migration' : `these ${plan.steps.length} migrations`}.`);
    }
    return lintBlocks ? EXIT_FINDINGS : EXIT_USAGE;
  }
  if (lint && format === 'text') {
    if (lint.errors > 0) log(`pgopt: applying despite ${lintCounts({ errors: lint.errors, warnings: 0 })} from the linter (--allow-lint-errors):`);
    for (const m of lint.migrations) for (const f of m.findings) log(`  ${f.severity} ${formatGateFinding(f, (p) => displayPath(p))}`);
  }

  // The role's privileges, checked before anything is written: one sentence naming the missing one (exit 2).
  const missing = await (async () => {
    const c = await openClient(spec, { connectTimeoutMs: timeoutS * 1000, applicationName: 'pgopt migrate' });
    try {
      return await missingMigrationPrivilege({ query: async (sql, params) => (await c.query(sql, params)).rows }, tracking);
    } finally {
      await c.end().catch(() => undefined);
    }
  })().catch((e: unknown) => {
    if (e instanceof ConnectError) throw new CliError(cliConnectMessage(e));
    throw e;
  });
  if (missing) throw new CliError(`${missing}; nothing was written.`);
  const auditPath = resolve(values.audit ?? '.pgopt/audit.jsonl');
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  let result: RunResult;
  try {
    const common = {
      connect: () => openClient(spec, { connectTimeoutMs: timeoutS * 1000, applicationName: 'pgopt migrate' }),
      tracking,
      connectionLabel: redactUrl(`${describeTarget(spec)} (${spec.source})`),
      audit: ((file) => ({ write: (r: AuditRecord) => file.write({ ...r, host: 'cli' }) }))(new JsonlAuditSink(auditPath)),
      signal: controller.signal,
      onProgress: (p: MigrationProgress) => format === 'text' && log(progressLine(p)),
      problems: discovery.problems,
      ...planOpts,
      ...(settings.lockTimeoutMs !== undefined ? { lockTimeoutMs: settings.lockTimeoutMs } : {}),
      ...(settings.statementTimeoutMs !== undefined ? { statementTimeoutMs: settings.statementTimeoutMs } : {}),
    };
    result = sub === 'up' ? await applyMigrations(discovery.migrations, { ...common, target: upTarget }) : await rollbackMigrations(discovery.migrations, { ...common, target: downTarget });
  } catch (e) {
    if (e instanceof MigrationLockError) {
      log(`pgopt: ${e.message}`);
      return EXIT_FINDINGS;
    }
    if (e instanceof ConnectError) throw new CliError(cliConnectMessage(e));
    if (isConnectionLost(e)) {
      throw new CliError(`${connectionLostSentence(e, `${spec.host}:${spec.port}`)} before a migration started. Check that the server is up, then run pgopt migrate status and migrate up again.`);
    }
    const why = explainPrivilegeError(e, spec.user);
    if (why) throw new CliError(`${why}.`);
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  if (format === 'json') process.stdout.write(`${JSON.stringify({ ...result, ...lintJson }, null, 2)}\n`);
  else process.stdout.write(renderRunText(result, spec));
  log(`pgopt: audit log ${auditPath}`);
  return result.ok ? EXIT_OK : EXIT_FINDINGS;
}

/** The lint settings of pgopt.json "lint" (as `pgopt lint` reads them); a bad section is a usage error. */
function lintRefusal(lint: LintGateResult): string {
  const bad = lint.migrations.filter((m) => m.errors > 0);
  return `the linter predicts that ${bad.length === 1 ? `migration ${bad[0]?.version} ${bad[0]?.name}` : `${bad.length} migrations`} will fail (${lintCounts({ errors: lint.errors, warnings: 0 })}); nothing was applied, not even the migrations before ${bad.length === 1 ? 'it' : 'them'}.`;
}

/**
 * Reads the status in one read-only session and, when `gate` returns the plan's migrations, lints them in
 * the same session with the live rules (the lint gate of `up`).
 */
async function readCliStatus(
  spec: ConnectionSpec,
  timeoutS: number,
  discovery: Discovery,
  tracking: TrackingTarget,
  settings: MigrateSettings,
  gate: (status: MigrationStatus) => { steps: { migration: Migration; resumeAt: number }[]; options: Partial<LintOptions> } | undefined = () => undefined,
): Promise<{ status: MigrationStatus; lint: LintGateResult | undefined }> {
  // Nothing has been written yet: every failure here says so, and what to do.
  const lost = (e: unknown): CliError =>
    new CliError(`${connectionLostSentence(e, `${spec.host}:${spec.port}`)} while reading the migration status; nothing was changed. Check that the server is up and run the command again.`);
  let session: DbSession;
  try {
    session = await DbSession.open(spec, { connectTimeoutMs: timeoutS * 1000 });
  } catch (e) {
    if (e instanceof ConnectError) throw new CliError(cliConnectMessage(e));
    if (isConnectionLost(e)) throw lost(e);
    throw e;
  }
  try {
    const status = await session.readOnly((q) => readStatus(q, discovery.migrations, { tracking, source: settings.source, problems: discovery.problems }), { statementTimeoutMs: 30_000 });
    const g = gate(status);
    const lint = g && g.steps.length ? await lintPendingMigrations(g.steps, { options: g.options, session }) : undefined;
    return { status, lint };
  } catch (e) {
    if (isConnectionLost(e)) throw lost(e);
    if (e instanceof QueryTimeoutError) throw new CliError(`reading the migration status stopped: ${e.message}. Another session may hold a lock on the tracking table; run the command again when it is done.`);
    const why = explainPrivilegeError(e, spec.user, 'SELECT');
    if (why) throw new CliError(`cannot read the migration status: ${why}.`);
    throw e;
  } finally {
    await session.close();
  }
}

function progressLine(p: MigrationProgress): string {
  switch (p.kind) {
    case 'locked':
      return 'lock acquired';
    case 'start':
      return `${p.direction === 'up' ? '↑' : '↓'} ${p.version} ${p.name} (${p.total} statement${p.total === 1 ? '' : 's'}, ${p.mode === 'transaction' ? 'one transaction' : 'statement by statement, outside a transaction'}${p.resumeAt ? `, resuming at ${p.resumeAt + 1}` : ''})`;
    case 'statement':
      return `  [${p.index + 1}/${p.total}] ${p.skipped ? `skipped: ${p.skipped}` : `${p.durationMs} ms`}`;
    case 'invalid-index-dropped':
      return `  dropped INVALID index ${p.index} left by an interrupted concurrent build`;
    case 'done':
      return `  done in ${p.durationMs} ms`;
    case 'failed':
      return `  FAILED: ${p.error}`;
  }
}

const MARK: Record<string, string> = { applied: '✓', pending: '·', drifted: '⚠', failed: '✗', missing: '?' };

export function renderStatusText(s: MigrationStatus, d: Discovery): string {
  const lines: string[] = [];
  lines.push(`Migrations in ${d.dir} (${d.format}${d.detected ? ', detected' : ''}); tracking: ${s.table ? `${s.table} (${s.source}${s.readOnly ? ', read-only' : ''})` : 'none yet'}`);
  for (const e of s.entries) {
    lines.push(`${MARK[e.state] ?? ' '} ${e.state.padEnd(8)} ${e.version} ${e.name}${e.outOfOrder ? ' (out of order)' : ''}`);
    if (e.detail) lines.push(`    ${e.detail}`);
    if (e.diff) lines.push(...e.diff.trimEnd().split('\n').map((l) => `    ${l}`));
  }
  for (const p of s.problems) lines.push(`${p.severity}: ${p.message}`);
  const c = s.counts;
  lines.push(`${c.applied} applied, ${c.pending} pending, ${c.drifted} drifted, ${c.failed} failed, ${c.missing} missing`);
  return `${lines.join('\n')}\n`;
}

function statusJson(s: MigrationStatus, d: Discovery): unknown {
  return {
    dir: d.dir,
    format: d.format,
    source: s.source,
    table: s.table,
    readOnly: s.readOnly,
    counts: s.counts,
    problems: s.problems,
    migrations: s.entries.map((e) => ({
      version: e.version,
      name: e.name,
      state: e.state,
      ...(e.outOfOrder ? { outOfOrder: true } : {}),
      ...(e.repeatable ? { repeatable: true } : {}),
      ...(e.migration ? { file: e.migration.upPath, checksum: e.migration.checksum } : {}),
      ...(e.applied ? { appliedAt: e.applied.appliedAt, appliedBy: e.applied.appliedBy, appliedChecksum: e.applied.checksum, log: e.applied.log } : {}),
      ...(e.detail ? { detail: e.detail } : {}),
      ...(e.diff ? { diff: e.diff } : {}),
    })),
  };
}

function renderRunText(r: RunResult, spec: ConnectionSpec): string {
  const lines: string[] = [];
  for (const d of r.done) lines.push(`${r.direction === 'up' ? 'applied' : 'rolled back'} ${d.version} ${d.name} (${d.durationMs} ms)${d.notes?.length ? `: ${d.notes.join('; ')}` : ''}`);
  if (r.failed) {
    const f = r.failed;
    const where = f.statementIndex !== undefined && f.statementIndex >= 0 ? ` at statement ${f.statementIndex + 1}` : '';
    // A failure before the first migration is the tracking table's (creating or reading it).
    const what = f.version ? `${f.version} ${f.name}${where}` : 'preparing the tracking table';
    const why = explainPrivilegeError({ code: f.code, message: f.error }, spec.user, f.sql ?? (f.version ? undefined : 'CREATE'));
    const lost = isConnectionLost({ message: f.error, code: f.code }) ? connectionLostSentence({ message: f.error }, `${spec.host}:${spec.port}`) : undefined;
    lines.push(`${r.cancelled ? 'CANCELLED' : 'FAILED'} ${what}: ${f.error}${why ? ` — ${why}` : lost ? ` — ${lost}` : ''}`);
  }
  lines.push(r.ok ? `${r.done.length} migration${r.done.length === 1 ? '' : 's'} ${r.direction === 'up' ? 'applied' : 'rolled back'}.` : 'Stopped. Run pgopt migrate status to see where things stand.');
  return `${lines.join('\n')}\n`;
}
