// How findings are shown in an editor, where one problem should be one diagnostic: a statement with neither a
// lock_timeout nor a statement_timeout before it gets one "no timeouts" diagnostic (under require-lock-timeout,
// with a fix that inserts both settings) instead of two near-identical ones. The CLI and the JSON/SARIF outputs
// keep both rule findings (squawk parity, per-rule configuration); ignore comments still name either rule. Pure.
import type { LintFinding } from './types';

const LOCK = 'require-lock-timeout';
const STATEMENT = 'require-statement-timeout';

export function editorFindings(findings: readonly LintFinding[]): LintFinding[] {
  const statementTimeouts = new Map<number, LintFinding>();
  for (const f of findings) if (f.ruleId === STATEMENT && f.statementIndex !== undefined) statementTimeouts.set(f.statementIndex, f);
  if (statementTimeouts.size === 0) return [...findings];
  const merged = new Set<LintFinding>();
  const out: LintFinding[] = [];
  for (const f of findings) {
    const partner = f.ruleId === LOCK && f.statementIndex !== undefined ? statementTimeouts.get(f.statementIndex) : undefined;
    if (!partner) {
      out.push(f);
      continue;
    }
    merged.add(partner);
    const at = f.fix?.edits[0]?.start ?? f.start;
    out.push({
      ...f,
      severity: rank(partner.severity) < rank(f.severity) ? partner.severity : f.severity,
      message: `${f.message.replace(/^No lock_timeout before this statement/, 'No lock_timeout and no statement_timeout before this statement')} Nothing cancels it either if it runs long.`,
      help: "SET lock_timeout = '1s' and SET statement_timeout = '5s' (or a budget that fits) before it, and retry the migration if it times out.",
      fix: { title: 'Insert SET lock_timeout and statement_timeout', edits: [{ start: at, end: at, newText: "SET lock_timeout = '1s';\nSET statement_timeout = '5s';\n" }] },
    });
  }
  return out.filter((f) => !merged.has(f));
}

function rank(s: LintFinding['severity']): number {
  return s === 'error' ? 0 : s === 'warning' ? 1 : s === 'info' ? 2 : 3;
}
