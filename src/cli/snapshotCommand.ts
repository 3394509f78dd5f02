// pgopt snapshot: take one monitoring snapshot (read-only), optionally add it to a store file, print a
// summary (or JSON). Made for cron/CI: exit 1 when an error-severity alert rule holds, 0 otherwise.
import { alertRulesOf, parseMonitoringSettings } from '../core/config';
import { probeCapabilities } from '../core/db/capabilities';
import { describeTarget } from '../core/db/connectionSpec';
import { evaluateAlerts } from '../core/metrics/alerts';
import { intervalValues } from '../core/metrics/deltas';
import { collectSnapshot } from '../core/metrics/snapshot';
import { summarizeSnapshot } from '../core/metrics/snapshotSummary';
import { alertFindings, verdictExitCode, verdictOf } from '../core/report/verdict';
import { openSqliteSnapshotStore } from '../core/metrics/sqliteSnapshotStore';
import { CustomMetricError, parseCustomMetrics } from '../core/metrics/customMetrics';
import { nodeEnvAccess } from '../core/db/envAccess';
import { HistoryStoreError, openHistoryStore, type HistoryStore } from '../core/metrics/historyStore';
import { isPgStoreUrl } from '../core/metrics/pgSnapshotStore';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runFleetCommand } from './fleetCommand';
import { FLEET_HELP, hasFleetFlag } from './fleetHelp';
import { CliError, EXIT_FINDINGS, EXIT_OK } from './cliErrors';
import { openCliSession, withCancellableSession } from './cliConnection';
import { checkOutPath, loadConfig, parseFormat, writeOutput, parseCommandArgs, connectTimeoutSeconds } from './cliSupport';

const HELP = `pgopt snapshot — take one monitoring snapshot (read-only)

  --url URL          database (else DATABASE_URL / PG* variables / pgpass)
  --store FILE|URL   add the snapshot to this store and show deltas: a local SQLite file (created when
                     missing), or postgres://… for the team's shared store (schema "pgopt", created and
                     upgraded on first use; alert episodes continue across runs there)
  --name NAME        the connection's key in the store (default user@host:port/db)
  --metric N=V[:U]   record a custom metric with the snapshot (repeatable), e.g. --metric p95_ms=120:ms;
                     charted in Trends
  --import FILE      with --store postgres://…: copy the local store FILE into the shared store and stop
                     (idempotent: importing twice adds nothing)
  --format F         text (default) or json
  --out FILE         write the output to FILE instead of stdout
  --config FILE      pgopt.json (default ./pgopt.json when present); uses its "monitoring" section
  --connect-timeout S  seconds to wait for the server (default 10)
${FLEET_HELP}
Verdict: an error-severity alert rule that holds is an error, a warning rule a warning (docs/monitoring.md).
Exit codes: 0 ok or warning, 1 error verdict (an error-severity alert holds), 2 usage/config/connection error.`;

export async function runSnapshot(argv: string[]): Promise<number> {
  if (hasFleetFlag(argv)) return runFleetCommand('snapshot', argv);
  const parsed = parseCommandArgs(
    {
      args: argv,
      options: {
        url: { type: 'string' },
        store: { type: 'string' },
        name: { type: 'string' },
        metric: { type: 'string', multiple: true },
        import: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
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
  const timeoutS = connectTimeoutSeconds(values['connect-timeout']);
  const config = loadConfig(values.config);
  const { settings, problems } = parseMonitoringSettings(config.monitoring, 'pgopt.json monitoring');
  if (problems.length) throw new CliError(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  let custom;
  try {
    custom = parseCustomMetrics(values.metric ?? []);
  } catch (e) {
    if (e instanceof CustomMetricError) throw new CliError(e.message);
    throw e;
  }
  if (values.import !== undefined) return runImport(values.import, values.store, values, format, timeoutS);
  // Open the store before connecting: a bad --store fails fast and leaves the database alone.
  const store = values.store ? await openStoreOrFail(values.store, timeoutS) : undefined;
  try {
    const session = await openCliSession(values.url, config, timeoutS);
    const key = values.name ?? describeTarget(session.spec);
    return await withCancellableSession(session, async (signal) => {
      const caps = await session.readOnly((q) => probeCapabilities(q), { signal });
      const collected = await collectSnapshot(session, { caps, signal, topStatements: settings.topStatements, topRelations: settings.topRelations });
      const snap = custom.length ? { ...collected, custom } : collected;
      const rules = alertRulesOf(settings);
      // The shared store evaluates the rules against its stored episodes (a new run continues an open one).
      const added = await storeCall(store?.add(key, snap, { alertRules: rules }));
      const compaction = await storeCall(store?.compact(settings.retention));
      const interval = added?.interval ?? intervalValues(undefined, snap);
      const alerts = added?.alerts ?? evaluateAlerts(rules, snap.metrics, snap.takenAtMs);
      // Alerts are findings for the verdict (error rule = error, warning rule = warning): the same function
      // judges the report and the status bar.
      const verdict = verdictOf(alertFindings(alerts.active));
      const bytes = added?.bytes ?? Buffer.byteLength(JSON.stringify(snap));
      if (format === 'json') {
        writeOutput(JSON.stringify({ connection: key, snapshot: snap, interval, bytes, verdict: verdict.verdict, alerts: alerts.active, compaction }, null, 2), values.out);
      } else {
        let text = summarizeSnapshot(snap, interval, alerts.active, bytes);
        text += `\nVerdict: ${verdict.verdict}`;
        if (store) text += `\nStore: ${store.label} (${key})`;
        writeOutput(text, values.out);
      }
      return verdictExitCode(verdict.verdict);
    });
  } finally {
    await store?.close();
  }
}

async function openStoreOrFail(location: string, timeoutS: number, create = true): Promise<HistoryStore> {
  try {
    return await openHistoryStore(location, { create, access: nodeEnvAccess(), connectTimeoutMs: timeoutS * 1000 });
  } catch (e) {
    if (e instanceof HistoryStoreError) throw new CliError(e.message);
    throw e;
  }
}

async function storeCall<T>(p: Promise<T> | undefined): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof HistoryStoreError) throw new CliError(e.message);
    throw e;
  }
}

/** pgopt snapshot --store postgres://… --import FILE: copies a local store into the shared one. */
async function runImport(file: string, store: string | undefined, values: { url?: string; name?: string; metric?: string[]; out?: string }, format: 'text' | 'json', timeoutS: number): Promise<number> {
  if (!store || !isPgStoreUrl(store)) throw new CliError('--import copies a local store into a shared one: give --store postgres://…');
  if (values.url !== undefined || values.name !== undefined || values.metric?.length) throw new CliError('--import only copies stored snapshots: it takes no --url, --name or --metric');
  const path = resolve(file);
  if (!existsSync(path)) throw new CliError(`snapshot store ${path} does not exist`);
  let local;
  try {
    local = openSqliteSnapshotStore(path);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  try {
    const shared = await openStoreOrFail(store, timeoutS);
    try {
      const r = await storeCall(shared.importFrom(local));
      if (!r) return EXIT_OK;
      writeOutput(
        format === 'json'
          ? JSON.stringify({ from: path, to: shared.label, ...r }, null, 2)
          : `Imported ${path} into ${shared.label}: ${r.snapshotsAdded} of ${r.snapshotsRead} snapshots added (${r.snapshotsRead - r.snapshotsAdded} already there), ${r.pointsAdded} points, ${r.connections} connection${r.connections === 1 ? '' : 's'}.`,
        values.out,
      );
      return EXIT_OK;
    } finally {
      await shared.close();
    }
  } finally {
    local.close();
  }
}
