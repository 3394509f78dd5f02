// Settings and pgopt.json, validated with zod. parse*() never throws: it returns what is usable and a
// list of problems, each naming the offending key, so the host can show them without crashing.
// zod/mini (22 kB with English messages) instead of classic zod (450 kB): the CLI and the extension's
// heavy bundle load this on every run.
import * as z from 'zod/mini';
import { en } from 'zod/locales';

z.config(en());

export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

const hasPasswordInUrl = (url: string): boolean => {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
};

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

/** pgopt.json at the workspace root (also read by the CLI with --config). Later sections are added here. */
export const pgoptFileSchema = z.looseObject({
  $schema: z.optional(z.string()),
  connections: z.optional(z.array(z.unknown())),
  analysis: z.optional(z.unknown()),
  lint: z.optional(z.unknown()),
  queries: z.optional(z.unknown()),
  activity: z.optional(z.unknown()),
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

/** Parses the text of a pgopt.json file. JSON syntax errors become a problem, not an exception. */
export function parsePgoptFile(text: string, fileLabel = 'pgopt.json'): { file: PgoptFile; problems: ConfigProblem[] } {
  let json: unknown;
  try {
    json = JSON.parse(text);
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
