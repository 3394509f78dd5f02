// pgopt migrate trace: dry-run pending migrations and show, per statement, the locks it takes, what they
// block, table rewrites and catalog changes. Runs on a throwaway embedded server by default, on a scratch
// server with --scratch-url, or on the target itself inside a rolled-back transaction with --on-target --yes
// (a write under the access policy, recorded in the audit log).
import { resolve } from 'node:path';
import { audited, auditActor, JsonlAuditSink } from '../core/audit';
import { EmbeddedPostgresError } from '../core/db/embeddedPostgres';
import { ConnectError } from '../core/db/connect';
import { ConnectionConfigError, describeTarget, resolveUrl } from '../core/db/connectionSpec';
import { nodeEnvAccess } from '../core/db/envAccess';
import { parseMigrateSettings } from '../core/config';
import { redactUrl } from '../core/redact';
import type { ConnectionSpec } from '../core/db/connectionSpec';
import { DbSession } from '../core/db/session';
import { discoverMigrations } from '../core/migrations/discovery';
import { readStatus } from '../core/migrations/status';
import { runMigrationTrace } from '../core/migrations/trace/run';
import { compareVersions } from '../core/migrations/versions';
import { loadParser } from '../core/sql/parser';
import { renderTraceJson, renderTraceText, traceReportSection } from '../core/migrations/trace/render';
import { traceAuditFields, traceOutcome } from '../core/migrations/trace/audit';
import type { TraceMigration, TraceWhere } from '../core/migrations/trace/types';
import { CliError, EXIT_FINDINGS, EXIT_OK } from './cliErrors';
import { cliConnectMessage, resolveCliConnection } from './cliConnection';
import { checkOutPath, enforceCliPolicy, loadConfig, parseFormat, writeOutput, parseCommandArgs } from './cliSupport';

const HELP = `pgopt migrate trace — dry-run migrations and show the locks each statement takes

  --url URL              target database (else DATABASE_URL / PG* variables / pgpass)
  --dir DIR              migrations directory (default: pgopt.json migrate.dir, else db/migrations)
  --from VERSION         trace migrations at or after VERSION (default: the ones pending on the target)
  --config FILE          pgopt.json (default ./pgopt.json when present)
  --scratch-url URL      run on a temporary database created on this server (else PGOPT_SCRATCH_URL;
                         default: a throwaway embedded PostgreSQL)
  --on-target --yes      run on the target inside one transaction that is always rolled back
                         (its locks are real while the trace runs: keep --lock-timeout short); a write
                         under the access policy (pgopt.json "policy", action trace-on-target), audited
  --confirm-database NAME  --on-target on a production connection (policy.production): the database name
  --audit FILE           audit log (JSONL) for --on-target (default .pgopt/audit.jsonl)
  --lock-timeout MS      lock_timeout per statement (default 5000; 1000 on the target)
  --statement-timeout MS statement_timeout per statement (default 60000)
  --pg-dump PATH         pg_dump used to copy the target schema (else PGOPT_PG_DUMP, else searched)
  --format F             text (default) or json; report = the report-section JSON for the webview
  --out FILE             write to FILE instead of stdout

Exit codes: 0 every statement ran, 1 a statement failed (the migration would fail), 2 usage/connection error.`;

function positiveMs(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${flag} must be a positive number of milliseconds`);
  return n;
}

/**
 * The migrations to trace, found the way the runner finds them (same formats, same pgopt.json "migrate"):
 * those at or after --from, else the ones the target's tracking table does not have as applied
 * (pending or failed), read in a read-only session.
 */
export async function migrationsToTrace(dir: string, from: string | undefined, target: ConnectionSpec, config: ReturnType<typeof loadConfig>): Promise<TraceMigration[]> {
  const { settings, problems } = parseMigrateSettings(config.migrate, 'pgopt.json migrate');
  if (problems.length) throw new CliError(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  const discovery = discoverMigrations(dir, { format: settings.format });
  const unreadable = discovery.problems.find((p) => p.message.startsWith('cannot read migrations directory'));
  if (unreadable) throw new CliError(unreadable.message);
  const all = discovery.migrations.map((m) => ({ version: m.version, name: m.name, sql: m.upSql }));
  if (from !== undefined) return all.filter((m) => compareVersions(m.version, from) >= 0);
  await loadParser();
  let session: DbSession;
  try {
    session = await DbSession.open(target);
  } catch (e) {
    if (e instanceof ConnectError) throw new CliError(cliConnectMessage(e));
    throw e;
  }
  try {
    const status = await session.readOnly((q) => readStatus(q, discovery.migrations, { tracking: { schema: settings.schema, table: settings.table }, source: settings.source, problems: discovery.problems }), { statementTimeoutMs: 30_000 });
    const todo = new Set(status.entries.filter((e) => e.state === 'pending' || e.state === 'failed').map((e) => `${e.version}\u0000${e.name}`));
    return all.filter((m) => todo.has(`${m.version}\u0000${m.name}`));
  } finally {
    await session.close();
  }
}

export async function runTraceCli(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(
    {
      args: argv,
      options: {
        url: { type: 'string' },
        dir: { type: 'string' },
        from: { type: 'string' },
        'scratch-url': { type: 'string' },
        'on-target': { type: 'boolean' },
        yes: { type: 'boolean' },
        'confirm-database': { type: 'string' },
        audit: { type: 'string' },
        'lock-timeout': { type: 'string' },
        'statement-timeout': { type: 'string' },
        'pg-dump': { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    },
    HELP,
  );
  if (!parsed) return EXIT_OK;
  const { values } = parsed;
  checkOutPath(values.out);
  const format = parseFormat(values.format, ['text', 'json', 'report'] as const, 'text');
  const onTarget = values['on-target'] === true;
  const scratchUrl = values['scratch-url'] ?? (onTarget ? undefined : process.env.PGOPT_SCRATCH_URL);
  if (onTarget && values['scratch-url']) throw new CliError('--on-target and --scratch-url exclude each other');
  if (onTarget && !values.yes) {
    throw new CliError('--on-target runs the migrations on the target inside a transaction that is rolled back; its locks are real while it runs. Add --yes to confirm.');
  }
  if (!onTarget && (values['confirm-database'] !== undefined || values.audit !== undefined)) throw new CliError('--confirm-database and --audit are for --on-target');
  const lockTimeoutMs = positiveMs(values['lock-timeout'], '--lock-timeout') ?? (onTarget ? 1000 : 5000);
  const statementTimeoutMs = positiveMs(values['statement-timeout'], '--statement-timeout') ?? 60_000;
  const config = loadConfig(values.config);
  const dir = resolve(values.dir ?? parseMigrateSettings(config.migrate).settings.dir);
  const target = resolveCliConnection(values.url);
  // The access policy refuses before anything connects (the trace's statements and locks are real on the target).
  if (onTarget) enforceCliPolicy(config, 'trace-on-target', { database: target.database, confirmDatabase: values['confirm-database'] });
  const migrations = await migrationsToTrace(dir, values.from, target, config);
  if (!migrations.length) {
    process.stdout.write(`Nothing to trace: no ${values.from ? `migrations at or after version ${values.from}` : 'pending migrations'} in ${dir}.\n`);
    return EXIT_OK;
  }

  let where: TraceWhere = { kind: 'embedded' };
  let scratchServer: ConnectionSpec | undefined;
  if (onTarget) where = { kind: 'target', consent: true };
  else if (scratchUrl) {
    try {
      scratchServer = resolveUrl(scratchUrl, nodeEnvAccess(), 'scratch', '--scratch-url');
    } catch (e) {
      if (e instanceof ConnectionConfigError) throw new CliError(e.message);
      throw e;
    }
    where = { kind: 'scratch-url', url: scratchUrl };
  }

  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const trace = () =>
      runMigrationTrace({
        target,
        migrations,
        where,
        ...(scratchServer ? { scratchServer } : {}),
        timeouts: { lockTimeoutMs, statementTimeoutMs },
        signal: controller.signal,
        ...(values['pg-dump'] ? { pgDump: values['pg-dump'] } : {}),
        onProgress: (m) => process.stderr.isTTY && process.stderr.write(`${m}\n`),
      });
    const result = onTarget
      ? await audited(
          new JsonlAuditSink(resolve(values.audit ?? '.pgopt/audit.jsonl')),
          { ...auditActor(target.user), host: 'cli', connection: redactUrl(`${describeTarget(target)} (${target.source})`), action: 'trace-on-target', ...traceAuditFields(migrations) },
          trace,
          traceOutcome,
        )
      : await trace();
    const text = format === 'json' ? renderTraceJson(result) : format === 'report' ? JSON.stringify(traceReportSection(result), null, 2) : renderTraceText(result);
    writeOutput(text, values.out);
    return result.failed || result.cancelled || !result.rolledBack ? EXIT_FINDINGS : EXIT_OK;
  } catch (e) {
    if (e instanceof ConnectError) throw new CliError(cliConnectMessage(e));
    if (e instanceof CliError) throw e;
    if (e instanceof EmbeddedPostgresError) {
      throw new CliError(`The throwaway embedded PostgreSQL could not start: ${e.message}. Trace on a server you have instead: --scratch-url postgres://user@host/db (the role needs CREATEDB), or --on-target --yes.`);
    }
    throw new CliError((e as Error).message);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

