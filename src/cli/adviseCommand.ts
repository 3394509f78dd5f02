// pgopt advise: index recommendations from the workload (pg_stat_statements or --queries FILE), verified
// with HypoPG when installed, plus index health. Read-only: nothing is created; the output is SQL to run.
// --scratch-whatif (explicit consent) verifies with real indexes in a transaction that is always rolled back.
import { readFileSync } from 'node:fs';
import { runAdvisor, type AdvisorResult } from '../core/advisor/advisor';
import { runScratchAdvisor } from '../core/advisor/scratch';
import { assessIndexHealth, fetchIndexHealth, type IndexHealthFinding } from '../core/analyzers/indexes/indexHealth';
import { probeCapabilities } from '../core/db/capabilities';
import { formatBytes, formatCount, formatPercent, truncateSql } from '../core/format';
import { runFleetCommand } from './fleetCommand';
import { FLEET_HELP, hasFleetFlag } from './fleetHelp';
import { CliError, EXIT_OK } from './cliErrors';
import { openCliSession, withCancellableSession } from './cliConnection';
import { connectTimeoutSeconds, loadConfig, parseCommandArgs, parseFormat, writeOutput } from './cliSupport';

const HELP = `pgopt advise — index recommendations from the real workload, and index health (read-only unless --scratch-whatif)

  --url URL            database (else DATABASE_URL / PG* variables / pgpass)
  --format F           text (default) or json
  --max-indexes N      at most N recommendations (default 10)
  --max-size-mb M      total size budget of the recommended indexes, in MB
  --queries FILE       workload file instead of pg_stat_statements: statements separated by ';',
                       each optionally preceded by '-- weight: N' (calls)
  --top N              statements taken from pg_stat_statements, by total time (default 100)
  --scratch-whatif     verify with real indexes built inside a transaction that is always rolled back
                       (instead of HypoPG; also verifies GIN). It writes and locks each table while it
                       runs: only on a scratch copy, or when you accept that
  --out FILE           write to FILE instead of stdout
  --config FILE        pgopt.json (default ./pgopt.json when present)
  --connect-timeout S  seconds to wait for the server (default 10)
${FLEET_HELP}`;

export interface AdviseOutput {
  recommendations: (AdvisorResult['recommendations'][number] & { benefitPercent: number })[];
  health: Omit<IndexHealthFinding, never>[];
  workload: Omit<AdvisorResult, 'recommendations'>;
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
        'scratch-whatif': { type: 'boolean' },
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
  const format = parseFormat(values.format, ['text', 'json'] as const, 'text');
  const maxIndexes = positiveNumber(values['max-indexes'], '--max-indexes');
  const maxSizeMb = positiveNumber(values['max-size-mb'], '--max-size-mb');
  const top = positiveNumber(values.top, '--top');
  const timeoutS = connectTimeoutSeconds(values['connect-timeout']);
  let workloadText: string | undefined;
  if (values.queries !== undefined) {
    try {
      workloadText = readFileSync(values.queries, 'utf8');
    } catch (e) {
      throw new CliError(`cannot read --queries ${values.queries}: ${(e as Error).message}`);
    }
  }
  const config = loadConfig(values.config);
  const session = await openCliSession(values.url, config, timeoutS);
  return withCancellableSession(session, async (signal) => {
    const caps = await session.readOnly((q) => probeCapabilities(q), { signal });
    if (workloadText === undefined && !caps.extensions.pg_stat_statements.usable) {
      const u = caps.extensions.pg_stat_statements.unavailable;
      throw new CliError(`no workload: pg_stat_statements is not usable (${u?.because ?? 'unknown'}); to enable: ${u?.toEnable ?? ''}. Or pass --queries FILE.`);
    }
    const advisorOpts = {
      ...(workloadText !== undefined ? { workloadText } : {}),
      ...(maxIndexes !== undefined ? { maxIndexes: Math.floor(maxIndexes) } : {}),
      ...(maxSizeMb !== undefined ? { maxSizeBytes: maxSizeMb * 1024 * 1024 } : {}),
      ...(top !== undefined ? { topN: Math.floor(top) } : {}),
      signal,
      progress: (m: string) => process.stderr.isTTY && process.stderr.write(`${m}\n`),
    };
    // --scratch-whatif is the user's explicit consent: its own writable connection, always rolled back.
    const result = values['scratch-whatif']
      ? await runScratchAdvisor(session.spec, { ...advisorOpts, connect: { connectTimeoutMs: timeoutS * 1000 } })
      : await session.readOnly((q) => runAdvisor(q, caps, advisorOpts), { signal });
    const health = assessIndexHealth(await session.readOnly((q) => fetchIndexHealth(q), { signal }), caps.serverVersionNum);
    const { recommendations, ...workload } = result;
    const out: AdviseOutput = {
      recommendations: recommendations.map((r) => ({ ...r, benefitPercent: Math.round(r.benefitShare * 1000) / 10 })),
      health,
      workload,
    };
    writeOutput(format === 'json' ? JSON.stringify(out, null, 2) : renderAdviseText(result, health), values.out);
    return EXIT_OK;
  });
}

export function renderAdviseText(r: AdvisorResult, health: IndexHealthFinding[]): string {
  const lines: string[] = [];
  const source = r.source === 'file' ? 'workload file' : `${r.source}${r.statsSince ? ` (pg_stat_statements since ${r.statsSince})` : ''}`;
  lines.push(`== Index recommendations — ${source}`);
  if (r.qualstats) lines.push(`pg_qualstats: ${r.qualstats.predicates} predicates, ${r.qualstats.statementsAdded} statements added to the workload (${r.qualstats.statementsDuplicate} already in pg_stat_statements)`);
  if (r.qualstatsError) lines.push(`pg_qualstats could not be read: ${r.qualstatsError}`);
  lines.push(`${r.statementsAnalyzed} statements planned, ${r.skipped.length} skipped, ${r.candidates} candidates, ${r.explains} EXPLAINs, ${(r.durationMs / 1000).toFixed(1)} s`);
  if (!r.verified) lines.push(`UNVERIFIED (heuristic only): ${r.unverifiedReason ?? ''}`);
  else
    lines.push(
      `Workload cost (calls × planner cost): ${formatCount(Math.round(r.totalCostBefore))} -> ${formatCount(Math.round(r.totalCostAfter))} (−${formatPercent(r.totalCostBefore > 0 ? 1 - r.totalCostAfter / r.totalCostBefore : 0, 1)})`,
    );
  lines.push('');
  if (r.recommendations.length === 0) lines.push('No index would pay for itself on this workload.');
  for (const rec of r.recommendations) {
    lines.push(`[${rec.priority}${rec.verified ? '' : ', unverified'}] ${rec.sql}`);
    lines.push(
      `  ${rec.verified ? `removes ${formatPercent(rec.benefitShare, 1)} of the workload cost, ~${formatBytes(rec.sizeBytes ?? 0)}` : 'not verified'}; write overhead: ${formatCount(Math.round(rec.writeRows))} rows written`,
    );
    if (rec.unverifiedReason) lines.push(`  unverified: ${rec.unverifiedReason}`);
    for (const q of rec.queries.slice(0, 5)) lines.push(`  ${formatCount(q.calls)} calls, cost ${q.before.toFixed(0)} -> ${q.after.toFixed(0)}: ${truncateSql(q.sql, 100)}`);
  }
  if (r.skipped.length) {
    lines.push('', 'Skipped statements:');
    for (const s of r.skipped) lines.push(`  ${truncateSql(s.sql, 80)} — ${s.reason}`);
  }
  lines.push('', '== Index health');
  if (health.length === 0) lines.push('No unused, duplicate, invalid or missing foreign-key indexes.');
  for (const f of health) {
    lines.push(`[${f.severity}] ${f.title}`);
    if (f.sql) lines.push(`  ${f.sql}`);
  }
  return `${lines.join('\n')}\n`;
}
