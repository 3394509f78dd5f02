// Sections shown in brief inside another: the PgBouncer pooler inside Connections. Connections alone sees a
// pooler only by application_name (best effort); with a pooler admin URL configured (pgopt.json pooler.url,
// --pooler-url) the pooler section reads PgBouncer itself, and Connections then shows that reading — waiting
// clients, longest wait, server connections, pool mode and the pooler's findings — where connection problems
// are looked for. One pure step over the finished sections, so every output (webview, text, HTML, Markdown,
// JSON) has the same model; the findings stay in the pooler section (counted once).
import { poolMostlyIdleFinding, type PoolerSeen } from '../analyzers/connections/activity';
import { worstStatus, type ReportFinding, type ReportSection, type ReportSubsection, type Severity } from './model';

/** The pooler's metrics worth seeing next to the server's sessions, in this order. */
const POOLER_KEY_METRICS = ['pooler-waiting', 'pooler-maxwait', 'pooler-servers', 'pooler-clients', 'pooler-mode'];
const SUBSECTION_FINDINGS = 3;

/** Whether the pooler section read (or tried to read) a configured admin console. */
function poolerConfigured(s: ReportSection): boolean {
  return s.error !== undefined || s.metrics.length > 0;
}

export function poolerSubsection(pooler: ReportSection): ReportSubsection {
  const order: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  return {
    id: 'pooler',
    title: pooler.title,
    status: pooler.status,
    summary: pooler.error !== undefined ? 'The pooler admin console (its admin URL: pooler.url, --pooler-url or the pgopt.pooler.url setting) could not be read.' : pooler.summary,
    metrics: POOLER_KEY_METRICS.map((id) => pooler.metrics.find((m) => m.id === id)).filter((m) => m !== undefined),
    findings: [...pooler.findings]
      .sort((a, b) => order[a.severity] - order[b.severity])
      .slice(0, SUBSECTION_FINDINGS)
      .map((f) => ({ severity: f.severity, title: f.title })),
    sectionId: pooler.id,
    ...(pooler.error !== undefined ? { error: pooler.error } : {}),
  };
}

/**
 * Connections' "many connections, few active" advice once PgBouncer was read: phrased against its pool mode
 * (or dropped when the connections are the pooler's own), never "put a transaction-mode pooler in front" next to
 * the pooler that is there. The numbers come from Connections' own metrics, the evidence from its finding.
 */
export function poolAdviceWithPooler(connections: ReportSection, pooler: ReportSection): ReportFinding[] {
  const metric = (s: ReportSection, id: string): unknown => s.metrics.find((m) => m.id === id)?.value;
  const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const seen: PoolerSeen = { mode: typeof metric(pooler, 'pooler-mode') === 'string' ? (metric(pooler, 'pooler-mode') as string) : null, servers: num(metric(pooler, 'pooler-servers')) };
  const out: ReportFinding[] = [];
  for (const f of connections.findings) {
    if (f.id !== 'connections.pool-mostly-idle') {
      out.push(f);
      continue;
    }
    const sessions = num(metric(connections, 'connections-used'));
    const peak = num(metric(connections, 'active-concurrency'));
    if (sessions === null || peak === null) {
      out.push(f);
      continue;
    }
    const evidence = /^Evidence: ([\s\S]*?)\. Each idle/.exec(f.detail)?.[1] ?? `${sessions} client sessions, peak ${peak} active`;
    const again = poolMostlyIdleFinding({ sessions, peak, suggested: num(metric(connections, 'suggested-pool')) ?? undefined, evidence }, seen);
    if (again) out.push({ ...f, ...again });
  }
  return out;
}

/**
 * Connections with the pooler subsection when a pooler admin URL is configured (else the sections unchanged).
 * Its best-effort "Connection pooler" metric (application_name) then names the admin console instead.
 */
export function withPoolerInConnections(sections: ReportSection[]): ReportSection[] {
  const pooler = sections.find((s) => s.id === 'pooler');
  const at = sections.findIndex((s) => s.id === 'connections');
  if (!pooler || at < 0 || !poolerConfigured(pooler)) return sections;
  const sub = poolerSubsection(pooler);
  return sections.map((s, i) => {
    if (i !== at) return s;
    const metrics = pooler.error !== undefined
      ? s.metrics
      : s.metrics.map((m) => (m.id === 'pooler' ? { ...m, value: 'pgbouncer', display: 'PgBouncer, read from its admin console: see below' } : m));
    const findings = pooler.error !== undefined ? s.findings : poolAdviceWithPooler(s, pooler);
    const status = findings === s.findings ? s.status : worstStatus([...findings.map((f) => f.severity), ...metrics.map((m) => m.status ?? 'ok')]);
    return { ...s, metrics, findings, status, subsections: [...(s.subsections ?? []).filter((x) => x.id !== sub.id), sub] };
  });
}
