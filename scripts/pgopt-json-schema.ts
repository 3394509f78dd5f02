// The JSON schema of pgopt.json (completion and validation in the editor, contributed via jsonValidation),
// generated at build time by esbuild.mjs from the same zod schemas that validate the file at run time.
// pgoptFileSchema keeps its sections as z.unknown() (each is validated on its own so one bad section does not
// hide the others), so the schema is composed here from the section schemas; descriptions and the known rule
// ids (for completion in "rules") are added on top.
import * as z from 'zod/mini';
import { activitySettingsSchema, analysisSettingsSchema, maintenanceSettingsSchema, connectionSettingSchema, integrityRuleSchema, integritySettingsSchema, LINT_SEVERITIES, lintSettingsSchema, migrateSettingsSchema, monitoringSettingsSchema, policySchema, queriesSettingsSchema } from '../src/core/config';
import { poolerSettingsSchema } from '../src/core/analyzers/pooler/poolerSettings';
import { fleetTargetSchema } from '../src/core/fleet/fleetFile';
import { ENGINE_RULE_IDS } from '../src/core/lint/linter';
import { RULES } from '../src/core/lint/registry';

type JsonSchema = { [key: string]: unknown; properties?: Record<string, JsonSchema>; description?: string };

const DESCRIPTIONS: Record<string, Record<string, string>> = {
  '': {
    $schema: 'The JSON schema of this file.',
    connections: 'Database connections (no passwords: they are asked once and kept in secret storage).',
    analysis: 'Limits for analyzer queries.',
    queries: 'Slow-query thresholds (pg_stat_statements).',
    activity: 'Connection and lock thresholds (pg_stat_activity).',
    integrity: 'Data integrity: column rules (format, range, oneOf, regex) checked on the live data, and sampling/timeout limits of the integrity checks. See docs/integrity.md.',
    lint: 'Migration linter settings. Used by `pgopt lint` and, when present, by the editor instead of the pgopt.lint.* settings.',
    migrate: 'Migration runner (`pgopt migrate`): where the migrations are, their format and the tracking table.',
    monitoring: 'Snapshots, their local store (retention) and alert rules. See docs/monitoring.md.',
    maintenance: 'Thresholds of the maintenance section: vacuum, xmin horizon, bloat, replication, settings review. See docs/maintenance.md.',
    pooler: 'PgBouncer admin console for the pooler report section. See docs/pooler.md.',
    fleet: 'Databases for `pgopt analyze|snapshot|advise --fleet pgopt.json`: [{"name", "url" | "service", "tags"}]. See docs/fleet.md.',
    policy: 'Access policy for writes (both hosts): readOnly, allow (actions), production (type the database name to confirm). See docs/policy.md.',
  },
  policy: {
    readOnly: 'No write is offered or run: Apply Now, migrate up/down, a migration trace on the target, cancel/terminate backend, reset statistics, scratch what-if.',
    allow: 'Only these write actions may run: apply-now, migrate-up, migrate-down, cancel-backend, terminate-backend, reset-statistics, scratch-whatif, trace-on-target.',
    production: 'Every write needs the database name typed to confirm (CLI: --confirm-database NAME); the status bar shows the connection in a warning colour.',
  },
  maintenance: {
    deadRatio: 'A table is a finding when dead tuples are at least this share of its rows (default 0.2) ...',
    minDeadTuples: '... and at least this many (default 1000).',
    largeTableRows: 'Tables with at least this many rows get per-table autovacuum settings advice when they use the default scale factor (default 1000000).',
    horizonSeconds: 'A session, prepared transaction or standby holding back the xmin horizon is a finding after this many seconds (default 600) ...',
    horizonXids: '... or this many transactions (default 1000000).',
    bloatRatio: 'Estimated bloat is a finding above this share of the relation (default 0.3) ...',
    bloatMinBytes: '... and above this many wasted bytes (default 10 MiB).',
    slotRetainedBytes: 'A replication slot retaining more WAL than this is a finding even when active (default 1 GiB); an inactive slot always is.',
    replicationLagSeconds: 'A standby whose replay lag is above this is a finding (default 60).',
    storage: 'What the data directory is on: "ssd" turns on the random_page_cost check (default "unknown").',
  },
  pooler: {
    url: 'Admin console URL, e.g. postgres://pgbouncer@127.0.0.1:6432/pgbouncer (user in admin_users or stats_users); --pooler-url overrides it.',
    samples: 'How many times SHOW POOLS is read over about a second (default 5).',
  },
  monitoring: {
    intervalMinutes: 'Minutes between snapshots while the editor is connected (default 5; 0 = off).',
    disabledConnections: 'Connection names never snapshotted on a schedule.',
    retention: 'rawHours (default 48): raw snapshots kept; rollupDays (default 30): hourly rollups kept.',
    topStatements: 'Statements (by total time) kept per snapshot (default 50).',
    topRelations: 'Largest tables and indexes kept per snapshot (default 20).',
    alerts: 'Alert rules; when present they replace the defaults (an empty list turns alerts off).',
  },
  migrate: {
    dir: 'Directory of migration files (default db/migrations).',
    format: 'auto (default: detected from the files), golang-migrate, dbmate, flyway or plain (NNN_name.sql).',
    table: 'Tracking table name (default pgopt_migrations); created on the first apply, never by status.',
    schema: 'Schema of the tracking table (default public).',
    source: 'Which table status reads: auto (pgopt\'s, else golang-migrate/dbmate schema_migrations or flyway_schema_history, read-only), or one of them.',
    lockTimeoutMs: 'lock_timeout for migration statements (unset: no limit).',
    statementTimeoutMs: 'statement_timeout for migration statements (unset: no limit).',
    allowOutOfOrder: 'Apply pending migrations older than the newest applied one (default false: refuse).',
  },
  lint: {
    pgVersion: 'Target PostgreSQL major version. Several hazards disappear on newer versions.',
    assumeInTransaction: 'The migration runner wraps each file in a transaction.',
    rules: 'Rule id -> severity ("error", "warning", "info", "hint") or "off".',
    migrations: 'Workspace-relative globs of migration files. Files containing `-- migrate:up` are always linted.',
    exclude: 'Globs never linted.',
  },
  queries: {
    slowMeanMs: 'A statement is slow when its mean execution time is at least this many ms (default 20) ...',
    slowMinCalls: '... and it ran at least this many times (default 100).',
    limit: 'How many statements the report lists, by total time (default 50).',
  },
  activity: {
    idleInTransactionSeconds: 'Idle-in-transaction sessions older than this are findings (default 60).',
    longRunningSeconds: 'Queries running longer than this are findings (default 60).',
    leakIdleSeconds: 'Connections idle longer than this count towards a leak suspect (default 600).',
    leakMinSessions: 'A client holding at least this many long-idle connections is a leak suspect (default 5).',
    serverCpus: 'CPU cores of the database server, for pool sizing advice (Postgres cannot report it).',
    samples: 'How many times pg_stat_activity is sampled over about a second to measure active concurrency (default 5).',
  },
  integrity: {
    rules: 'Column rules: { "table", "column", one of "format" | "range" | "oneOf" | "regex", optional "schema", "where" (SQL run only in the read-only analysis session), "sampleRows", "severity" }.',
    sampleRows: 'Tables with more estimated rows than this are checked on a TABLESAMPLE of about this many rows (default 200000).',
    sampleMethod: 'TABLESAMPLE method: "system" (whole random pages, fast; default) or "bernoulli" (random rows, reads every page).',
    statementTimeoutMs: 'statement_timeout of each integrity check and NOT VALID dry run (default: analysis.statementTimeoutMs). A check that runs longer is reported as cut short.',
    inferred: 'Also look for NOT NULL / UNIQUE / foreign key candidates and FK type mismatches in every table (default true).',
    schemas: 'Schemas the inferred checks look at (default: every non-system schema).',
    inferRules: 'Infer column rules (formats, dates, percentages, scales, vocabularies, per-kind ranges) from names, types and a sample of values, and report their violations as inferred (default true).',
    inferMinShare: 'Share of a column\'s sampled non-null values that must satisfy an inferred rule before its violations are reported (0.5–1, default 0.95).',
  },
  analysis: {
    statementTimeoutMs: 'statement_timeout for every analyzer query.',
    lockTimeoutMs: 'lock_timeout for every analyzer query.',
  },
};

function describe(schema: JsonSchema | undefined, texts: Record<string, string> | undefined): void {
  for (const [key, text] of Object.entries(texts ?? {})) {
    const p = schema?.properties?.[key];
    if (p) p.description = text;
  }
}

export function pgoptJsonSchema(): JsonSchema {
  const file = z.object({
    $schema: z.optional(z.string()),
    connections: z.optional(z.array(connectionSettingSchema)),
    analysis: z.optional(z.partial(analysisSettingsSchema)),
    lint: z.optional(lintSettingsSchema),
    queries: z.optional(queriesSettingsSchema),
    activity: z.optional(activitySettingsSchema),
    migrate: z.optional(migrateSettingsSchema),
    integrity: z.optional(z.extend(integritySettingsSchema, { rules: z.optional(z.array(integrityRuleSchema)) })),
    monitoring: z.optional(monitoringSettingsSchema),
    maintenance: z.optional(maintenanceSettingsSchema),
    pooler: z.optional(poolerSettingsSchema),
    fleet: z.optional(z.array(fleetTargetSchema)),
    policy: z.optional(policySchema),
  });
  // io 'input': defaults make keys optional. Refinements (no password in a URL) are checked at run time only.
  const schema = z.toJSONSchema(file, { io: 'input', target: 'draft-07', unrepresentable: 'any' }) as JsonSchema;
  schema.title = 'pgopt.json';
  schema.description = 'Postgres Optimizer project configuration (workspace root).';
  describe(schema, DESCRIPTIONS['']);
  for (const section of ['lint', 'analysis', 'queries', 'activity', 'migrate', 'integrity', 'monitoring', 'maintenance', 'pooler', 'policy'] as const) describe(schema.properties?.[section], DESCRIPTIONS[section]);
  const rules = schema.properties?.lint?.properties?.rules;
  if (rules) {
    const severity = { type: 'string', enum: [...LINT_SEVERITIES] };
    rules.properties = Object.fromEntries([
      ...RULES.map((r) => [r.meta.id, { ...severity, description: `${r.meta.title}. ${r.meta.description} (default: ${r.meta.defaultSeverity})` }]),
      ...RULES.flatMap((r) => (r.meta.aliases ?? []).map((a) => [a, { ...severity, description: `Former id of ${r.meta.id} (still accepted).` }])),
      ...ENGINE_RULE_IDS.map((id) => [id, { ...severity, description: `Engine finding: ${id}.` }]),
    ]);
  }
  return schema;
}
