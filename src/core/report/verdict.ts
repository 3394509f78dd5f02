// The one verdict (ok / warning / error) of a set of findings. The report badge (webview, HTML, Markdown,
// text), `pgopt analyze`'s exit code, `pgopt snapshot`'s exit code and the status-bar health item all ask
// this function, so they cannot disagree about the same findings:
//   error   — at least one error finding (or an analyzer that failed);
//   warning — no error, at least one warning;
//   ok      — nothing above info (info findings are advice, not a problem).
// Snapshot alerts are findings too (alertFindings): an error-severity alert rule is an error, a warning
// rule a warning. Pure and free of Node imports: the webview bundles the report model that uses it.
// It imports nothing: the report model (summarize) and the alert evaluator (alerts.ts) call it, so it takes
// their findings, alerts and reports by the fields it reads (an import back would be a cycle).

/** A finding as the verdict counts it (ReportFinding's severity: 'error' | 'warning' | 'info'). */
interface Judged {
  severity: string;
}

/** An active snapshot alert (metrics/alerts.ts ActiveAlert), by the fields turned into a finding. */
interface AlertLike {
  ruleKey: string;
  message: string;
  rule: { metric: string; severity: 'warning' | 'error' };
}

/** A report (model.ts Report), by the fields judged. */
interface JudgedReport {
  generatedAt: string;
  sections: readonly { findings: readonly Judged[]; error?: unknown }[];
}

export type Verdict = 'ok' | 'warning' | 'error';

export interface VerdictCounts {
  errors: number;
  warnings: number;
  infos: number;
  verdict: Verdict;
}

/** `failures` counts things that went wrong outside any finding (an analyzer that threw): each is an error. */
export function verdictOf(findings: Iterable<Judged>, failures = 0): VerdictCounts {
  let errors = failures;
  let warnings = 0;
  let infos = 0;
  for (const f of findings) {
    if (f.severity === 'error') errors++;
    else if (f.severity === 'warning') warnings++;
    else infos++;
  }
  return { errors, warnings, infos, verdict: errors > 0 ? 'error' : warnings > 0 ? 'warning' : 'ok' };
}

/** Exit code of a CLI command that judges findings: 1 on an error verdict, else 0. */
export function verdictExitCode(v: Verdict): 0 | 1 {
  return v === 'error' ? 1 : 0;
}

/** Active snapshot alerts as findings (id `alert.<metric>`, the rule's severity), for verdictOf. */
export function alertFindings(active: readonly AlertLike[]): { id: string; severity: 'warning' | 'error'; title: string; detail: string }[] {
  return active.map((a) => ({
    id: `alert.${a.rule.metric}`,
    severity: a.rule.severity,
    title: a.message,
    detail: `Monitoring alert rule "${a.ruleKey}" holds in the latest snapshot.`,
  }));
}

/** "2 errors, 1 warning" / "no warning or error": the counts behind a verdict, for badges and tooltips. */
export function describeVerdict(v: VerdictCounts): string {
  const parts: string[] = [];
  if (v.errors) parts.push(`${v.errors} error${v.errors === 1 ? '' : 's'}`);
  if (v.warnings) parts.push(`${v.warnings} warning${v.warnings === 1 ? '' : 's'}`);
  return parts.length ? parts.join(', ') : 'no warning or error';
}

/** What the status-bar health item shows and why: the verdict of the latest snapshot's alerts together
 *  with the findings of the latest report of the same connection (when one was built in this window), so
 *  the item and the report's badge cannot contradict each other. `basis` says what was judged. */
export interface HealthJudgement {
  verdict: VerdictCounts;
  basis: string[];
}

export function judgeHealth(active: readonly AlertLike[], takenAt: string, report?: JudgedReport): HealthJudgement {
  const alerts = verdictOf(alertFindings(active));
  const basis = [`Monitoring alerts of the snapshot taken ${takenAt} (server time): ${active.length ? describeVerdict(alerts) : 'none active'}.`];
  if (!report) {
    basis.push('No report was built for this connection in this window, so only the monitoring alerts are judged; Show Health Report runs every check.');
    return { verdict: alerts, basis };
  }
  const findings = report.sections.flatMap((s) => s.findings);
  const failures = report.sections.filter((s) => s.error).length;
  const own = verdictOf(findings, failures);
  basis.push(`The report of ${report.generatedAt}: ${own.verdict} (${describeVerdict(own)}).`);
  return { verdict: verdictOf([...alertFindings(active), ...findings], failures), basis };
}
