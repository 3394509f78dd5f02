// pgopt.json "pooler": the PgBouncer admin console the pooler section reads. Dependency-light (zod only): the
// pgopt.json JSON-schema generator imports it.
import * as z from 'zod/mini';
import { issuesToProblems, type ConfigProblem } from '../../config';

export const poolerSettingsSchema = z.strictObject({
  /** Admin console URL, e.g. postgres://pgbouncer@host:6432/pgbouncer. */
  url: z.optional(z.string().check(z.regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql:// (the admin console, database "pgbouncer")'))),
  /** SHOW POOLS samples over about a second. */
  samples: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(20))),
});
export type PoolerSettings = z.infer<typeof poolerSettingsSchema>;

export function parsePoolerSettings(raw: unknown, prefix = 'pgopt.json pooler'): { settings: PoolerSettings; problems: ConfigProblem[] } {
  const r = poolerSettingsSchema.safeParse(raw ?? {});
  if (!r.success) return { settings: {}, problems: issuesToProblems(prefix, r.error) };
  return { settings: r.data, problems: [] };
}

