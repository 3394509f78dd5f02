// Where in pgopt.json each config problem is, so it can be shown as a diagnostic at the offending key.
// Pure (no vscode): problems carry dotted paths rooted at `$` (`$.lint.rules.foo`, `$.connections[1].port`);
// jsonc-parser gives the syntax tree with offsets. A path that no longer exists falls back to its nearest
// existing parent; a JSON syntax error is placed where the parser stopped.
// The ESM build: esbuild bundles the package's default UMD entry with its inner requires left dynamic,
// which fail at run time ("Cannot find module './impl/format'").
import { findNodeAtLocation, parseTree, printParseErrorCode, type Node, type ParseError, type Segment } from 'jsonc-parser/lib/esm/main.js';
import type { ConfigProblem } from '../../core/config';

export interface LocatedProblem {
  /** UTF-16 offsets in the file text. */
  start: number;
  end: number;
  message: string;
  /** The dotted path, for the message. */
  path: string;
}

/** `$.a.b[2].c` -> ['a', 'b', 2, 'c']. */
export function pathSegments(path: string, root = '$'): Segment[] {
  const rest = path.startsWith(root) ? path.slice(root.length) : path;
  const out: Segment[] = [];
  for (const m of rest.matchAll(/\.([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : (m[1] as string));
  return out;
}

function keyNode(obj: Node | undefined, key: string): Node | undefined {
  if (obj?.type !== 'object') return undefined;
  return obj.children?.find((p) => p.children?.[0]?.value === key)?.children?.[0];
}

export function locateConfigProblems(text: string, problems: readonly ConfigProblem[], root = '$'): LocatedProblem[] {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const out: LocatedProblem[] = [];
  for (const p of problems) {
    const display = p.path === root ? '' : p.path.slice(root.length + 1);
    if (/^invalid JSON/i.test(p.message) || !tree) {
      const e = errors[0];
      const start = e ? e.offset : 0;
      out.push({ start, end: start + Math.max(1, e?.length ?? 1), message: e ? `${p.message} (${printParseErrorCode(e.error)})` : p.message, path: display });
      continue;
    }
    const segments = pathSegments(p.path, root);
    // "unknown keys: a, b" (zod's unrecognized_keys) names keys of the object at the path: point at each key.
    const unknown = /^unknown keys?: (.+)$/.exec(p.message);
    if (unknown) {
      const obj = findNodeAtLocation(tree, segments);
      const keys = (unknown[1] ?? '').split(',').map((k) => k.trim());
      let placed = false;
      for (const k of keys) {
        const n = keyNode(obj, k);
        if (!n) continue;
        placed = true;
        out.push({ start: n.offset, end: n.offset + n.length, message: `unknown key "${k}"`, path: display ? `${display}.${k}` : k });
      }
      if (placed) continue;
    }
    // The value at the path, or the nearest parent that exists (a missing required key points at its object).
    let node: Node | undefined;
    for (let n = segments.length; n >= 0 && !node; n--) node = findNodeAtLocation(tree, segments.slice(0, n));
    node ??= tree;
    // For a bad key of a record (e.g. lint.rules["Bad_Id"]) point at the key rather than the value.
    const last = segments[segments.length - 1];
    const parentKey = typeof last === 'string' && node.parent?.type === 'property' ? node.parent.children?.[0] : undefined;
    const target = /kebab-case|unknown rule|invalid key/i.test(p.message) && parentKey ? parentKey : node;
    out.push({ start: target.offset, end: target.offset + target.length, message: p.message, path: display });
  }
  return out;
}
