// Settings and pgopt.json, validated with zod. parse*() never throws: it returns what is usable and a
// list of problems, each naming the offending key, so the host can show them without crashing.
// zod/mini (22 kB with English messages) instead of classic zod (450 kB): the CLI and the extension's
// heavy bundle load this on every run.
import * as z from 'zod/mini';
import { en } from 'zod/locales';

import { ALERT_OPS, DEFAULT_ALERT_RULES, type AlertRule } from './metrics/alerts';
import { METRIC_DEFS } from './metrics/metricDefs';
import { blankBom } from './sql/sqlFileText';

z.config(en());

const METRIC_IDS = METRIC_DEFS.map((d) => d.id) as [MetricIdOf, ...MetricIdOf[]];
type MetricIdOf = (typeof METRIC_DEFS)[number]['id'];

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

const hasPasswordInUrl = (url: string): boolean => {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
};

/** Writes the access policy (src/core/policy.ts) can refuse. */
export const WRITE_ACTIONS = ['apply-now', 'migrate-up', 'migrate-down', 'cancel-backend', 'terminate-backend', 'reset-statistics', 'scratch-whatif', 'trace-on-target'] as const;
export type WriteAction = (typeof WRITE_ACTIONS)[number];
export const policySchema = z.strictObject({
  readOnly: z.optional(z.boolean()),
  allow: z.optional(z.array(z.enum(WRITE_ACTIONS))),
  production: z.optional(z.boolean()),
});
export type AccessPolicy = z.infer<typeof policySchema>;

const nonEmpty = () => z.string().check(z.minLength(1));

export const connectionSettingSchema = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1, 'a connection needs a non-empty name')),
  url: z.optional(
    z.string().check(
      z.regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://'),
      z.refine((u) => !hasPasswordInUrl(u), 'must not contain a password (it is asked once and kept in secret storage)'),
    ),
  ),
  host: z.optional(nonEmpty()),
  port: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(65535))),
  database: z.optional(nonEmpty()),
  user: z.optional(nonEmpty()),
  service: z.optional(nonEmpty()),
  sslmode: z.optional(z.enum(SSL_MODES)),
  policy: z.optional(policySchema),
});
export type ConnectionSetting = z.infer<typeof connectionSettingSchema>;

export const analysisSettingsSchema = z.strictObject({
  statementTimeoutMs: z._default(z.number().check(z.int(), z.minimum(100)), 10_000),
  lockTimeoutMs: z._default(z.number().check(z.int(), z.minimum(10)), 1_000),
});
export type AnalysisSettings = z.infer<typeof analysisSettingsSchema>;
export const DEFAULT_ANALYSIS: AnalysisSettings = { statementTimeoutMs: 10_000, lockTimeoutMs: 1_000 };

export const LINT_SEVERITIES = ['error', 'warning', 'info', 'hint', 'off'] as const;

/** Which files are migrations, by default (workspace-relative globs). */
export const DEFAULT_MIGRATION_GLOBS = ['**/migrations/**/*.sql', '**/migrate/**/*.sql', 'db/**/*.sql'];

export const lintSettingsSchema = z.strictObject({
  /** Target PostgreSQL major version. */
  pgVersion: z._default(z.number().check(z.int(), z.minimum(9), z.maximum(30)), 15),
  /** The migration runner wraps each file in a transaction. */
  assumeInTransaction: z._default(z.boolean(), false),
  /** Rule id -> severity or "off". */
  rules: z._default(z.record(z.string().check(z.regex(/^[a-z0-9-]+$/, 'rule ids are kebab-case')), z.enum(LINT_SEVERITIES)), {}),
  /** Globs of migration files; files containing `-- migrate:up` are always migrations. */
  migrations: z._default(z.array(nonEmpty()), DEFAULT_MIGRATION_GLOBS),
  /** Globs never linted. */
  exclude: z._default(z.array(nonEmpty()), ['**/node_modules/**']),
  /** live-table-size: with a connection, lock/rewrite/scan findings on tables at least this large (bytes) become errors (default 1 GB). */
  liveEscalateBytes: z.optional(z.number().check(z.int(), z.minimum(0))),
});
export type LintSettings = z.infer<typeof lintSettingsSchema>;

/**
 * Validates lint settings. On problems, every key that is valid on its own is kept (and every valid rule
 * entry), so one typo does not silently reset pgVersion or the rules; the problems name the bad keys.
 */
export function parseLintSettings(raw: unknown, prefix = 'lint'): { settings: LintSettings; problems: ConfigProblem[] } {
  const r = lintSettingsSchema.safeParse(raw ?? {});
  if (r.success) return { settings: r.data, problems: [] };
  const problems = issuesToProblems(prefix, r.error);
  const kept: Record<string, unknown> = {};
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const shape = lintSettingsSchema.shape;
    for (const [key, value] of Object.entries(raw)) {
      if (!Object.hasOwn(shape, key)) continue;
      if (key === 'rules' && typeof value === 'object' && value !== null && !Array.isArray(value)) {
        kept.rules = Object.fromEntries(Object.entries(value).filter(([id, sev]) => shape.rules.safeParse({ [id]: sev }).success));
      } else if (shape[key as keyof typeof shape].safeParse(value).success) {
        kept[key] = value;
      }
    }
  }
  const salvaged = lintSettingsSchema.safeParse(kept);
  return { settings: salvaged.success ? salvaged.data : lintSettingsSchema.parse({}), problems };
}

/** Slow-query thresholds (pgopt.json "queries"); defaults like PgHero. */
export const queriesSettingsSchema = z.strictObject({
  /** A statement is slow when its mean time is at least this many ms ... */
  slowMeanMs: z._default(z.number().check(z.minimum(0)), 20),
  /** ... and it ran at least this many times. */
  slowMinCalls: z._default(z.number().check(z.int(), z.minimum(1)), 100),
  /** How many statements the report lists (by total time). */
  limit: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(1000)), 50),
});
export type QueriesSettings = z.infer<typeof queriesSettingsSchema>;
export const DEFAULT_QUERIES: QueriesSettings = { slowMeanMs: 20, slowMinCalls: 100, limit: 50 };

export function parseQueriesSettings(raw: unknown, prefix = 'pgopt.json queries'): { settings: QueriesSettings; problems: ConfigProblem[] } {
  const r = z.partial(queriesSettingsSchema).safeParse(raw ?? {});
  if (!r.success) return { settings: { ...DEFAULT_QUERIES }, problems: issuesToProblems(prefix, r.error) };
  return { settings: { ...DEFAULT_QUERIES, ...stripUndefined(r.data) }, problems: [] };
}

/** Session/connection thresholds (pgopt.json "activity"). */
export const activitySettingsSchema = z.strictObject({
  /** Idle-in-transaction sessions older than this are findings. */
  idleInTransactionSeconds: z._default(z.number().check(z.minimum(0)), 60),
  /** Active queries running longer than this are findings. */
  longRunningSeconds: z._default(z.number().check(z.minimum(0)), 60),
  /** A client holding at least leakMinSessions connections idle for leakIdleSeconds is a leak suspect. */
  leakIdleSeconds: z._default(z.number().check(z.minimum(0)), 600),
  leakMinSessions: z._default(z.number().check(z.int(), z.minimum(1)), 5),
  /** CPU cores of the database server, for pool sizing (Postgres cannot tell). */
  serverCpus: z.optional(z.number().check(z.int(), z.minimum(1))),
  /** How many times pg_stat_activity is sampled (over ~1 s) to measure active concurrency. */
  samples: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(20)), 5),
});
export type ActivitySettings = z.infer<typeof activitySettingsSchema>;
export const DEFAULT_ACTIVITY: ActivitySettings = {
  idleInTransactionSeconds: 60,
  longRunningSeconds: 60,
  leakIdleSeconds: 600,
  leakMinSessions: 5,
  samples: 5,
};

export function parseActivitySettings(raw: unknown, prefix = 'pgopt.json activity'): { settings: ActivitySettings; problems: ConfigProblem[] } {
  const r = z.partial(activitySettingsSchema).safeParse(raw ?? {});
  if (!r.success) return { settings: { ...DEFAULT_ACTIVITY }, problems: issuesToProblems(prefix, r.error) };
  return { settings: { ...DEFAULT_ACTIVITY, ...stripUndefined(r.data) }, problems: [] };
}

/** Vacuum, xmin horizon, space, replication and settings thresholds (pgopt.json "maintenance"). */
export const maintenanceSettingsSchema = z.strictObject({
  /** A table is a finding when its dead tuples are at least this share of its rows ... */
  deadRatio: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.2),
  /** ... and at least this many. */
  minDeadTuples: z._default(z.number().check(z.int(), z.minimum(0)), 1000),
  /** Tables with at least this many rows get per-table autovacuum advice when the scale factor is the default. */
  largeTableRows: z._default(z.number().check(z.int(), z.minimum(1)), 1_000_000),
  /** Something holding back the xmin horizon is a finding after this many seconds ... */
  horizonSeconds: z._default(z.number().check(z.minimum(0)), 600),
  /** ... or this many transactions. */
  horizonXids: z._default(z.number().check(z.int(), z.minimum(0)), 1_000_000),
  /** Estimated bloat is a finding above this share of the relation ... */
  bloatRatio: z._default(z.number().check(z.minimum(0), z.maximum(1)), 0.3),
  /** ... and above this many wasted bytes. */
  bloatMinBytes: z._default(z.number().check(z.int(), z.minimum(0)), 10 * 1024 * 1024),
  /** A replication slot retaining more WAL than this is a finding even when active. */
  slotRetainedBytes: z._default(z.number().check(z.int(), z.minimum(0)), 1024 ** 3),
  /** A standby further behind than this (replay lag) is a finding. */
  replicationLagSeconds: z._default(z.number().check(z.minimum(0)), 60),
  /** What the data directory is on, which Postgres cannot tell: 'ssd' turns on the random_page_cost check. */
  storage: z._default(z.enum(['unknown', 'ssd', 'hdd']), 'unknown'),
});
export type MaintenanceSettings = z.infer<typeof maintenanceSettingsSchema>;
export const DEFAULT_MAINTENANCE: MaintenanceSettings = {
  deadRatio: 0.2,
  minDeadTuples: 1000,
  largeTableRows: 1_000_000,
  horizonSeconds: 600,
  horizonXids: 1_000_000,
  bloatRatio: 0.3,
  bloatMinBytes: 10 * 1024 * 1024,
  slotRetainedBytes: 1024 ** 3,
  replicationLagSeconds: 60,
  storage: 'unknown',
};

export function parseMaintenanceSettings(raw: unknown, prefix = 'pgopt.json maintenance'): { settings: MaintenanceSettings; problems: ConfigProblem[] } {
  const r = z.partial(maintenanceSettingsSchema).safeParse(raw ?? {});
  if (!r.success) return { settings: { ...DEFAULT_MAINTENANCE }, problems: issuesToProblems(prefix, r.error) };
  return { settings: { ...DEFAULT_MAINTENANCE, ...stripUndefined(r.data) }, problems: [] };
}

export const MIGRATE_FORMAT_SETTINGS = ['auto', 'golang-migrate', 'dbmate', 'flyway', 'plain'] as const;
export const MIGRATE_SOURCES = ['auto', 'pgopt', 'golang-migrate', 'dbmate', 'flyway'] as const;

/** The migration runner (pgopt.json "migrate"); lint.migrations (which files the linter treats as migrations) is separate. */
export const migrateSettingsSchema = z.strictObject({
  /** Directory holding the migration files, relative to the workspace / current directory. */
  dir: z._default(z.string().check(z.minLength(1)), 'db/migrations'),
  format: z._default(z.enum(MIGRATE_FORMAT_SETTINGS), 'auto'),
  /** Tracking table. */
  table: z._default(z.string().check(z.minLength(1), z.maxLength(63)), 'pgopt_migrations'),
  schema: z._default(z.string().check(z.minLength(1), z.maxLength(63)), 'public'),
  /** Which table status reads: pgopt's, or another tool's (read-only). */
  source: z._default(z.enum(MIGRATE_SOURCES), 'auto'),
  /** lock_timeout for migration statements (unset: wait as long as the server allows). */
  lockTimeoutMs: z.optional(z.number().check(z.int(), z.minimum(0))),
  statementTimeoutMs: z.optional(z.number().check(z.int(), z.minimum(0))),
  /** Apply pending migrations older than the newest applied one. */
  allowOutOfOrder: z._default(z.boolean(), false),
});
export type MigrateSettings = z.infer<typeof migrateSettingsSchema>;
export const DEFAULT_MIGRATE: MigrateSettings = { dir: 'db/migrations', format: 'auto', table: 'pgopt_migrations', schema: 'public', source: 'auto', allowOutOfOrder: false };

export function parseMigrateSettings(raw: unknown, prefix = 'pgopt.json migrate'): { settings: MigrateSettings; problems: ConfigProblem[] } {
  const r = z.partial(migrateSettingsSchema).safeParse(raw ?? {});
  if (!r.success) return { settings: { ...DEFAULT_MIGRATE }, problems: issuesToProblems(prefix, r.error) };
  return { settings: { ...DEFAULT_MIGRATE, ...stripUndefined(r.data) }, problems: [] };
}

/** Built-in formats of an integrity rule (see docs/integrity.md). */
export const INTEGRITY_FORMATS = ['email', 'phone', 'url', 'uuid', 'date-past', 'plausible-age', 'quantity-with-unit'] as const;
export type IntegrityFormat = (typeof INTEGRITY_FORMATS)[number];

/** One column rule of pgopt.json "integrity.rules": exactly one of format, range, oneOf, regex. */
export const integrityRuleSchema = z
  .strictObject({
    schema: z.optional(nonEmpty()),
    table: nonEmpty(),
    column: nonEmpty(),
    format: z.optional(z.enum(INTEGRITY_FORMATS)),
    range: z.optional(z.tuple([z.number(), z.number()])),
    oneOf: z.optional(z.array(z.union([z.string(), z.number()])).check(z.minLength(1))),
    regex: z.optional(nonEmpty()),
    /** SQL condition limiting the rows the rule applies to; runs only inside the read-only analysis session. */
    where: z.optional(nonEmpty()),
    /** Tables with more rows than this are sampled (overrides integrity.sampleRows). */
    sampleRows: z.optional(z.number().check(z.int(), z.minimum(100))),
    /** Severity of a finding when rows violate the rule (default warning). */
    severity: z.optional(z.enum(['error', 'warning', 'info'])),
  })
  .check(
    z.refine(
      (r) => [r.format, r.range, r.oneOf, r.regex].filter((x) => x !== undefined).length === 1,
      'a rule needs exactly one of "format", "range", "oneOf", "regex"',
    ),
    z.refine((r) => r.range === undefined || r.range[0] <= r.range[1], '"range" is [min, max] with min <= max'),
  );
export type IntegrityRule = z.infer<typeof integrityRuleSchema>;

/** pgopt.json "integrity": column rules and the limits of the data checks. */
export const integritySettingsSchema = z.strictObject({
  rules: z._default(z.array(z.unknown()), []),
  /** Tables with more (estimated) rows than this are checked on a TABLESAMPLE of about this many rows. */
  sampleRows: z._default(z.number().check(z.int(), z.minimum(100)), 200_000),
  /** TABLESAMPLE method: SYSTEM reads whole random pages (fast), BERNOULLI random rows (reads every page). */
  sampleMethod: z._default(z.enum(['system', 'bernoulli']), 'system'),
  /** statement_timeout of each integrity / dry-run check (default: analysis.statementTimeoutMs). */
  statementTimeoutMs: z.optional(z.number().check(z.int(), z.minimum(100))),
  /** Run the schema-wide checks (NOT NULL / UNIQUE / foreign key candidates, type mismatches) besides the rules. */
  inferred: z._default(z.boolean(), true),
  /** Schemas the inferred checks look at (default: every non-system schema). */
  schemas: z.optional(z.array(nonEmpty())),
  /** Infer column rules (formats, ranges, vocabularies) from names, types and sampled values, and report their violations. */
  inferRules: z._default(z.boolean(), true),
  /** Share of a column's sampled non-null values that must satisfy an inferred rule before its violations are reported. */
  inferMinShare: z._default(z.number().check(z.minimum(0.5), z.maximum(1)), 0.95),
});
export type IntegritySettings = Omit<z.infer<typeof integritySettingsSchema>, 'rules'> & { rules: IntegrityRule[] };
export const DEFAULT_INTEGRITY: IntegritySettings = { rules: [], sampleRows: 200_000, sampleMethod: 'system', inferred: true, inferRules: true, inferMinShare: 0.95 };

/** Validates each rule on its own: one bad rule is a problem naming its index, the others still run. */
export function parseIntegritySettings(raw: unknown, prefix = 'pgopt.json integrity'): { settings: IntegritySettings; problems: ConfigProblem[]; ruleIndexes: number[] } {
  const r = integritySettingsSchema.safeParse(raw ?? {});
  if (!r.success) {
    // Keep whatever rules are valid even when another key is wrong.
    const rawRules = typeof raw === 'object' && raw !== null && Array.isArray((raw as { rules?: unknown }).rules) ? ((raw as { rules: unknown[] }).rules) : [];
    const parsed = parseRules(rawRules, `${prefix}.rules`);
    return { settings: { ...DEFAULT_INTEGRITY, rules: parsed.rules }, problems: [...issuesToProblems(prefix, r.error).filter((p) => !p.path.startsWith(`${prefix}.rules[`)), ...parsed.problems], ruleIndexes: parsed.indexes };
  }
  const parsed = parseRules(r.data.rules, `${prefix}.rules`);
  const { statementTimeoutMs, schemas, ...rest } = r.data;
  return {
    settings: { ...rest, ...(statementTimeoutMs !== undefined ? { statementTimeoutMs } : {}), ...(schemas ? { schemas } : {}), rules: parsed.rules },
    problems: parsed.problems,
    ruleIndexes: parsed.indexes,
  };
}

function parseRules(raw: unknown[], prefix: string): { rules: IntegrityRule[]; problems: ConfigProblem[]; indexes: number[] } {
  const rules: IntegrityRule[] = [];
  const indexes: number[] = [];
  const problems: ConfigProblem[] = [];
  raw.forEach((item, i) => {
    const r = integrityRuleSchema.safeParse(item);
    if (r.success) {
      rules.push(r.data);
      indexes.push(i);
    } else problems.push(...issuesToProblems(`${prefix}[${i}]`, r.error));
  });
  return { rules, problems, indexes };
}

/** One alert rule (pgopt.json "monitoring.alerts"); metric ids are listed in docs/monitoring.md. */
export const alertRuleSchema = z.strictObject({
  metric: z.enum(METRIC_IDS),
  op: z.enum(ALERT_OPS),
  threshold: z.number(),
  forSeconds: z._default(z.number().check(z.minimum(0)), 0),
  severity: z._default(z.enum(['warning', 'error']), 'warning'),
  message: z.optional(z.string()),
});

/** Snapshots, their local store and alerts (pgopt.json "monitoring"). */
export const monitoringSettingsSchema = z.strictObject({
  /** Minutes between snapshots while connected; 0 turns the scheduler off. */
  intervalMinutes: z._default(z.number().check(z.minimum(0), z.maximum(24 * 60)), 5),
  /** Connection names the scheduler leaves alone. */
  disabledConnections: z._default(z.array(z.string()), []),
  retention: z._default(
    z.strictObject({
      rawHours: z._default(z.number().check(z.minimum(1)), 48),
      rollupDays: z._default(z.number().check(z.minimum(1)), 30),
    }),
    { rawHours: 48, rollupDays: 30 },
  ),
  topStatements: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(1000)), 50),
  topRelations: z._default(z.number().check(z.int(), z.minimum(0), z.maximum(1000)), 20),
  /** Replaces the default rules when given (an empty list turns alerts off). */
  alerts: z.optional(z.array(alertRuleSchema)),
});
export type MonitoringSettings = z.output<typeof monitoringSettingsSchema>;

export function parseMonitoringSettings(raw: unknown, prefix = 'pgopt.json monitoring'): { settings: MonitoringSettings; problems: ConfigProblem[] } {
  const r = monitoringSettingsSchema.safeParse(raw ?? {});
  if (r.success) return { settings: r.data, problems: [] };
  return { settings: monitoringSettingsSchema.parse({}), problems: issuesToProblems(prefix, r.error) };
}

/** The rules in force: the configured list, else the defaults. */
export function alertRulesOf(settings: MonitoringSettings): AlertRule[] {
  return settings.alerts ?? DEFAULT_ALERT_RULES;
}

/** pgopt.json at the workspace root (also read by the CLI with --config). Later sections are added here. */
export const pgoptFileSchema = z.looseObject({
  $schema: z.optional(z.string()),
  connections: z.optional(z.array(z.unknown())),
  analysis: z.optional(z.unknown()),
  lint: z.optional(z.unknown()),
  queries: z.optional(z.unknown()),
  activity: z.optional(z.unknown()),
  migrate: z.optional(z.unknown()),
  integrity: z.optional(z.unknown()),
  monitoring: z.optional(z.unknown()),
  maintenance: z.optional(z.unknown()),
  /** PgBouncer admin console (the pooler section): {url, samples}. */
  pooler: z.optional(z.unknown()),
  /** Databases for --fleet when this file is given as the fleet file. */
  fleet: z.optional(z.unknown()),
  policy: z.optional(z.unknown()),
});
export type PgoptFile = z.infer<typeof pgoptFileSchema>;

export interface ConfigProblem {
  /** Dotted path of the offending key, e.g. `pgopt.connections[1].port`. */
  path: string;
  message: string;
}

function pathOf(prefix: string, path: ReadonlyArray<PropertyKey>): string {
  let out = prefix;
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

export function issuesToProblems(prefix: string, error: { issues: readonly z.core.$ZodIssue[] }): ConfigProblem[] {
  return error.issues.map((i) => {
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown key${i.keys.length > 1 ? 's' : ''}: ${i.keys.join(', ')}`;
    return { path: pathOf(prefix, i.path), message };
  });
}

/** Validates each connection on its own, so one bad entry does not hide the good ones. */
export function parseConnections(
  raw: unknown,
  prefix = 'pgopt.connections',
): { connections: ConnectionSetting[]; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const connections: ConnectionSetting[] = [];
  if (raw === undefined || raw === null) return { connections, problems };
  if (!Array.isArray(raw)) return { connections, problems: [{ path: prefix, message: 'must be an array of connections' }] };
  const seen = new Set<string>();
  raw.forEach((item, i) => {
    const r = connectionSettingSchema.safeParse(item);
    if (!r.success) {
      problems.push(...issuesToProblems(`${prefix}[${i}]`, r.error));
      return;
    }
    if (seen.has(r.data.name)) {
      problems.push({ path: `${prefix}[${i}].name`, message: `duplicate connection name "${r.data.name}"` });
      return;
    }
    seen.add(r.data.name);
    connections.push(r.data);
  });
  return { connections, problems };
}

export function parseAnalysisSettings(raw: unknown, prefix = 'pgopt.analysis'): { settings: AnalysisSettings; problems: ConfigProblem[] } {
  const r = z.partial(analysisSettingsSchema).safeParse(raw ?? {});
  if (!r.success) return { settings: { ...DEFAULT_ANALYSIS }, problems: issuesToProblems(prefix, r.error) };
  return { settings: { ...DEFAULT_ANALYSIS, ...stripUndefined(r.data) }, problems: [] };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Parses the text of a pgopt.json file. JSON syntax errors become a problem, not an exception. A leading
 * byte-order mark (Windows editors save one) is read as a space, so problem offsets stay valid in the text.
 */
export function parsePgoptFile(text: string, fileLabel = 'pgopt.json'): { file: PgoptFile; problems: ConfigProblem[] } {
  let json: unknown;
  try {
    json = JSON.parse(blankBom(text));
  } catch (e) {
    return { file: {}, problems: [{ path: fileLabel, message: `invalid JSON: ${(e as Error).message}` }] };
  }
  const r = pgoptFileSchema.safeParse(json);
  if (!r.success) return { file: {}, problems: issuesToProblems(fileLabel, r.error) };
  const problems: ConfigProblem[] = [];
  if (r.data.connections) problems.push(...parseConnections(r.data.connections, `${fileLabel}.connections`).problems);
  if (r.data.analysis) problems.push(...parseAnalysisSettings(r.data.analysis, `${fileLabel}.analysis`).problems);
  if (r.data.lint) problems.push(...parseLintSettings(r.data.lint, `${fileLabel}.lint`).problems);
  if (r.data.queries) problems.push(...parseQueriesSettings(r.data.queries, `${fileLabel}.queries`).problems);
  if (r.data.activity) problems.push(...parseActivitySettings(r.data.activity, `${fileLabel}.activity`).problems);
  if (r.data.migrate) problems.push(...parseMigrateSettings(r.data.migrate, `${fileLabel}.migrate`).problems);
  if (r.data.integrity) problems.push(...parseIntegritySettings(r.data.integrity, `${fileLabel}.integrity`).problems);
  if (r.data.monitoring) problems.push(...parseMonitoringSettings(r.data.monitoring, `${fileLabel}.monitoring`).problems);
  if (r.data.maintenance) problems.push(...parseMaintenanceSettings(r.data.maintenance, `${fileLabel}.maintenance`).problems);
  if (r.data.policy !== undefined) {
    const pr = policySchema.safeParse(r.data.policy);
    if (!pr.success) problems.push(...issuesToProblems(`${fileLabel}.policy`, pr.error));
  }
  return { file: r.data, problems };
}

/** pgopt.explain.* (VS Code settings): how long EXPLAIN ANALYZE may run. */
export const explainSettingsSchema = z.strictObject({
  analyzeTimeoutMs: z._default(z.number().check(z.int(), z.minimum(100)), 60_000),
});
export type ExplainSettings = z.infer<typeof explainSettingsSchema>;
export const DEFAULT_EXPLAIN: ExplainSettings = { analyzeTimeoutMs: 60_000 };

export function parseExplainSettings(raw: unknown, prefix = 'pgopt.explain'): { settings: ExplainSettings; problems: ConfigProblem[] } {
  const r = z.partial(explainSettingsSchema).safeParse(raw ?? {});
  if (!r.success) return { settings: { ...DEFAULT_EXPLAIN }, problems: issuesToProblems(prefix, r.error) };
  return { settings: { ...DEFAULT_EXPLAIN, ...stripUndefined(r.data) }, problems: [] };
}
