// pgopt analyze: run the analyzers against a database and print or write the report.
import { selectAnalyzers, REPORT_ANALYZERS } from '../core/analyzers/registry';
import { runReport, storedHistory } from '../core/report/runReport';
import { verdictExitCode } from '../core/report/verdict';
import { renderReportHtml } from '../core/report/renderHtml';
import { renderReportMarkdown } from '../core/report/renderMarkdown';
import { renderReportText } from '../core/report/renderText';
import { describeTarget } from '../core/db/connectionSpec';
import { openHistoryView } from './storeOption';
import { DEFAULT_SINCE_HOURS } from '../core/metrics/queryDeltasSection';
import { buildTableReport, parseTableArg, TableNotFoundError, type TableRef } from '../core/analyzers/table/tableReport';
import { proposedRules, RulesFileError, ruleSummary, writeRulesToPgoptFile } from '../core/analyzers/integrity/rulesFile';
import type { Report } from '../core/report/model';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runFleetCommand } from './fleetCommand';
import { FLEET_HELP, hasFleetFlag } from './fleetHelp';
import { CliError, EXIT_FINDINGS, EXIT_OK } from './cliErrors';
import { openCliSession, withCancellableSession } from './cliConnection';
import { stderrProgress } from './progress';
import { checkOutPath, loadConfig, parseFormat, writeOutput, parseCommandArgs, connectTimeoutSeconds } from './cliSupport';

const HELP = `pgopt analyze — run analyzers (read-only) and report

  --url URL          database (else DATABASE_URL / PG* variables / pgpass)
  --format F         text (default), json, html or markdown
  --store FILE|URL   add a Trends section from this snapshot store: a local file or the shared
                     postgres://… store (see pgopt snapshot)
  --name NAME        the connection's key in the store (default user@host:port/db)
  --since HOURS      with --store: "What got slower" compares the newest snapshot with the oldest of
                     the last HOURS (default ${DEFAULT_SINCE_HOURS})
  --baseline TIME    with --store: compare with the first snapshot at or after TIME (ISO 8601, e.g.
                     2026-11-28T08:00Z) instead
  --out FILE         write the report to FILE instead of stdout
  --table S.NAME     one page about this table (schema.name; "quoted" parts keep dots and case):
                     size and growth, scans, HOT updates, vacuum, bloat, indexes, the statements that
                     touch it, index advice for them, its constraints and integrity (docs/table-page.md)
  --sections a,b     only these sections: ${REPORT_ANALYZERS.map((a) => a.id).join(', ')}
                     (trends and query-deltas need --store, which adds both unless --sections names one)
  --config FILE      pgopt.json (default ./pgopt.json when present)
  --write-rules      add the column rules the integrity section inferred (findings labelled Inferred) to
                     pgopt.json "integrity.rules" (--config FILE, else ./pgopt.json, created when missing);
                     the rest of the file is kept, the write is atomic, each added rule is listed on stderr
  --pooler-url URL   PgBouncer admin console (postgres://USER@HOST:6432/pgbouncer) for the pooler section
                     (overrides pgopt.json "pooler.url")
  --connect-timeout S  seconds to wait for the server (default 10)
  --quiet, -q        no progress lines on stderr (they appear only when stderr is a terminal)
${FLEET_HELP}`;

export async function runAnalyze(argv: string[]): Promise<number> {
  if (hasFleetFlag(argv)) return runFleetCommand('analyze', argv);
  const parsed = parseCommandArgs(
    {
      args: argv,
      options: {
        url: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        sections: { type: 'string' },
        table: { type: 'string' },
        store: { type: 'string' },
        name: { type: 'string' },
        since: { type: 'string' },
        baseline: { type: 'string' },
        config: { type: 'string' },
        'write-rules': { type: 'boolean' },
        'pooler-url': { type: 'string' },
        'connect-timeout': { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    },
    HELP,
  );
  if (!parsed) return EXIT_OK;
  const { values } = parsed;
  checkOutPath(values.out);
  const format = parseFormat(values.format, ['text', 'json', 'html', 'markdown'] as const, 'text');
  const ids = values.sections?.split(',').map((s) => s.trim()).filter(Boolean);
  const { analyzers, unknown, needSnapshots } = selectAnalyzers(ids, { snapshots: values.store !== undefined });
  if (unknown.length) throw new CliError(`unknown section(s): ${unknown.join(', ')}; known: ${REPORT_ANALYZERS.map((a) => a.id).join(', ')}`);
  if (needSnapshots.length) throw new CliError(`section(s) ${needSnapshots.join(', ')} read stored snapshots: give --store FILE`);
  const timeoutS = connectTimeoutSeconds(values['connect-timeout']);
  const sinceHours = values.since === undefined ? undefined : Number(values.since);
  if (sinceHours !== undefined && (!Number.isFinite(sinceHours) || sinceHours <= 0)) throw new CliError('--since must be a positive number of hours');
  const baselineMs = values.baseline === undefined ? undefined : Date.parse(values.baseline);
  if (baselineMs !== undefined && !Number.isFinite(baselineMs)) throw new CliError(`--baseline must be an ISO 8601 time such as 2026-11-28T08:00Z, not ${JSON.stringify(values.baseline)}`);
  if ((sinceHours !== undefined || baselineMs !== undefined) && !values.store) throw new CliError('--since and --baseline compare stored snapshots: give --store FILE');
  if (sinceHours !== undefined && baselineMs !== undefined) throw new CliError('give either --since or --baseline, not both');
  let table: TableRef | undefined;
  if (values.table !== undefined) {
    table = parseTableArg(values.table);
    if (!table) throw new CliError(`--table must be schema.name (or name for the public schema), not ${JSON.stringify(values.table)}`);
    if (values.sections) throw new CliError('--table builds its own sections: give either --table or --sections');
    if (sinceHours !== undefined || baselineMs !== undefined) throw new CliError('--since and --baseline compare the whole workload: they do not apply to --table');
  }
  const loaded = loadConfig(values.config);
  const poolerUrl = values['pooler-url'];
  if (poolerUrl !== undefined && !/^postgres(ql)?:\/\//.test(poolerUrl)) throw new CliError('--pooler-url must be a postgres:// URL of the PgBouncer admin console, e.g. postgres://pgbouncer@127.0.0.1:6432/pgbouncer');
  const config = poolerUrl !== undefined ? { ...loaded, pooler: { ...((loaded.pooler as object | undefined) ?? {}), url: poolerUrl } } : loaded;
  const session = await openCliSession(values.url, config, timeoutS);
  const progress = stderrProgress(values.quiet);
  return withCancellableSession(session, async (signal) => {
    // A local file or the shared store (postgres://…); reading never creates one, and the shared store
    // is read in one consistent view.
    const key = values.name ?? describeTarget(session.spec);
    const history = values.store ? await openHistoryView(values.store, key, timeoutS, { sinceHours, atMs: baselineMs }) : undefined;
    const store = history?.view;
    let report;
    try {
      const snapshots = store ? { store, connection: key, sinceHours, atMs: baselineMs } : undefined;
      if (table) {
        try {
          report = await buildTableReport(session, {
            table,
            config,
            signal,
            ...(progress ? { onProgress: progress } : {}),
            ...(snapshots ? { history: storedHistory(snapshots) } : {}),
          });
        } catch (e) {
          if (e instanceof TableNotFoundError) throw new CliError(e.message);
          throw e;
        }
      } else report = await runReport(session, { analyzers, config, signal, ...(progress ? { onProgress: progress } : {}), ...(snapshots ? { snapshots } : {}) });
    } finally {
      await history?.close();
    }
    const text =
      format === 'json'
        ? JSON.stringify(report, null, 2)
        : format === 'html'
          ? renderReportHtml(report)
          : format === 'markdown'
            ? renderReportMarkdown(report)
            : renderReportText(report);
    writeOutput(text, values.out);
    if (values['write-rules']) writeInferredRules(report, values.config);
    // The report's verdict (the same one its badge shows) decides: 1 on error, else 0.
    return verdictExitCode(report.summary.status);
  });
}

/** --write-rules: the inferred rules of the report into pgopt.json, and a line per rule on stderr. */
function writeInferredRules(report: Pick<Report, 'sections'>, config: string | undefined): void {
  const file = resolve(config ?? 'pgopt.json');
  const rules = proposedRules(report);
  if (!rules.length) {
    process.stderr.write(`pgopt: no inferred rule to add to ${file}\n`);
    return;
  }
  let r;
  try {
    r = writeRulesToPgoptFile(file, rules);
  } catch (e) {
    if (e instanceof RulesFileError) throw new CliError(e.message);
    throw e;
  }
  const lines = r.added.map((x) => `  + ${ruleSummary(x)}`);
  process.stderr.write(
    `pgopt: ${r.added.length ? `${r.created ? 'created' : 'updated'} ${file}: added ${r.added.length} inferred rule${r.added.length === 1 ? '' : 's'} to integrity.rules` : `${file} already has every inferred rule`}${r.present.length && r.added.length ? ` (${r.present.length} already there)` : ''}\n${lines.length ? `${lines.join('\n')}\n` : ''}`,
  );
}
