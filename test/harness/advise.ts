// The advisor on a real database, as the db tests call it: its own read-only session (application_name names the
// test), capabilities probed as the hosts do, runAdvisor inside the session's read-only transaction.
import { runAdvisor, type AdvisorResult } from '../../src/core/advisor/advisor';
import { probeCapabilities } from '../../src/core/db/capabilities';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';

export async function withAdvisorSession<T>(url: string, appName: string, fn: (s: DbSession) => Promise<T>, statementTimeoutMs = 30_000): Promise<T> {
  const s = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), appName), { analysis: { statementTimeoutMs, lockTimeoutMs: 1_000 } });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

export function adviseOn(url: string, appName: string, opts: Parameters<typeof runAdvisor>[2], statementTimeoutMs = 30_000): Promise<AdvisorResult> {
  return withAdvisorSession(
    url,
    appName,
    async (s) => {
      const caps = await s.readOnly((q) => probeCapabilities(q));
      return s.readOnly((q) => runAdvisor(q, caps, opts));
    },
    statementTimeoutMs,
  );
}
