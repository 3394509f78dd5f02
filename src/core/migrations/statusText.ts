// Text of a migration's status for the Migrations view tooltip. Type imports only: the view lives in the
// light activation bundle.
import type { StatusEntry } from './types';

/**
 * The lines of a migration's tooltip (Migrations view): state, explanation, and when it was applied — or,
 * for a failed one, when it was attempted (a failed run applied nothing; its error is in `detail` once).
 */
export function describeStatusEntry(e: StatusEntry): string[] {
  const lines = [`${e.version} ${e.name}: ${e.state}`];
  if (e.detail) lines.push(e.detail);
  const a = e.applied;
  if (a?.appliedAt) {
    const by = a.appliedBy ? ` by ${a.appliedBy}` : '';
    if (e.state === 'failed') lines.push(`Attempted ${a.appliedAt}${by}${a.durationMs !== undefined ? `, failed after ${a.durationMs} ms` : ''}`);
    else lines.push(`Applied ${a.appliedAt}${by}${a.durationMs !== undefined ? ` in ${a.durationMs} ms` : ''}`);
  }
  // The failing statement's error is already in `detail` for failed entries; other states never carry one.
  if (a?.log?.failed && e.state !== 'failed') lines.push(`Failed at statement ${a.log.failed.index + 1}: ${a.log.failed.error}`);
  return lines;
}
