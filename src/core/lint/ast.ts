// Small helpers over libpg-query's JSON AST (types from @pgsql/types). Rules use these instead of poking
// at node shapes, so a shape change is fixed in one place.
import type { Node, RangeVar, TypeName } from '@pgsql/types';
import type { RelName } from './types';

/** `{ IndexStmt: {...} }` -> ['IndexStmt', {...}]. */
export function unwrap(node: Node | undefined): [string, Record<string, unknown>] | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const keys = Object.keys(node);
  const k = keys[0];
  if (keys.length !== 1 || !k) return undefined;
  return [k, (node as unknown as Record<string, Record<string, unknown>>)[k] ?? {}];
}

/** The inner object when the node is of the given kind. */
export function as<T>(node: Node | undefined, kind: string): T | undefined {
  const u = unwrap(node);
  return u && u[0] === kind ? (u[1] as T) : undefined;
}

export function relName(rv: RangeVar | undefined): RelName | undefined {
  if (!rv?.relname) return undefined;
  return rv.schemaname ? { schema: rv.schemaname, name: rv.relname } : { name: rv.relname };
}

export function relLabel(rel: RelName | undefined): string {
  if (!rel) return '?';
  return rel.schema ? `${rel.schema}.${rel.name}` : rel.name;
}

/** Lower-case key used to match tables across statements ("public.t" and "t" both match "t"). */
export function relKey(rel: RelName): string {
  return rel.name.toLowerCase();
}

/** Type name without the pg_catalog prefix, lower-case: 'int4', 'varchar', 'timestamp', 'json'. */
export function typeNameOf(t: TypeName | undefined): string | undefined {
  const names = t?.names ?? [];
  const last = names[names.length - 1];
  const s = as<{ sval?: string }>(last, 'String')?.sval;
  return s?.toLowerCase();
}

/** Every node below (and including) `root`, depth first, with its kind. */
export function* walk(root: unknown): Generator<[string, Record<string, unknown>]> {
  const stack: unknown[] = [root];
  while (stack.length) {
    const cur = stack.pop();
    if (Array.isArray(cur)) {
      for (let i = cur.length - 1; i >= 0; i--) stack.push(cur[i]);
    } else if (cur && typeof cur === 'object') {
      const keys = Object.keys(cur);
      const k = keys[0];
      if (keys.length === 1 && k && /^[A-Z]/.test(k)) {
        const inner = (cur as Record<string, unknown>)[k];
        if (inner && typeof inner === 'object') yield [k, inner as Record<string, unknown>];
        stack.push(inner);
      } else {
        for (const v of Object.values(cur)) if (v && typeof v === 'object') stack.push(v);
      }
    }
  }
}

/**
 * UTF-16 offset (relative to the statement text) just after the first match of `re` at or after `from`;
 * used to place fixes such as inserting CONCURRENTLY after "INDEX". Skips matches inside quotes/comments
 * only approximately: callers match keywords near the start of a statement, before any literal.
 */
export function offsetAfter(text: string, re: RegExp, from = 0): number | undefined {
  const flags = re.flags.includes('g') ? re.flags : `${re.flags}g`;
  const g = new RegExp(re.source, flags);
  g.lastIndex = from;
  const m = g.exec(text);
  return m ? m.index + m[0].length : undefined;
}
