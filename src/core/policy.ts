// The access policy: which writes a connection may be asked to do. One check, checkWrite(), that both hosts
// call right before every write (CLI: migrate up/down, migrate trace --on-target, advise --scratch-whatif; editor:
// Apply Now, migrations apply/rollback, trace on the target, cancel/terminate backend, reset statistics), so a hidden button is never the only guard.
// A policy comes from pgopt.json "policy" and from a connection's own "policy" (settings or pgopt.json);
// several sources combine to the strictest: any readOnly wins, any production wins, allow lists intersect.
import { issuesToProblems, policySchema, type AccessPolicy, type ConfigProblem, type WriteAction } from './config';

export { WRITE_ACTIONS, policySchema, type AccessPolicy, type WriteAction } from './config';

/** What each action is called in a sentence. */
export const WRITE_ACTION_LABELS: Record<WriteAction, string> = {
  'apply-now': 'Apply Now',
  'migrate-up': 'migrate up',
  'migrate-down': 'migrate down',
  'cancel-backend': 'cancel a backend',
  'terminate-backend': 'terminate a backend',
  'reset-statistics': 'reset statistics',
  'scratch-whatif': 'scratch what-if on the target',
  'trace-on-target': 'a migration trace on the target',
};

/** Parses a "policy" object; a bad one is reported and treated as read-only (fail closed). */
export function parsePolicy(raw: unknown, prefix = 'pgopt.json policy'): { policy: AccessPolicy; problems: ConfigProblem[] } {
  if (raw === undefined || raw === null) return { policy: {}, problems: [] };
  const r = policySchema.safeParse(raw);
  if (!r.success) return { policy: { readOnly: true }, problems: issuesToProblems(prefix, r.error) };
  return { policy: r.data, problems: [] };
}

/** The strictest combination of several policies (pgopt.json, the connection's settings, user settings). */
export function combinePolicies(...policies: ReadonlyArray<AccessPolicy | undefined>): AccessPolicy {
  const out: AccessPolicy = {};
  for (const p of policies) {
    if (!p) continue;
    if (p.readOnly) out.readOnly = true;
    if (p.production) out.production = true;
    if (p.allow) out.allow = out.allow ? out.allow.filter((a) => p.allow?.includes(a)) : [...p.allow];
  }
  return out;
}

export interface WriteContext {
  /** The connection's name, for the sentence. */
  connection?: string;
  /** The database name: a production connection asks to type it. */
  database?: string;
  /** What the user typed (or passed with --confirm-database) to confirm a write on a production connection. */
  confirmedDatabase?: string;
}

export type WriteCheck = { ok: true } | { ok: false; reason: 'read-only' | 'not-allowed' | 'production-confirmation'; refusal: string };

/**
 * May `action` run under `policy`? A refusal is one sentence that says which policy refused it and how to change
 * that. A production connection needs the database name typed (ctx.confirmedDatabase) for every write.
 */
export function checkWrite(policy: AccessPolicy, action: WriteAction, ctx: WriteContext = {}): WriteCheck {
  const what = WRITE_ACTION_LABELS[action];
  const on = ctx.connection ? ` on "${ctx.connection}"` : '';
  if (policy.readOnly) {
    return { ok: false, reason: 'read-only', refusal: `The access policy${on} is read-only (policy.readOnly: true), so ${what} is refused and nothing was written.` };
  }
  if (policy.allow && !policy.allow.includes(action)) {
    return {
      ok: false,
      reason: 'not-allowed',
      refusal: `The access policy${on} allows only ${policy.allow.length ? policy.allow.join(', ') : 'no writes'}, so ${what} (${action}) is refused and nothing was written; add "${action}" to policy.allow to permit it.`,
    };
  }
  if (policy.production) {
    const db = ctx.database ?? '';
    if (!db || ctx.confirmedDatabase !== db) {
      return {
        ok: false,
        reason: 'production-confirmation',
        refusal: `${ctx.connection ? `"${ctx.connection}"` : 'This connection'} is marked production (policy.production: true): ${what} needs the database name${db ? ` "${db}"` : ''} typed to confirm${ctx.confirmedDatabase !== undefined ? ` (got "${ctx.confirmedDatabase}")` : ''}; nothing was written.`,
      };
    }
  }
  return { ok: true };
}

/** Whether any write at all is possible (the editor hides write actions otherwise). */
export function writesOffered(policy: AccessPolicy, action: WriteAction): boolean {
  return !policy.readOnly && (!policy.allow || policy.allow.includes(action));
}
