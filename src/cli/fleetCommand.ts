// pgopt analyze|snapshot|advise --fleet FILE: the same command against every database of a fleet file,
// concurrently (--concurrency, default 4) with a per-target timeout (--target-timeout, default 120 s).
// The orchestration is core (runFleet, fleetReport); this adapter resolves connections, runs the
// per-database work and writes the output. One target failing never stops the others.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runAdvisor } from '../core/advisor/advisor';
import { assessIndexHealth, fetchIndexHealth } from '../core/analyzers/indexes/indexHealth';
import type { Analyzer } from '../core/analyzers/analyzer';
import { ANALYZERS, selectAnalyzers } from '../core/analyzers/registry';
import { buildReport } from '../core/report/buildReport';
import { alertRulesOf, parseAnalysisSettings, parseMonitoringSettings, type PgoptFile } from '../core/config';
import { probeCapabilities } from '../core/db/capabilities';
import { ConnectError } from '../core/db/connect';
import { ConnectionConfigError, resolveConnection, type ConnectionSpec } from '../core/db/connectionSpec';
import { nodeEnvAccess } from '../core/db/envAccess';
import { DbSession } from '../core/db/session';
import { parseFleetFile, type FleetTarget } from '../core/fleet/fleetFile';
import { buildFleetResult, fleetExitCode, fleetJson, rankFleet, renderFleetHtml, renderFleetText, reportDigest, type FleetDigest } from '../core/fleet/fleetReport';
import { runFleet, type FleetOutcome } from '../core/fleet/runFleet';
import { alertsVerdict, reportVerdict, worstVerdict, type Verdict } from '../core/fleet/verdict';
import { formatBytes, truncateSql } from '../core/format';
import { evaluateAlerts, type ActiveAlert } from '../core/metrics/alerts';
import { intervalValues } from '../core/metrics/deltas';
import { collectSnapshot, type Snapshot } from '../core/metrics/snapshot';
import { openHistoryStore, type HistoryStore } from '../core/metrics/historyStore';
import { summarizeSnapshot } from '../core/metrics/snapshotSummary';
import { renderReportText } from '../core/report/renderText';
import type { Report } from '../core/report/model';
import { renderAdviseText, type AdviseOutput } from './adviseText';
import { cliConnectMessage } from './cliConnection';
import { CliError, EXIT_OK } from './cliErrors';
import { DEFAULT_CONCURRENCY, DEFAULT_TARGET_TIMEOUT_S, FLEET_HELP } from './fleetHelp';
import { connectTimeoutSeconds, loadConfig, parseCommandArgs, parseFormat, writeOutput } from './cliSupport';

export type FleetCommand = 'analyze' | 'snapshot' | 'advise';

const FLEET_EXITS = 'With --fleet: exit 0 when no database has an error verdict, 1 when one has (an unreachable database counts), 2 when none could be reached.';

const HELP: Record<FleetCommand, string> = {
  analyze: `pgopt analyze --fleet FILE — analyze every database of a fleet

${FLEET_HELP}
  --format F         text (default), json or html (one file, a section per database)
  --sections a,b     only these sections: ${ANALYZERS.map((a) => a.id).join(', ')}
  --out FILE         write to FILE instead of stdout
  --config FILE      pgopt.json (default ./pgopt.json when present)
  --connect-timeout S  seconds to wait for each server (default 10)
${FLEET_EXITS}`,
  snapshot: `pgopt snapshot --fleet FILE — snapshot every database of a fleet

${FLEET_HELP}
  --store FILE|URL   add each snapshot to this store, keyed by the target's name: a local SQLite file
                     (created when missing) or postgres://… for the team's shared store (see pgopt snapshot --help)
  --format F         text (default) or json
  --out FILE         write to FILE instead of stdout
  --config FILE      pgopt.json (default ./pgopt.json when present); uses its "monitoring" section
  --connect-timeout S  seconds to wait for each server (default 10)
${FLEET_EXITS}`,
  advise: `pgopt advise --fleet FILE — index recommendations for every database of a fleet (read-only)

${FLEET_HELP}
  --format F         text (default) or json
  --max-indexes N    at most N recommendations per database (default 10)
  --max-size-mb M    size budget of the recommended indexes per database, in MB
  --top N            statements taken from pg_stat_statements, by total time (default 100)
  --out FILE         write to FILE instead of stdout
  --config FILE      pgopt.json (default ./pgopt.json when present)
  --connect-timeout S  seconds to wait for each server (default 10)
${FLEET_EXITS}`,
};

function positive(v: string | undefined, flag: string, fallback: number, integer: boolean): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new CliError(`${flag} must be a positive ${integer ? 'whole number' : 'number'}, not ${JSON.stringify(v)}`);
  return n;
}

export function loadFleet(path: string): FleetTarget[] {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? `fleet file ${file} does not exist` : `cannot read fleet file ${file}: ${(e as Error).message}`);
  }
  const { targets, problems } = parseFleetFile(text, file);
  if (problems.length) throw new CliError(`invalid fleet file:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  return targets;
}

/** Resolves every target up front: a bad URL or unknown service is a usage error before anything connects. */
function resolveTargets(targets: readonly FleetTarget[], file: string): ConnectionSpec[] {
  const access = nodeEnvAccess();
  const problems: string[] = [];
  const specs = targets.map((t) => {
    try {
      return resolveConnection({ name: t.name, ...(t.url ? { url: t.url } : {}), ...(t.service ? { service: t.service } : {}) }, access, `fleet file ${file}`);
    } catch (e) {
      if (e instanceof ConnectionConfigError) {
        problems.push(`  ${t.name}: ${e.message}`);
        return undefined;
      }
      throw e;
    }
  });
  if (problems.length) throw new CliError(`invalid fleet file ${file}:\n${problems.join('\n')}`);
  return specs as ConnectionSpec[];
}

async function withTargetSession<T>(spec: ConnectionSpec, config: PgoptFile, connectTimeoutMs: number, fn: (s: DbSession) => Promise<T>): Promise<T> {
  const { settings } = parseAnalysisSettings(config.analysis);
  let session: DbSession;
  try {
    session = await DbSession.open(spec, { connectTimeoutMs, analysis: settings });
  } catch (e) {
    if (e instanceof ConnectError) throw new Error(cliConnectMessage(e));
    throw e;
  }
  try {
    return await fn(session);
  } finally {
    await session.close();
  }
}

interface SnapshotEntry {
  snapshot: Snapshot;
  interval: ReturnType<typeof intervalValues>;
  bytes: number;
  alerts: ActiveAlert[];
}

/** Options that name or compare one database: refused in fleet mode with one sentence. */
const SINGLE_DATABASE_OPTIONS = ['--url', '--name', '--since', '--baseline', '--queries', '--scratch-whatif', '--pooler-url'];

/** `pgopt analyze|snapshot|advise --fleet FILE ...`. */
export async function runFleetCommand(command: FleetCommand, argv: string[]): Promise<number> {
  const single = SINGLE_DATABASE_OPTIONS.find((o) => argv.some((a) => a === o || a.startsWith(`${o}=`)));
  if (single) throw new CliError(`${single} cannot be combined with --fleet: the databases come from the fleet file (see pgopt ${command} --fleet FILE --help)`);
  const parsed = parseCommandArgs(
    {
      args: argv,
      options: {
        fleet: { type: 'string' },
        concurrency: { type: 'string' },
        'target-timeout': { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        config: { type: 'string' },
        'connect-timeout': { type: 'string' },
        ...(command === 'analyze' ? { sections: { type: 'string' } } : {}),
        ...(command === 'snapshot' ? { store: { type: 'string' } } : {}),
        ...(command === 'advise' ? { 'max-indexes': { type: 'string' }, 'max-size-mb': { type: 'string' }, top: { type: 'string' } } : {}),
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    },
    HELP[command],
  );
  if (!parsed) return EXIT_OK;
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const fleetFile = str('fleet');
  if (!fleetFile) throw new CliError('--fleet needs a file: --fleet fleet.json');
  const format = parseFormat(str('format'), command === 'analyze' ? (['text', 'json', 'html'] as const) : (['text', 'json'] as const), 'text');
  const concurrency = positive(str('concurrency'), '--concurrency', DEFAULT_CONCURRENCY, true);
  const targetTimeoutS = positive(str('target-timeout'), '--target-timeout', DEFAULT_TARGET_TIMEOUT_S, false);
  const connectTimeoutS = connectTimeoutSeconds(str('connect-timeout'));
  // A connect attempt barely outlives its target's budget (the per-target timeout fires first), so an
  // abandoned attempt cannot hold the process open long after the result is written.
  const connectTimeoutMs = Math.min(connectTimeoutS, targetTimeoutS + 1) * 1000;
  const config = loadConfig(str('config'));
  const analysisProblems = parseAnalysisSettings(config.analysis, 'pgopt.json analysis').problems;
  if (analysisProblems.length) throw new CliError(analysisProblems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  const targets = loadFleet(fleetFile);
  const specs = resolveTargets(targets, resolve(fleetFile));

  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  let done = 0;
  const runOpts = {
    concurrency,
    timeoutMs: targetTimeoutS * 1000,
    signal: controller.signal,
    onFinish: (i: number, o: FleetOutcome<unknown>) => {
      done++;
      if (process.stderr.isTTY) process.stderr.write(`pgopt: [${done}/${targets.length}] ${targets[i]?.name ?? ''} ${o.ok ? 'done' : `failed: ${o.error}`} (${(o.durationMs / 1000).toFixed(1)} s)\n`);
    },
  };
  const started = performance.now();
  const meta = (): { concurrency: number; targetTimeoutS: number; durationMs: number } => ({ concurrency, targetTimeoutS, durationMs: Math.round(performance.now() - started) });
  try {
    if (command === 'analyze') {
      const ids = str('sections')?.split(',').map((s) => s.trim()).filter(Boolean);
      const { analyzers, unknown, needSnapshots } = selectAnalyzers(ids);
      if (unknown.length) throw new CliError(`unknown section(s): ${unknown.join(', ')}; known: ${ANALYZERS.map((a) => a.id).join(', ')}`);
      if (needSnapshots.length) throw new CliError(`section(s) ${needSnapshots.join(', ')} read stored snapshots, which --fleet does not take`);
      const outcomes = await runFleet(
        specs,
        (spec, signal) => withTargetSession(spec, config, connectTimeoutMs, (session) => buildReportFor(session, analyzers, config, signal)),
        runOpts,
      );
      const result = buildFleetResult<Report>('analyze', targets, outcomes, reportVerdict, meta());
      const rows = rankFleet(result, (r) => reportDigest(r, reportVerdict(r)));
      writeOutput(format === 'json' ? fleetJson(result) : format === 'html' ? renderFleetHtml(result, rows) : renderFleetText(result, rows, renderReportText), str('out'));
      return fleetExitCode(result);
    }
    if (command === 'snapshot') {
      const { settings, problems } = parseMonitoringSettings(config.monitoring, 'pgopt.json monitoring');
      if (problems.length) throw new CliError(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
      const storeFile = str('store');
      let store: HistoryStore | undefined;
      if (storeFile) {
        try {
          store = await openHistoryStore(storeFile, { create: true, access: nodeEnvAccess(), connectTimeoutMs });
        } catch (e) {
          throw new CliError((e as Error).message);
        }
      }
      try {
        const outcomes = await runFleet(
          specs,
          (spec, signal) =>
            withTargetSession(spec, config, connectTimeoutMs, async (session): Promise<SnapshotEntry> => {
              const caps = await session.readOnly((q) => probeCapabilities(q), { signal });
              const snapshot = await collectSnapshot(session, { caps, signal, topStatements: settings.topStatements, topRelations: settings.topRelations });
              if (signal.aborted) throw new Error('timed out before the snapshot was stored');
              const rules = alertRulesOf(settings);
              const added = await store?.add(spec.name, snapshot, { alertRules: rules });
              const alerts = (added?.alerts ?? evaluateAlerts(rules, snapshot.metrics, snapshot.takenAtMs)).active;
              return { snapshot, interval: added?.interval ?? intervalValues(undefined, snapshot), bytes: added?.bytes ?? Buffer.byteLength(JSON.stringify(snapshot)), alerts };
            }),
          runOpts,
        );
        await store?.compact(settings.retention).catch((e: unknown) => {
          throw new CliError((e as Error).message);
        });
        const result = buildFleetResult<SnapshotEntry>('snapshot', targets, outcomes, (e) => alertsVerdict(e.alerts), meta());
        const rows = rankFleet(result, snapshotDigest);
        let text = format === 'json' ? fleetJson(result) : renderFleetText(result, rows, (e) => summarizeSnapshot(e.snapshot, e.interval, e.alerts, e.bytes));
        if (format === 'text' && store) text += `\nStore: ${store.label} (each database under its fleet name)\n`;
        writeOutput(text, str('out'));
        return fleetExitCode(result);
      } finally {
        await store?.close();
      }
    }
    const maxIndexes = str('max-indexes') === undefined ? undefined : positive(str('max-indexes'), '--max-indexes', 10, true);
    const maxSizeMb = str('max-size-mb') === undefined ? undefined : positive(str('max-size-mb'), '--max-size-mb', 1, false);
    const top = str('top') === undefined ? undefined : positive(str('top'), '--top', 100, true);
    const outcomes = await runFleet(
      specs,
      (spec, signal) =>
        withTargetSession(spec, config, connectTimeoutMs, async (session): Promise<AdviseOutput> => {
          const caps = await session.readOnly((q) => probeCapabilities(q), { signal });
          if (!caps.extensions.pg_stat_statements.usable) {
            const u = caps.extensions.pg_stat_statements.unavailable;
            throw new Error(`no workload: pg_stat_statements is not usable (${u?.because ?? 'unknown'}); to enable: ${u?.toEnable ?? ''}`);
          }
          const advice = await session.readOnly(
            (q) =>
              runAdvisor(q, caps, {
                ...(maxIndexes !== undefined ? { maxIndexes } : {}),
                ...(maxSizeMb !== undefined ? { maxSizeBytes: maxSizeMb * 1024 * 1024 } : {}),
                ...(top !== undefined ? { topN: top } : {}),
                signal,
              }),
            { signal },
          );
          const health = assessIndexHealth(await session.readOnly((q) => fetchIndexHealth(q), { signal }), caps.serverVersionNum);
          const { recommendations, ...workload } = advice;
          return { recommendations: recommendations.map((r) => ({ ...r, benefitPercent: Math.round(r.benefitShare * 1000) / 10 })), health, workload };
        }),
      runOpts,
    );
    const result = buildFleetResult<AdviseOutput>('advise', targets, outcomes, adviseVerdict, meta());
    const rows = rankFleet(result, adviseDigest);
    writeOutput(
      format === 'json' ? fleetJson(result) : renderFleetText(result, rows, (o) => renderAdviseText({ ...o.workload, recommendations: o.recommendations }, o.health)),
      str('out'),
    );
    return fleetExitCode(result);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

function buildReportFor(session: DbSession, analyzers: readonly Analyzer[], config: PgoptFile, signal: AbortSignal): Promise<Report> {
  return buildReport(session, { analyzers, config, signal });
}

function snapshotDigest(e: SnapshotEntry): FleetDigest {
  const verdict = alertsVerdict(e.alerts);
  const size = e.snapshot.metrics.db_size_bytes;
  const top = [...(e.snapshot.statements ?? [])].sort((a, b) => b.totalMs / Math.max(1, b.calls) - a.totalMs / Math.max(1, a.calls))[0];
  return {
    verdict,
    errors: e.alerts.filter((a) => a.rule.severity === 'error').length,
    warnings: e.alerts.filter((a) => a.rule.severity === 'warning').length,
    problems: e.alerts.map((a) => `[${a.rule.severity}] ${a.message}`).slice(0, 3),
    sizeBytes: typeof size === 'number' ? size : null,
    slowest: top ? `${(top.totalMs / Math.max(1, top.calls)).toFixed(1)} ms mean: ${truncateSql(top.query, 60)}` : null,
  };
}

function adviseVerdict(o: AdviseOutput): Verdict {
  return worstVerdict([
    ...o.health.map((h): Verdict => (h.severity === 'error' ? 'error' : h.severity === 'warning' ? 'warning' : 'ok')),
    o.recommendations.length ? 'warning' : 'ok',
  ]);
}

function adviseDigest(o: AdviseOutput): FleetDigest {
  return {
    verdict: adviseVerdict(o),
    errors: o.health.filter((h) => h.severity === 'error').length,
    warnings: o.recommendations.length + o.health.filter((h) => h.severity === 'warning').length,
    problems: [
      ...o.recommendations.slice(0, 2).map((r) => `[recommend] ${r.sql}`),
      ...o.health.filter((h) => h.severity !== 'info').slice(0, 2).map((h) => `[${h.severity}] ${h.title}`),
    ].slice(0, 3),
    sizeBytes: null,
    slowest: o.recommendations[0] ? `−${o.recommendations[0].benefitPercent} % workload cost, ~${formatBytes(o.recommendations[0].sizeBytes ?? 0)}` : null,
  };
}
