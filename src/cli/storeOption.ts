// --store for the reading commands: a local file or the shared store (postgres://…), opened without
// creating anything, read as one consistent view of a connection's history.
import { nodeEnvAccess } from '../core/db/envAccess';
import { HistoryStoreError, openHistoryStore } from '../core/metrics/historyStore';
import { HOUR_MS, type SnapshotStore } from '../core/metrics/snapshotStore';
import { DEFAULT_SINCE_HOURS } from '../core/metrics/queryDeltasSection';
import { CliError } from './cliErrors';

export async function openHistoryView(
  location: string,
  key: string,
  timeoutS: number,
  baseline: { sinceHours?: number | undefined; atMs?: number | undefined },
): Promise<{ view: SnapshotStore; close: () => Promise<void> }> {
  try {
    const store = await openHistoryStore(location, { create: false, access: nodeEnvAccess(), connectTimeoutMs: timeoutS * 1000 });
    try {
      const view = await store.view(key, { baselineFrom: (newestMs) => baseline.atMs ?? newestMs - (baseline.sinceHours ?? DEFAULT_SINCE_HOURS) * HOUR_MS });
      return { view, close: () => store.close() };
    } catch (e) {
      await store.close();
      throw e;
    }
  } catch (e) {
    if (e instanceof HistoryStoreError) throw new CliError(e.message);
    throw e;
  }
}
