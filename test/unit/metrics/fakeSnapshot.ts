// Builds Snapshot values for unit tests of the store, deltas and alerts (the real collector is covered by
// test/db/snapshot.test.ts against a real server).
import type { MetricValues } from '../../../src/core/metrics/metricDefs';
import type { Snapshot, StatementSample } from '../../../src/core/metrics/snapshot';

export function makeSnapshot(takenAtMs: number, metrics: MetricValues, extra: Partial<Snapshot> = {}): Snapshot {
  return {
    schemaVersion: 1,
    takenAt: new Date(takenAtMs).toISOString(),
    takenAtMs,
    database: 'app',
    serverVersionNum: 150000,
    statsReset: null,
    inRecovery: false,
    maxConnections: 100,
    dbSizeEstimated: false,
    metrics,
    connectionsByState: { active: 1 },
    statements: [] as StatementSample[],
    tables: [],
    indexes: [],
    replicas: [],
    durationMs: 1,
    ...extra,
  };
}
