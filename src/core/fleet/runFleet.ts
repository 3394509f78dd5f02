// Runs one unit of work per fleet target with a bounded pool and a per-target timeout. Pure: the work is
// a function passed in (the CLI's analyze/snapshot/advise adapters), so the orchestration is testable
// without a database. One target failing or timing out never stops the others.

/** Targets at once and seconds per target when not configured (CLI --concurrency/--target-timeout, editor pgopt.fleet.*). */
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_TARGET_TIMEOUT_S = 120;

export interface FleetRunOptions {
  /** At most this many targets at once (>= 1). */
  concurrency: number;
  /** Each target gets this long; then its AbortSignal fires and it is recorded as failed. */
  timeoutMs: number;
  /** How to raise the timeout, for the timed-out message (default: the CLI's --target-timeout). */
  timeoutHint?: string;
  /** Ctrl+C: aborts every running target and starts no new one. */
  signal?: AbortSignal;
  onStart?(index: number): void;
  onFinish?(index: number, outcome: FleetOutcome<unknown>): void;
}

export type FleetOutcome<T> = { ok: true; value: T; durationMs: number } | { ok: false; error: string; timedOut: boolean; durationMs: number };

export class FleetTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    hint = 'raise it with --target-timeout',
  ) {
    super(`no result within ${formatSeconds(timeoutMs)} (per-target timeout; ${hint})`);
    this.name = 'FleetTimeoutError';
  }
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/**
 * Calls `work(target, signal)` for every target, at most `concurrency` at a time, each bounded by
 * `timeoutMs`. Outcomes come back in the targets' order. A timed-out target's signal is aborted (so its
 * queries are cancelled) and its slot is freed at once, whether or not the work honours the signal.
 */
export async function runFleet<TTarget, T>(
  targets: readonly TTarget[],
  work: (target: TTarget, signal: AbortSignal) => Promise<T>,
  opts: FleetRunOptions,
): Promise<FleetOutcome<T>[]> {
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const outcomes: FleetOutcome<T>[] = new Array(targets.length);
  let next = 0;

  const runOne = async (index: number): Promise<FleetOutcome<T>> => {
    const started = performance.now();
    const controller = new AbortController();
    const onOuterAbort = (): void => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener('abort', onOuterAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const e = new FleetTimeoutError(opts.timeoutMs, opts.timeoutHint);
        controller.abort(e);
        reject(e);
      }, opts.timeoutMs);
    });
    try {
      const value = await Promise.race([Promise.resolve().then(() => work(targets[index] as TTarget, controller.signal)), timeout]);
      return { ok: true, value, durationMs: Math.round(performance.now() - started) };
    } catch (e) {
      const timedOut = e instanceof FleetTimeoutError;
      return { ok: false, error: messageOf(e), timedOut, durationMs: Math.round(performance.now() - started) };
    } finally {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onOuterAbort);
    }
  };

  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      if (opts.signal?.aborted) return;
      const index = next++;
      opts.onStart?.(index);
      const outcome = await runOne(index);
      outcomes[index] = outcome;
      opts.onFinish?.(index, outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, () => worker()));
  for (let i = 0; i < targets.length; i++) {
    outcomes[i] ??= { ok: false, error: 'not started: cancelled', timedOut: false, durationMs: 0 };
  }
  return outcomes;
}

function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
