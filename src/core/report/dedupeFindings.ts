// One finding per object and problem across the report's sections. Some problems are seen by an overview
// check (Health) and by the section that looks at them closely (Constraints dry-runs a NOT VALID
// constraint, Indexes knows an invalid index's size and rebuild, Connections lists each idle session):
// the more specific section owns the finding, the other one is dropped when both are in the report. With
// only the overview section selected (`--sections health`), its finding stays.
import type { DbObjectRef, ReportFinding, ReportSection } from './model';

export interface SameProblem {
  /** The finding id that owns the problem (the more specific section's). */
  owner: string;
  /** Finding ids of other sections that report the same problem. */
  covers: readonly string[];
  /** `object`: only a covered finding on the same object is dropped; `any`: any owner finding covers them all
   *  (an overview finding that aggregates what the owner lists one by one). */
  match: 'object' | 'any';
}

export const SAME_PROBLEMS: readonly SameProblem[] = [
  // An integrity rule whose condition is an existing NOT VALID constraint carries that constraint as object.
  { owner: 'constraints.not-valid', covers: ['health.not-valid-constraint', 'integrity.rule-violation', 'integrity.rule-holds'], match: 'object' },
  { owner: 'indexes.invalid', covers: ['health.invalid-index'], match: 'object' },
  { owner: 'connections.idle-in-transaction', covers: ['health.idle-in-transaction'], match: 'any' },
];

export function objectKey(o: DbObjectRef | undefined): string | undefined {
  if (!o) return undefined;
  return JSON.stringify([o.kind, o.schema ?? null, o.table ?? null, o.name]);
}

export interface DedupeResult {
  sections: ReportSection[];
  /** The findings dropped, each with the id of the finding that owns its problem. */
  dropped: { section: string; finding: ReportFinding; ownedBy: string }[];
}

/** Sections with covered findings removed (new arrays; the input is not changed). */
export function dedupeFindings(sections: readonly ReportSection[], rules: readonly SameProblem[] = SAME_PROBLEMS): DedupeResult {
  const owned = new Map<string, Set<string>>(); // owner id -> object keys ('*' = some finding without object)
  for (const s of sections) {
    for (const f of s.findings) {
      if (!rules.some((r) => r.owner === f.id)) continue;
      const set = owned.get(f.id) ?? new Set<string>();
      set.add(objectKey(f.object) ?? '*');
      owned.set(f.id, set);
    }
  }
  const dropped: DedupeResult['dropped'] = [];
  const out = sections.map((s) => {
    const findings = s.findings.filter((f) => {
      for (const r of rules) {
        if (!r.covers.includes(f.id)) continue;
        const keys = owned.get(r.owner);
        if (!keys) continue;
        const key = objectKey(f.object);
        if (r.match === 'any' || (key !== undefined && keys.has(key))) {
          dropped.push({ section: s.id, finding: f, ownedBy: r.owner });
          return false;
        }
      }
      return true;
    });
    return findings.length === s.findings.length ? s : { ...s, findings };
  });
  return { sections: out, dropped };
}
