// Compact facts about earlier statements, for rules that look back. The engine lints a file statement by
// statement and drops each parse tree once every rule has seen it (see linter.ts): a rule that needs something
// from an earlier statement records it here, in its `summarize` step, while that statement's tree is at hand.
// Facts are per lint run (keyed by the run's FileState) and shared by the rules that need the same ones:
// whichever enabled rule summarises a statement first records it, once.
import type { AlterTableCmd, IndexElem, IndexStmt } from '@pgsql/types';
import { alterTableOf, as, beginsTransaction, columnConstraints, columnDefOf, constraintOf, endsTransaction, notNullCheckColumn, relKey, relName } from './ast';
import type { FileState, RelName, RuleContext } from './types';

/**
 * Where a run's rule state lives: a slot on its FileState (a WeakMap lookup per call cost ~3 % of a re-lint). The
 * engine's FileState declares it from the start (linter.ts), so its shape never changes mid-run.
 */
export const FILE_MEMO = Symbol('fileMemo');
const MEMO = FILE_MEMO;

/** Per lint run state under `key` (one FileState per run), made on first use. */
export function fileMemo<T>(file: FileState, key: string, make: () => T): T {
  const slot = file as unknown as { [MEMO]?: Map<string, unknown> };
  let m = slot[MEMO];
  if (!m) {
    m = new Map();
    slot[MEMO] = m;
  }
  let v = m.get(key) as T | undefined;
  if (v === undefined && !m.has(key)) {
    v = make();
    m.set(key, v);
  }
  return v as T;
}

/** `${key}:at` per key, built once (a template per call and statement made a new string to hash each time). */
const ONCE_KEYS = new Map<string, string>();
function onceKey(key: string): string {
  const k = `${key}:at`;
  ONCE_KEYS.set(key, k);
  return k;
}

/** Runs `record` once per statement and key, however many rules ask (shared facts). */
function once(ctx: RuleContext, key: string, record: () => void): void {
  const last = fileMemo(ctx.file, ONCE_KEYS.get(key) ?? onceKey(key), () => ({ index: -1 }));
  if (last.index === ctx.stmt.index) return;
  last.index = ctx.stmt.index;
  record();
}

// ---- Indexes created earlier in the file, by name (DROP INDEX, REINDEX, PRIMARY KEY USING INDEX). ----

interface IndexFact {
  rel: RelName | undefined;
  /** Column names of the index (expressions as '?'). */
  columns: string[];
}

function indexesByName(file: FileState): Map<string, IndexFact> {
  return fileMemo(file, 'summaries.indexes', () => new Map<string, IndexFact>());
}

/** Summarize step: a CREATE INDEX records its name (the latest one of a name wins). */
export function recordIndex(ctx: RuleContext): void {
  if (ctx.stmt.kind !== 'IndexStmt') return;
  once(ctx, 'summaries.indexes', () => {
    const idx = as<IndexStmt>(ctx.stmt.node, 'IndexStmt');
    const name = idx?.idxname?.toLowerCase();
    if (name === undefined) return;
    indexesByName(ctx.file).set(name, { rel: relName(idx?.relation), columns: (idx?.indexParams ?? []).map((p) => as<IndexElem>(p, 'IndexElem')?.name ?? '?') });
  });
}

/** The table (and columns) of the latest CREATE INDEX of that name before this statement. */
export function indexCreatedEarlier(file: FileState, indexName: string): IndexFact | undefined {
  return indexesByName(file).get(indexName.toLowerCase());
}

// ---- NOT NULL proofs (adding-not-nullable-field, primary-key-using-index-sets-not-null). ----

/** What an earlier ALTER TABLE did that can prove a column NOT NULL, in file order per table. */
type NotNullEvent =
  | { kind: 'check'; name: string | undefined; column: string; valid: boolean }
  | { kind: 'validate'; name: string }
  | { kind: 'notnull'; column: string };

interface NotNullFacts {
  events: Map<string, NotNullEvent[]>;
  /** Per table, every constraint name an ALTER TABLE of the file drops (so far; complete at finish). */
  drops: Map<string, Set<string>>;
}

function notNullFacts(file: FileState): NotNullFacts {
  return fileMemo(file, 'summaries.notNull', () => ({ events: new Map(), drops: new Map() }));
}

/** Summarize step: an ALTER TABLE records its NOT NULL evidence and the constraints it drops. */
export function recordNotNullEvidence(ctx: RuleContext): void {
  if (ctx.stmt.kind !== 'AlterTableStmt') return;
  once(ctx, 'summaries.notNull', () => {
    const at = alterTableOf(ctx.stmt.node);
    if (!at?.rel) return;
    const facts = notNullFacts(ctx.file);
    const key = relKey(at.rel);
    const out: NotNullEvent[] = [];
    for (const cmd of at.cmds) {
      if (cmd.subtype === 'AT_AddConstraint') {
        const c = constraintOf(cmd.def);
        const checked = notNullCheckColumn(c);
        if (c && checked) out.push({ kind: 'check', name: c.conname?.toLowerCase(), column: checked.toLowerCase(), valid: !c.skip_validation });
      } else if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name) {
        out.push({ kind: 'validate', name: cmd.name.toLowerCase() });
      } else if (cmd.subtype === 'AT_SetNotNull' && cmd.name) {
        out.push({ kind: 'notnull', column: cmd.name.toLowerCase() });
      } else if (cmd.subtype === 'AT_AddColumn') {
        const def = columnDefOf(cmd);
        if (def?.colname && (def.is_not_null || columnConstraints(def).some((k) => k.contype === 'CONSTR_NOTNULL' || k.contype === 'CONSTR_PRIMARY'))) out.push({ kind: 'notnull', column: def.colname.toLowerCase() });
      } else if (cmd.subtype === 'AT_DropConstraint' && cmd.name) {
        let d = facts.drops.get(key);
        if (!d) facts.drops.set(key, (d = new Set()));
        d.add(cmd.name.toLowerCase());
      }
    }
    if (!out.length) return;
    const list = facts.events.get(key);
    if (list) for (const e of out) list.push(e);
    else facts.events.set(key, out);
  });
}

/**
 * Whether earlier statements of the file prove `column` of `rel` holds no NULLs without a scan by SET NOT NULL
 * (Postgres 12+ skips the scan when a *validated* CHECK (col IS NOT NULL) exists): a CHECK (col IS NOT NULL)
 * added valid, or added NOT VALID and later VALIDATEd; a column added or set NOT NULL earlier; or (constraint
 * added by an earlier migration) a VALIDATE CONSTRAINT on the same table named `<col>_not_null` /
 * `<table>_<col>_not_null`, or any VALIDATE CONSTRAINT of a constraint that this file drops (the validate /
 * SET NOT NULL / drop helper pattern). That last case can hinge on a later statement: then the answer is the
 * constraint names whose drop anywhere in the file proves it (`droppedInFile` at finish decides).
 * `useChecks = false` (Postgres < 12) accepts only columns declared or set NOT NULL.
 */
export function notNullProvenEarlier(file: FileState, rel: RelName, column: string, useChecks = true): boolean | { ifDropped: string[] } {
  const col = column.toLowerCase();
  const facts = notNullFacts(file);
  const checks = new Map<string, { column: string; valid: boolean }>();
  const externalValidates: string[] = [];
  for (const e of facts.events.get(relKey(rel)) ?? []) {
    if (e.kind === 'check') {
      if (e.name) checks.set(e.name, { column: e.column, valid: e.valid });
      if (useChecks && e.valid && e.column === col) return true;
    } else if (e.kind === 'validate') {
      const known = checks.get(e.name);
      if (known) {
        if (useChecks && known.column === col) return true;
      } else if (useChecks) externalValidates.push(e.name);
    } else if (e.column === col) return true;
  }
  if (!externalValidates.length) return false;
  const table = rel.name.toLowerCase();
  for (const name of externalValidates) {
    if (name === `${col}_not_null` || name === `${table}_${col}_not_null`) return true;
  }
  // Validate + drop of the same helper constraint in this file, name not telling the column.
  const candidates = externalValidates.filter((n) => !/_not_null$/.test(n));
  if (!candidates.length) return false;
  if (droppedInFile(file, rel, candidates)) return true;
  return { ifDropped: candidates };
}

/** Whether an ALTER TABLE of the file (so far; the whole file once finished) drops one of these constraints of `rel`. */
export function droppedInFile(file: FileState, rel: RelName, names: readonly string[]): boolean {
  const d = notNullFacts(file).drops.get(relKey(rel));
  return !!d && names.some((n) => d.has(n));
}

// ---- The current transaction (constraint-missing-not-valid). ----

/** Summarize step: constraints added NOT VALID since the last BEGIN/COMMIT/ROLLBACK, as `table\0name`. */
export function recordNotValidInTransaction(ctx: RuleContext): void {
  // Only transaction control and ALTER TABLE change the set (the rule's summarizeKinds).
  if (ctx.stmt.kind !== 'TransactionStmt' && ctx.stmt.kind !== 'AlterTableStmt') return;
  once(ctx, 'summaries.notValid', () => {
    const set = notValidInTransaction(ctx.file);
    if (endsTransaction(ctx.stmt.node) || beginsTransaction(ctx.stmt.node)) {
      set.clear();
      return;
    }
    if (ctx.stmt.kind !== 'AlterTableStmt') return;
    const at = alterTableOf(ctx.stmt.node);
    if (!at?.rel) return;
    for (const c of at.cmds as AlterTableCmd[]) {
      const k = c.subtype === 'AT_AddConstraint' ? constraintOf(c.def) : undefined;
      if (k?.skip_validation && k.conname) set.add(`${relKey(at.rel)}\0${k.conname.toLowerCase()}`);
    }
  });
}

/** Constraints of the current transaction added NOT VALID by earlier statements (see recordNotValidInTransaction). */
export function notValidInTransaction(file: FileState): Set<string> {
  return fileMemo(file, 'summaries.notValidSet', () => new Set<string>());
}
