// pgopt advise: index recommendations from the workload (pg_stat_statements or --queries FILE), verified
// with HypoPG when installed, plus index health. Read-only: nothing is created; the output is SQL to run.
// --scratch-whatif (explicit consent) verifies with real indexes in a transaction that is always rolled back.
import { sqlFileText } from '../core/sql/sqlFileText';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { audited, auditActor, JsonlAuditSink } from '../core/audit';
import { describeTarget } from '../core/db/connectionSpec';
import { redactUrl } from '../core/redact';
import { runAdvisor, type AdvisorOptions } from '../core/advisor/advisor';
import { detectLogFormat, parseServerLog, sampleActivity, type LogFormat, type LogWorkload } from '../core/advisor/workloadSources';
import { runScratchAdvisor } from '../core/advisor/scratch';
import { assessIndexHealth, fetchIndexHealth } from '../core/analyzers/indexes/indexHealth';
import { probeCapabilities } from '../core/db/capabilities';
import { renderAdviseText, type AdviseOutput } from './adviseText';
import { CONVENTIONAL_MIGRATION_DIRS, findMigrationsDir, layoutRequestFromConfig, type LayoutRequest } from '../core/migrations/layout';
import { writeActionsMigration } from '../core/migrations/writer';
import type { CreateIndexAction } from '../core/report/actions';
import { runFleetCommand } from './fleetCommand';
import { FLEET_HELP, hasFleetFlag } from './fleetHelp';
import { CliError, EXIT_OK } from './cliErrors';
import { cliConnectMessage, openCliSession, resolveCliConnection, withCancellableSession } from './cliConnection';
import { ConnectError } from '../core/db/connect';
import { openReadOnlyLanes, type ReadOnlyLanes } from '../core/db/readOnlyLanes';
import type { DbSession, QueryRunner } from '../core/db/session';
import { checkOutPath, connectTimeoutSeconds, enforceCliPolicy, loadConfig, parseCommandArgs, parseFormat, writeOutput } from './cliSupport';

const HELP = `pgopt advise — index recommendations from the real workload, and index health (read-only unless --scratch-whatif)

  --url URL            database (else DATABASE_URL / PG* variables / pgpass)
  --format F           text (default) or json
  --max-indexes N      at most N recommendations (default 10)
  --max-size-mb M      total size budget of the recommended indexes, in MB
  --queries FILE       workload file instead of pg_stat_statements: statements separated by ';',
                       each optionally preceded by '-- weight: N' (calls)
  --top N              statements taken from pg_stat_statements, by total time (default 100)
  --log FILE           workload from a server log written with log_min_duration_statement (stderr,
                       csvlog or jsonlog; 'duration: … ms  statement: …' and 'execute <name>: …' lines)
  --log-format F       auto (default), stderr, csvlog or jsonlog
  --sample-activity S  workload from sampling pg_stat_activity every 100 ms for S seconds (active
                       statements of this database; weight = times seen)
  --min-cost C         leave out statements whose planner cost is below C (listed as skipped)
  --min-savings-pct P  an index must save at least P % of the cost of the statements it serves
  --negligible-pct P   statements below P % of the workload's cost each stay in its totals but are not
                       re-planned for candidates (default 0.01; 0 = every statement; said in the report)
  --include T[,T…]     only recommend indexes on these tables (name, schema.name, * wildcards)
  --exclude T[,T…]     never recommend indexes on these tables
  --progress           progress on stderr even when it is not a terminal
  --whatif-connections N  plan what-if batches over N connections to the database (default 1; each
                       read-only, with its own HypoPG set; faster on a server with idle cores)
  --scratch-whatif     verify with real indexes built inside a transaction that is always rolled back
                       (instead of HypoPG; also verifies GIN). It writes and locks each table while it
                       runs: only on a scratch copy, or when you accept that. Refused by a read-only
                       access policy (pgopt.json "policy"); recorded in the audit log
  --confirm-database NAME  --scratch-whatif on a production connection (policy.production): the database name
  --audit FILE         audit log (JSONL) for --scratch-whatif (default .pgopt/audit.jsonl)
  --emit-migration     write the recommended indexes as one new migration in the project's convention
                       (golang-migrate, dbmate, Flyway or plain; down part included) and print its path(s)
                       instead of the report (the report goes to --out when given)
  --dir DIR            migrations folder for --emit-migration (default: pgopt.json migrate.dir, else the
                       first of db/migrations, migrations, db/migrate, migrate, … that exists)
  --out FILE           write to FILE instead of stdout
  --config FILE        pgopt.json (default ./pgopt.json when present)
  --connect-timeout S  seconds to wait for the server (default 10)
${FLEET_HELP}`;

function nonNegative(v: string, flag: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new CliError(`${flag} must be a number ≥ 0`);
  return n;
}

function positiveNumber(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${flag} must be a positive number`);
  return n;
}

export async function runAdvise(argv: string[]): Promise<number> {
  if (hasFleetFlag(argv)) return runFleetCommand('advise', argv);
  const parsed = parseCommandArgs(
    {
      args: argv,
      options: {
        url: { type: 'string' },
        format: { type: 'string' },
        'max-indexes': { type: 'string' },
        'max-size-mb': { type: 'string' },
        queries: { type: 'string' },
        top: { type: 'string' },
        log: { type: 'string' },
        'log-format': { type: 'string' },
        'sample-activity': { type: 'string' },
        'min-cost': { type: 'string' },
        'min-savings-pct': { type: 'string' },
        'negligible-pct': { type: 'string' },
        include: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        progress: { type: 'boolean' },
        'whatif-connections': { type: 'string' },
        'scratch-whatif': { type: 'boolean' },
        'confirm-database': { type: 'string' },
        audit: { type: 'string' },
        out: { type: 'string' },
        'emit-migration': { type: 'boolean' },
        dir: { type: 'string' },
        config: { type: 'string' },
        'connect-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    },
    HELP,
  );
  if (!parsed) return EXIT_OK;
  const { values } = parsed;
  checkOutPath(values.out);
  const format = parseFormat(values.format, ['text', 'json'] as const, 'text');
  const maxIndexes = positiveNumber(values['max-indexes'], '--max-indexes');
  const maxSizeMb = positiveNumber(values['max-size-mb'], '--max-size-mb');
  const top = positiveNumber(values.top, '--top');
  const timeoutS = connectTimeoutSeconds(values['connect-timeout']);
  const minCost = values['min-cost'] === undefined ? undefined : nonNegative(values['min-cost'], '--min-cost');
  const minSavingsPct = values['min-savings-pct'] === undefined ? undefined : nonNegative(values['min-savings-pct'], '--min-savings-pct');
  if (minSavingsPct !== undefined && minSavingsPct > 100) throw new CliError('--min-savings-pct must be between 0 and 100');
  const negligiblePct = values['negligible-pct'] === undefined ? undefined : nonNegative(values['negligible-pct'], '--negligible-pct');
  if (negligiblePct !== undefined && negligiblePct > 100) throw new CliError('--negligible-pct must be between 0 and 100');
  const sampleS = positiveNumber(values['sample-activity'], '--sample-activity');
  const whatIfConnections = values['whatif-connections'] === undefined ? 1 : Number(values['whatif-connections']);
  if (!Number.isInteger(whatIfConnections) || whatIfConnections < 1 || whatIfConnections > 16) throw new CliError(`--whatif-connections must be a whole number from 1 to 16 (got "${values['whatif-connections']}")`);
  if (whatIfConnections > 1 && values['scratch-whatif']) throw new CliError('--whatif-connections is for HypoPG: the scratch engine plans on its own connection');
  const tables = (v: string[] | undefined): string[] | undefined => {
    const list = (v ?? []).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
    return list.length ? list : undefined;
  };
  const includeTables = tables(values.include);
  const excludeTables = tables(values.exclude);
  const logFormats = ['auto', 'stderr', 'csvlog', 'jsonlog'] as const;
  const logFormat = values['log-format'] ?? 'auto';
  if (!(logFormats as readonly string[]).includes(logFormat)) throw new CliError(`--log-format must be one of ${logFormats.join(', ')} (got "${logFormat}")`);
  const sources = [values.queries !== undefined, values.log !== undefined, sampleS !== undefined].filter(Boolean).length;
  if (sources > 1) throw new CliError('give one workload source: --queries, --log or --sample-activity');
  let logWorkload: LogWorkload | undefined;
  if (values.log !== undefined) {
    let text: string;
    try {
      text = readFileSync(values.log, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read --log ${values.log}: ${(e as Error).message}`);
    }
    logWorkload = parseServerLog(text, logFormat === 'auto' ? detectLogFormat(text) : (logFormat as LogFormat));
    if (logWorkload.entries === 0) {
      throw new CliError(
        `no statements with durations in ${values.log} (read as ${logWorkload.format}): set log_min_duration_statement (e.g. 0, or a threshold in ms) so the server logs 'duration: … ms  statement: …' lines`,
      );
    }
  }
  let workloadText: string | undefined;
  if (values.queries !== undefined) {
    try {
      workloadText = sqlFileText(readFileSync(values.queries));
    } catch (e) {
      throw new CliError(`cannot read --queries ${values.queries}: ${(e as Error).message}`);
    }
  }
  const config = loadConfig(values.config);
  if (values.dir !== undefined && !values['emit-migration']) throw new CliError('--dir is for --emit-migration');
  // Checked before the advisor runs: a bad migrate section or a missing folder is known now.
  const emit = values['emit-migration'] ? emitRequest(config.migrate, values.dir) : undefined;
  if (values['scratch-whatif']) enforceCliPolicy(config, 'scratch-whatif', { database: resolveCliConnection(values.url).database, confirmDatabase: values['confirm-database'] });
  else if (values['confirm-database'] !== undefined || values.audit !== undefined) throw new CliError('--confirm-database and --audit are for --scratch-whatif');
  const session = await openCliSession(values.url, config, timeoutS);
  return withCancellableSession(session, async (signal) => {
    const caps = await session.readOnly((q) => probeCapabilities(q), { signal });
    const progress = (m: string): void => {
      if (process.stderr.isTTY || values.progress) process.stderr.write(`${m}\n`);
    };
    let workloadStatements: AdvisorOptions['workloadStatements'];
    if (logWorkload) {
      progress(`advisor: ${logWorkload.entries} logged executions, ${logWorkload.statements.length} distinct statements (${logWorkload.format})`);
      workloadStatements = { statements: logWorkload.statements, source: 'server log' };
    } else if (sampleS !== undefined) {
      progress(`advisor: sampling pg_stat_activity for ${sampleS} s`);
      const sample = await session.readOnly((q) => sampleActivity(q, sampleS * 1000, 100, signal), { signal });
      progress(`advisor: ${sample.samples} samples, ${sample.seen} active statements seen, ${sample.statements.length} distinct`);
      if (sample.statements.length === 0) throw new CliError(`no active statements seen in pg_stat_activity during ${sampleS} s: sample longer, while the application runs`);
      workloadStatements = { statements: sample.statements, source: 'pg_stat_activity sample' };
    }
    if (workloadText === undefined && !workloadStatements && !caps.extensions.pg_stat_statements.usable) {
      const u = caps.extensions.pg_stat_statements.unavailable;
      throw new CliError(`no workload: pg_stat_statements is not usable (${u?.because ?? 'unknown'}); to enable: ${u?.toEnable ?? ''}. Or pass --queries FILE.`);
    }
    const advisorOpts = {
      ...(workloadText !== undefined ? { workloadText } : {}),
      ...(maxIndexes !== undefined ? { maxIndexes: Math.floor(maxIndexes) } : {}),
      ...(maxSizeMb !== undefined ? { maxSizeBytes: maxSizeMb * 1024 * 1024 } : {}),
      ...(top !== undefined ? { topN: Math.floor(top) } : {}),
      ...(workloadStatements ? { workloadStatements } : {}),
      ...(minCost !== undefined ? { minCost } : {}),
      ...(minSavingsPct !== undefined ? { minSavingsShare: minSavingsPct / 100 } : {}),
      ...(negligiblePct !== undefined ? { negligibleShare: negligiblePct / 100 } : {}),
      ...(includeTables ? { includeTables } : {}),
      ...(excludeTables ? { excludeTables } : {}),
      signal,
      progress,
    };
    // --scratch-whatif is the user's explicit consent: its own writable connection, always rolled back.
    const result = values['scratch-whatif']
      ? await audited(
          new JsonlAuditSink(resolve(values.audit ?? '.pgopt/audit.jsonl')),
          {
            ...auditActor(caps.currentUser),
            host: 'cli',
            connection: redactUrl(`${describeTarget(session.spec)} (${session.spec.source})`),
            action: 'scratch-whatif',
            sql: '-- candidate indexes built inside a transaction that is always rolled back',
          },
          () => runScratchAdvisor(session.spec, { ...advisorOpts, connect: { connectTimeoutMs: timeoutS * 1000 } }),
          () => ({ ok: true }),
        )
      : await withWhatIfLanes(session, whatIfConnections - 1, timeoutS, signal, (runners) =>
          session.readOnly((q) => runAdvisor(q, caps, { ...advisorOpts, ...(runners.length ? { whatIfConnections: runners } : {}) }), { signal }),
        );
    const health = assessIndexHealth(await session.readOnly((q) => fetchIndexHealth(q), { signal }), caps.serverVersionNum);
    const { recommendations, ...workload } = result;
    const out: AdviseOutput = {
      recommendations: recommendations.map((r) => ({ ...r, benefitPercent: Math.round(r.benefitShare * 1000) / 10 })),
      health,
      workload,
    };
    if (emit) {
      if (values.out !== undefined) writeOutput(format === 'json' ? JSON.stringify(out, null, 2) : renderAdviseText(result, health), values.out);
      const paths = emitMigration(emit, recommendations.map((r) => r.action), `pgopt advise on ${redactUrl(describeTarget(session.spec))}`);
      if (format === 'json') process.stdout.write(`${JSON.stringify({ migration: paths }, null, 2)}\n`);
      else if (paths.length) process.stdout.write(`${paths.join('\n')}\n`);
      return EXIT_OK;
    }
    writeOutput(format === 'json' ? JSON.stringify(out, null, 2) : renderAdviseText(result, health), values.out);
    return EXIT_OK;
  });
}

/** `count` extra read-only connections (each its own transaction, rolled back) for the what-if batches; none when 0. */
async function withWhatIfLanes<T>(session: DbSession, count: number, timeoutS: number, signal: AbortSignal, fn: (runners: QueryRunner[]) => Promise<T>): Promise<T> {
  if (count <= 0) return fn([]);
  let lanes: ReadOnlyLanes;
  try {
    lanes = await openReadOnlyLanes(session.spec, count, { connectTimeoutMs: timeoutS * 1000, analysis: session.settings, signal });
  } catch (e) {
    if (e instanceof ConnectError) throw new CliError(`--whatif-connections: ${cliConnectMessage(e)}`);
    throw e;
  }
  try {
    return await fn(lanes.runners);
  } finally {
    await lanes.close();
  }
}

function emitRequest(rawMigrate: unknown, dir: string | undefined): LayoutRequest {
  const { request, problems } = layoutRequestFromConfig(process.cwd(), rawMigrate, dir);
  if (problems.length) throw new CliError(problems.join('\n'));
  if (!findMigrationsDir(request)) throw new CliError(`no migrations folder found (tried ${CONVENTIONAL_MIGRATION_DIRS.join(', ')}): pass --dir, or set "migrate": { "dir": "…" } in pgopt.json`);
  return request;
}

/** Writes the recommended indexes as one new migration; the paths written (none when nothing is recommended). */
function emitMigration(request: LayoutRequest, actions: CreateIndexAction[], source: string): string[] {
  if (actions.length === 0) {
    process.stderr.write('pgopt: no index would pay for itself on this workload: no migration written\n');
    return [];
  }
  try {
    return writeActionsMigration(request, actions, { now: new Date(), source }).paths;
  } catch (e) {
    throw new CliError(`cannot write the migration: ${(e as Error).message}`);
  }
}

