// Database tools for AI agents, shared by the MCP server (`pgopt mcp`) and the VS Code language-model tools.
// Every tool is read-only: database work runs in the analysis session's READ ONLY transactions (always rolled
// back, with statement/lock timeouts); explain is the estimated plan only (never ANALYZE); index advice uses
// HypoPG's hypothetical indexes. A tool returns plain text for the model, or throws an Error whose message is
// one sentence the model (and the user) can act on.
import { z } from 'zod';
import { runAdvisor, type AdvisorResult } from './advisor/advisor';
import { healthAnalyzer } from './analyzers/health/healthAnalyzer';
import { assessIndexHealth, fetchIndexHealth } from './analyzers/indexes/indexHealth';
import { queriesAnalyzer } from './analyzers/queries/queriesAnalyzer';
import { ANALYZERS } from './analyzers/registry';
import { parseLintSettings, type PgoptFile } from './config';
import { probeCapabilities } from './db/capabilities';
import type { DbSession } from './db/session';
import { explainStatement } from './explain/explain';
import { planToText } from './explain/planAnalysis';
import { formatBytes, formatCount, formatPercent, truncateSql } from './format';
import { toLintOptions } from './lint/lintConfig';
import { lintText, loadParser } from './lint/linter';
import { buildReport } from './report/buildReport';
import { renderReportText, renderSectionText } from './report/renderText';
import { listColumns, listConstraints, listIndexes } from './schema/catalog';

export interface AgentToolContext {
  /** The connection to use; throws a clear Error when there is none (e.g. "no database given: …"). */
  session(): Promise<DbSession>;
  /** pgopt.json of the workspace / --config (lint settings, analyzer thresholds). */
  config: PgoptFile;
  signal?: AbortSignal;
}

export interface AgentTool<S extends z.ZodObject = z.ZodObject> {
  /** Tool name (MCP tool name; the VS Code tool is `pgopt_<name>`). */
  name: string;
  title: string;
  description: string;
  /** Whether it runs queries against the database (hosts confirm these where they can). */
  usesDatabase: boolean;
  input: S;
  run(input: z.infer<S>, ctx: AgentToolContext): Promise<string>;
}

function tool<S extends z.ZodObject>(t: AgentTool<S>): AgentTool<S> {
  return t;
}

const MAX_SQL = 200_000;

async function sectionText(ctx: AgentToolContext, analyzer: (typeof ANALYZERS)[number], config: PgoptFile): Promise<string> {
  const session = await ctx.session();
  const report = await buildReport(session, { analyzers: [analyzer], config, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  const section = report.sections[0];
  if (!section) throw new Error(`the ${analyzer.title} analyzer returned nothing`);
  if (section.error) throw new Error(`the ${analyzer.title} analyzer failed: ${section.error}`);
  return `${report.title} (PostgreSQL ${report.connection.serverVersion})\n${renderSectionText(section, { details: true })}`;
}

export const healthTool = tool({
  name: 'health',
  title: 'Database health',
  description:
    'Health check of the connected PostgreSQL database: version, uptime, size, cache hit ratios, connections, transaction ID wraparound headroom, sequences near exhaustion, invalid indexes, NOT VALID constraints. Read-only.',
  usesDatabase: true,
  input: z.object({}),
  run: (_input, ctx) => sectionText(ctx, healthAnalyzer, ctx.config),
});

export const slowQueriesTool = tool({
  name: 'slow_queries',
  title: 'Slow queries',
  description:
    'The statements of the connected database that take the most total time (pg_stat_statements): calls, mean/total time, rows, cache hits, temp spills; slow ones are findings with the statement text. Read-only.',
  usesDatabase: true,
  input: z.object({ limit: z.number().int().min(1).max(100).optional().describe('How many statements to list (default 10).') }),
  run: (input, ctx) => {
    const queries = { ...((ctx.config.queries as Record<string, unknown> | undefined) ?? {}), limit: input.limit ?? 10 };
    return sectionText(ctx, queriesAnalyzer, { ...ctx.config, queries });
  },
});

function renderAdvice(r: AdvisorResult): string {
  const lines: string[] = [];
  lines.push(`Index advice from ${r.source === 'file' ? 'the given query' : r.source}: ${r.statementsAnalyzed} statement(s) planned, ${r.candidates} candidate index(es).`);
  if (!r.verified) lines.push(`Not verified with hypothetical indexes: ${r.unverifiedReason ?? 'HypoPG is not available'}.`);
  else if (r.totalCostBefore > 0) lines.push(`Planner cost: ${formatCount(Math.round(r.totalCostBefore))} -> ${formatCount(Math.round(r.totalCostAfter))} (−${formatPercent(1 - r.totalCostAfter / r.totalCostBefore, 1)}).`);
  if (r.recommendations.length === 0) lines.push('No index would pay for itself.');
  for (const rec of r.recommendations) {
    lines.push(`- [${rec.priority}${rec.verified ? '' : ', unverified'}] ${rec.sql}`);
    if (rec.verified) lines.push(`  removes ${formatPercent(rec.benefitShare, 1)} of the cost, about ${formatBytes(rec.sizeBytes ?? 0)}`);
    if (rec.unverifiedReason) lines.push(`  unverified: ${rec.unverifiedReason}`);
    for (const q of rec.queries.slice(0, 3)) lines.push(`  cost ${q.before.toFixed(0)} -> ${q.after.toFixed(0)}: ${truncateSql(q.sql, 120)}`);
  }
  for (const s of r.skipped.slice(0, 10)) lines.push(`Skipped: ${truncateSql(s.sql, 80)} — ${s.reason}`);
  lines.push('These are suggestions only: nothing was created. Build an index with CREATE INDEX CONCURRENTLY in a migration.');
  return lines.join('\n');
}

export const indexAdviceTool = tool({
  name: 'index_advice',
  title: 'Index advice',
  description:
    'Index recommendations for one SQL query, or (without a query) for the workload recorded in pg_stat_statements, verified with HypoPG hypothetical indexes (nothing is created). Read-only.',
  usesDatabase: true,
  input: z.object({
    query: z.string().min(1).max(MAX_SQL).optional().describe('A SELECT/UPDATE/DELETE statement; omit to advise on the recorded workload.'),
    maxIndexes: z.number().int().min(1).max(20).optional().describe('At most this many recommendations (default 5).'),
  }),
  run: async (input, ctx) => {
    const session = await ctx.session();
    const signal = ctx.signal;
    const caps = await session.readOnly((q) => probeCapabilities(q), signal ? { signal } : {});
    if (input.query === undefined && !caps.extensions.pg_stat_statements.usable) {
      const u = caps.extensions.pg_stat_statements.unavailable;
      throw new Error(`there is no recorded workload: pg_stat_statements is not usable (${u?.because ?? 'unknown'}); pass a query instead`);
    }
    const result = await session.readOnly(
      (q) => runAdvisor(q, caps, { ...(input.query !== undefined ? { workloadText: input.query } : {}), maxIndexes: input.maxIndexes ?? 5, ...(signal ? { signal } : {}) }),
      signal ? { signal } : {},
    );
    if (input.query !== undefined) return renderAdvice(result);
    const health = assessIndexHealth(await session.readOnly((q) => fetchIndexHealth(q), signal ? { signal } : {}), caps.serverVersionNum);
    return `${renderAdvice(result)}\n\nIndex health:\n${health.length ? health.map((f) => `- [${f.severity}] ${f.title}${f.sql ? `\n  ${f.sql}` : ''}`).join('\n') : 'No unused, duplicate, invalid or missing foreign-key indexes.'}`;
  },
});

export const explainTool = tool({
  name: 'explain',
  title: 'Explain a query (estimated plan)',
  description:
    'The estimated execution plan of one SQL statement (EXPLAIN without ANALYZE: the statement is not executed), with the costliest nodes and plan warnings. Statements with $1 parameters get a generic plan. Read-only.',
  usesDatabase: true,
  input: z.object({ query: z.string().min(1).max(MAX_SQL).describe('Exactly one SQL statement.') }),
  run: async (input, ctx) => {
    const run = await explainStatement(await ctx.session(), input.query, ctx.signal ? { signal: ctx.signal } : {});
    const findings = run.analysis.findings.map((f) => `- [${f.severity}] ${f.message}`);
    return [...run.notes, planToText(run.analysis), ...(findings.length ? ['Plan findings:', ...findings] : [])].join('\n');
  },
});

export const lintMigrationTool = tool({
  name: 'lint_migration',
  title: 'Lint a migration',
  description:
    "Lints migration SQL for PostgreSQL hazards (locks that block reads or writes, table rewrites, unsafe constraints, breaking changes) with the real Postgres parser and pgopt's 45+ rules. Does not touch the database.",
  usesDatabase: false,
  input: z.object({
    sql: z.string().max(MAX_SQL).describe('The migration SQL.'),
    pgVersion: z.number().int().min(9).max(30).optional().describe('Target PostgreSQL major version (default from pgopt.json, else 15).'),
    assumeInTransaction: z.boolean().optional().describe('The migration runner wraps the file in a transaction.'),
  }),
  run: async (input, ctx) => {
    const { settings, problems } = parseLintSettings(ctx.config.lint, 'pgopt.json lint');
    const converted = toLintOptions(settings, 'pgopt.json lint');
    const all = [...problems, ...converted.problems];
    if (all.length) throw new Error(`invalid pgopt.json: ${all.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    const options = { ...converted.options, ...(input.pgVersion !== undefined ? { pgVersion: input.pgVersion } : {}), ...(input.assumeInTransaction !== undefined ? { assumeInTransaction: input.assumeInTransaction } : {}) };
    await loadParser();
    const { findings } = lintText(input.sql, options);
    if (findings.length === 0) return 'No findings: the migration looks safe for the rules that apply.';
    const counts = (['error', 'warning', 'info', 'hint'] as const).map((s) => [s, findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
    return [
      `${findings.length} finding(s): ${counts.map(([s, n]) => `${n} ${s}`).join(', ')}.`,
      ...findings.map((f) => `line ${f.line + 1}, column ${f.column + 1}: ${f.severity} ${f.ruleId}: ${f.message}${f.help ? ` Fix: ${f.help}` : ''}`),
    ].join('\n');
  },
});

export const tableTool = tool({
  name: 'analyze_table',
  title: 'Describe and check a table',
  description:
    'One table of the connected database: size, estimated rows, columns, indexes (size, scans, valid), constraints, vacuum/analyze statistics and index-health findings for it. Read-only (it does not run ANALYZE).',
  usesDatabase: true,
  input: z.object({ table: z.string().min(1).max(400).describe('Table name, optionally schema-qualified: orders or sales.orders.') }),
  run: async (input, ctx) => {
    const session = await ctx.session();
    const signal = ctx.signal;
    const opts = signal ? { signal } : {};
    return session.readOnly(async (q) => {
      // to_regclass takes the name as data (a parameter): quoting and search_path resolution as in SQL.
      const [t] = await q.query<{ oid: number; schema: string; name: string; relkind: string; reltuples: number; total: string; heap: string; stats: Record<string, unknown> | null }>(
        `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind, c.reltuples::float8 AS reltuples,
                pg_total_relation_size(c.oid)::text AS total, pg_relation_size(c.oid)::text AS heap,
                (SELECT to_jsonb(s) - 'relid' - 'schemaname' - 'relname' FROM pg_stat_user_tables s WHERE s.relid = c.oid) AS stats
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p', 'm', 'f')`,
        [input.table],
      );
      if (!t) throw new Error(`no table named ${input.table} (check the spelling and schema; quote mixed-case names as in SQL: "MyTable")`);
      const [columns, indexes, constraints] = [await listColumns(q, t.oid), await listIndexes(q, t.oid), await listConstraints(q, t.oid)];
      const health = assessIndexHealth(await fetchIndexHealth(q), session.serverVersionNum).filter((f) => f.object?.table === t.name || (f.object?.kind === 'table' && f.object.name === t.name));
      const lines = [
        `Table ${t.schema}.${t.name}: ${formatBytes(Number(t.total))} total (${formatBytes(Number(t.heap))} heap), about ${t.reltuples < 0 ? 'unknown (never analyzed)' : formatCount(Math.round(t.reltuples))} rows.`,
        'Columns:',
        ...columns.map((c) => `- ${c.name} ${c.type}${c.nullable ? '' : ' NOT NULL'}${c.default ? ` DEFAULT ${c.default}` : ''}${c.identity ? ` GENERATED ${c.identity} AS IDENTITY` : ''}`),
        'Indexes:',
        ...(indexes.length ? indexes.map((i) => `- ${i.definition} (${formatBytes(i.bytes)}, ${i.scans ?? 0} scans${i.valid ? '' : ', INVALID'})`) : ['- none']),
        'Constraints:',
        ...(constraints.length ? constraints.map((c) => `- ${c.name} ${c.kind}: ${c.definition}${c.validated ? '' : ' (NOT VALID)'}`) : ['- none']),
      ];
      if (t.stats) {
        const s = t.stats;
        lines.push(`Activity: ${s.seq_scan ?? 0} sequential scans, ${s.idx_scan ?? 0} index scans, ${s.n_live_tup ?? 0} live / ${s.n_dead_tup ?? 0} dead rows; last vacuum ${s.last_vacuum ?? s.last_autovacuum ?? 'never'}, last analyze ${s.last_analyze ?? s.last_autoanalyze ?? 'never'}.`);
      }
      lines.push('Index health:', ...(health.length ? health.map((f) => `- [${f.severity}] ${f.title}${f.sql ? `\n  ${f.sql}` : ''}`) : ['- nothing to report']));
      return lines.join('\n');
    }, opts);
  },
});

export const AGENT_TOOLS: readonly AgentTool[] = [healthTool, slowQueriesTool, indexAdviceTool, explainTool, lintMigrationTool, tableTool] as unknown as readonly AgentTool[];

/** The full report (every analyzer) as text: the MCP resource pgopt://report. */
export async function reportText(ctx: AgentToolContext): Promise<string> {
  const report = await buildReport(await ctx.session(), { analyzers: ANALYZERS, config: ctx.config, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  return renderReportText(report, { details: true });
}

/** Validates raw arguments against a tool's schema: a clear message naming the bad argument. */
export function parseToolInput<S extends z.ZodObject>(t: AgentTool<S>, raw: unknown): z.infer<S> {
  const r = t.input.safeParse(raw ?? {});
  if (r.success) return r.data;
  throw new Error(`invalid arguments for ${t.name}: ${r.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
}
