// pgopt snapshot: take one monitoring snapshot (read-only), optionally add it to a store file, print a
// summary (or JSON). Made for cron/CI: exit 1 when an error-severity alert rule holds, 0 otherwise.
import { resolve } from 'node:path';
import { alertRulesOf, parseMonitoringSettings } from '../core/config';
import { probeCapabilities } from '../core/db/capabilities';
import { describeTarget } from '../core/db/connectionSpec';
import { evaluateAlerts } from '../core/metrics/alerts';
import { intervalValues } from '../core/metrics/deltas';
import { collectSnapshot } from '../core/metrics/snapshot';
import { summarizeSnapshot } from '../core/metrics/snapshotSummary';
import { alertFindings, verdictExitCode, verdictOf } from '../core/report/verdict';
import { openSqliteSnapshotStore } from '../core/metrics/sqliteSnapshotStore';
import { runFleetCommand } from './fleetCommand';
import { FLEET_HELP, hasFleetFlag } from './fleetHelp';
import { CliError, EXIT_FINDINGS, EXIT_OK } from './cliErrors';
import { openCliSession, withCancellableSession } from './cliConnection';
import { checkOutPath, loadConfig, parseFormat, writeOutput, parseCommandArgs, connectTimeoutSeconds } from './cliSupport';

const HELP = `pgopt snapshot — take one monitoring snapshot (read-only)

  --url URL          database (else DATABASE_URL / PG* variables / pgpass)
  --store FILE       add the snapshot to this store file (SQLite; created when missing) and show deltas
  --name NAME        the connection's key in the store (default user@host:port/db)
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
  // Open the store before connecting: a bad --store path fails fast and leaves the database alone.
  const store = values.store ? openStoreOrFail(resolve(values.store)) : undefined;
  try {
    const session = await openCliSession(values.url, config, timeoutS);
    const key = values.name ?? describeTarget(session.spec);
    return await withCancellableSession(session, async (signal) => {
      const caps = await session.readOnly((q) => probeCapabilities(q), { signal });
      const snap = await collectSnapshot(session, { caps, signal, topStatements: settings.topStatements, topRelations: settings.topRelations });
      const added = store?.add(key, snap);
      const compaction = store?.compact(settings.retention);
      const interval = added?.interval ?? intervalValues(undefined, snap);
      const alerts = evaluateAlerts(alertRulesOf(settings), snap.metrics, snap.takenAtMs);
      // Alerts are findings for the verdict (error rule = error, warning rule = warning): the same function
      // judges the report and the status bar.
      const verdict = verdictOf(alertFindings(alerts.active));
      const bytes = added?.bytes ?? Buffer.byteLength(JSON.stringify(snap));
      if (format === 'json') {
        writeOutput(JSON.stringify({ connection: key, snapshot: snap, interval, bytes, verdict: verdict.verdict, alerts: alerts.active, compaction }, null, 2), values.out);
      } else {
        let text = summarizeSnapshot(snap, interval, alerts.active, bytes);
        text += `\nVerdict: ${verdict.verdict}`;
        if (values.store) text += `\nStore: ${resolve(values.store)} (${key})`;
        writeOutput(text, values.out);
      }
      return verdictExitCode(verdict.verdict);
    });
  } finally {
    store?.close();
  }
}

function openStoreOrFail(file: string): ReturnType<typeof openSqliteSnapshotStore> {
  try {
    return openSqliteSnapshotStore(file);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
}
