// Extra read-only connections held open for parallel work (the advisor's what-if plans): each is its own
// DbSession with one READ ONLY transaction (same timeouts, always rolled back) that lasts until close().
import type { AnalysisSettings } from '../config';
import type { ConnectOptions } from './connect';
import type { ConnectionSpec } from './connectionSpec';
import { DbSession, type QueryRunner } from './session';

export interface ReadOnlyLanes {
  runners: QueryRunner[];
  /** Rolls every transaction back and closes the connections. */
  close(): Promise<void>;
}

export async function openReadOnlyLanes(
  spec: ConnectionSpec,
  count: number,
  opts: ConnectOptions & { analysis?: AnalysisSettings; signal?: AbortSignal } = {},
): Promise<ReadOnlyLanes> {
  const sessions: DbSession[] = [];
  const runners: QueryRunner[] = [];
  const releases: (() => void)[] = [];
  const units: Promise<unknown>[] = [];
  const close = async (): Promise<void> => {
    for (const r of releases) r();
    await Promise.allSettled(units);
    await Promise.allSettled(sessions.map((s) => s.close()));
  };
  try {
    for (let i = 0; i < count; i++) {
      const s = await DbSession.open(spec, opts);
      sessions.push(s);
      await new Promise<void>((ready, failed) => {
        const unit = s.readOnly(
          (q) =>
            new Promise<void>((release) => {
              runners.push(q);
              releases.push(release);
              ready();
            }),
          opts.signal ? { signal: opts.signal } : {},
        );
        unit.catch(failed);
        units.push(unit.catch(() => undefined));
      });
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { runners, close };
}
