// Snapshot cost: time of the read-only batch, bytes stored per snapshot, store write time and file growth,
// on whatever database the caller points at (the 10,000-table scale database, HealthMate).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probeCapabilities } from '../src/core/db/capabilities';
import type { DbSession } from '../src/core/db/session';
import { collectSnapshot, type Snapshot } from '../src/core/metrics/snapshot';
import { openSqliteSnapshotStore } from '../src/core/metrics/sqliteSnapshotStore';

export interface SnapshotCost {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  medianBytes: number;
  storeAddMedianMs: number;
  storeFileBytes: number;
  statementsSampled: number;
}

export async function snapshotCost(session: DbSession, label: string, line: (l: string, v: string) => void, runs = 7): Promise<SnapshotCost> {
  const caps = await session.readOnly((q) => probeCapabilities(q));
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-snapbench-'));
  const store = openSqliteSnapshotStore(join(dir, 'snapshots.sqlite'));
  const times: number[] = [];
  const bytes: number[] = [];
  const adds: number[] = [];
  let last: Snapshot | undefined;
  try {
    await collectSnapshot(session, { caps }); // warm the catalog caches, as a scheduler's later runs are
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      last = await collectSnapshot(session, { caps });
      times.push(performance.now() - t);
      const a = performance.now();
      const r = store.add('bench', last);
      adds.push(performance.now() - a);
      bytes.push(r.bytes);
    }
  } finally {
    store.close();
  }
  const fileBytes = statSync(join(dir, 'snapshots.sqlite')).size;
  rmSync(dir, { recursive: true, force: true });
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const cost: SnapshotCost = {
    runs,
    medianMs: med(times),
    minMs: Math.min(...times),
    maxMs: Math.max(...times),
    medianBytes: med(bytes),
    storeAddMedianMs: med(adds),
    storeFileBytes: fileBytes,
    statementsSampled: last?.statements?.length ?? 0,
  };
  line(`${label}: snapshot (median of ${runs})`, `${cost.medianMs.toFixed(1)} ms (min ${cost.minMs.toFixed(1)}, max ${cost.maxMs.toFixed(1)})`);
  line(`${label}: bytes stored per snapshot (median)`, `${(cost.medianBytes / 1024).toFixed(1)} kB (${cost.statementsSampled} statements)`);
  line(`${label}: store write per snapshot (median)`, `${cost.storeAddMedianMs.toFixed(1)} ms; file ${(fileBytes / 1024).toFixed(0)} kB after ${runs}`);
  return cost;
}
