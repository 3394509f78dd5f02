// The fleet's one mapping from a command's result to a verdict. Kept in this single place so that the
// project-wide verdict (one core function over the findings) can replace it in one edit.
import type { ActiveAlert } from '../metrics/alerts';
import type { Report } from '../report/model';

export type Verdict = 'ok' | 'warning' | 'error';

export const VERDICT_ORDER: readonly Verdict[] = ['ok', 'warning', 'error'];

export function verdictRank(v: Verdict): number {
  return VERDICT_ORDER.indexOf(v);
}

export function worstVerdict(verdicts: Iterable<Verdict>): Verdict {
  let worst: Verdict = 'ok';
  for (const v of verdicts) if (verdictRank(v) > verdictRank(worst)) worst = v;
  return worst;
}

/** analyze: the report's one verdict (src/core/report/verdict.ts, already in summary.status). */
export function reportVerdict(report: Pick<Report, 'summary'>): Verdict {
  const s = report.summary.status;
  return s === 'error' || s === 'warning' ? s : 'ok';
}

/** snapshot: the worst active alert's severity. */
export function alertsVerdict(active: readonly Pick<ActiveAlert, 'rule'>[]): Verdict {
  return worstVerdict(active.map((a) => (a.rule.severity === 'error' ? 'error' : a.rule.severity === 'warning' ? 'warning' : 'ok')));
}
