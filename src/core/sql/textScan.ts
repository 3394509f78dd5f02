// Text-level helpers over SQL source (no parse tree): keyword offsets, identifier spans and tokens. Used by
// the linter's rules to place findings and fixes, and usable by anything else that edits SQL text.

/**
 * The global / sticky copy of a caller's pattern, compiled once per pattern text and flags (compiling a RegExp
 * on every call was a measurable share of a cold `pgopt lint`). Keyed by text, not by object: a regex literal
 * inside a function is a new object on every call. Safe to share: every use sets lastIndex before its one exec.
 */
const compiled = new Map<string, RegExp>();
/** The same, by pattern object first (module-level patterns): no key string to build and hash per call. */
const byObject = new WeakMap<RegExp, { flags: string; r: RegExp }>();
function derived(re: RegExp, flags: string): RegExp {
  const known = byObject.get(re);
  if (known !== undefined && known.flags === flags) return known.r;
  const key = `${flags}/${re.source}`;
  let r = compiled.get(key);
  if (!r) {
    if (compiled.size >= 512) compiled.clear();
    r = new RegExp(re.source, flags);
    compiled.set(key, r);
  }
  byObject.set(re, { flags, r });
  return r;
}

/**
 * UTF-16 offset (relative to the statement text) just after the first match of `re` at or after `from`;
 * used to place fixes such as inserting CONCURRENTLY after "INDEX". Skips matches inside quotes/comments
 * only approximately: callers match keywords near the start of a statement, before any literal.
 */
export function offsetAfter(text: string, re: RegExp, from = 0): number | undefined {
  const g = derived(re, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  g.lastIndex = from;
  const m = g.exec(text);
  return m ? m.index + m[0].length : undefined;
}

/** Offset (relative to the text) just after a possibly qualified, possibly quoted identifier starting at `from`. */
export function identifierEnd(text: string, from: number): number | undefined {
  const m = /^(?:"(?:[^"]|"")*"|[\p{L}_][\p{L}\p{N}_$]*)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[\p{L}_][\p{L}\p{N}_$]*))*/u.exec(text.slice(from));
  return m ? from + m[0].length : undefined;
}

/**
 * Where to append a clause at the end of the statement (relative offset), or undefined when the
 * statement text ends in a comment (appending there would comment the clause out).
 */
export function appendOffset(text: string): number | undefined {
  const trimmed = text.replace(/\s+$/, '');
  const lastLine = trimmed.slice(trimmed.lastIndexOf('\n') + 1);
  if (/--/.test(lastLine) || trimmed.endsWith('*/')) return undefined;
  return trimmed.length;
}

/** `re` matched exactly at UTF-16 offset `at` of `text` (sticky), or undefined. */
export function matchAt(text: string, at: number, re: RegExp): RegExpExecArray | undefined {
  const y = derived(re, re.flags.replace(/[gy]/g, '') + 'y');
  y.lastIndex = at;
  return y.exec(text) ?? undefined;
}

/** An identifier token of SQL text (outside strings, comments and dollar quotes); UTF-16 offsets. */
export interface IdentToken {
  start: number;
  end: number;
  /** The identifier as Postgres sees it before truncation (quotes removed, `""` unescaped; unquoted as written). */
  value: string;
  quoted: boolean;
}

/**
 * Identifier tokens of a statement's text, skipping string literals ('', E'', $tag$...$tag$), comments
 * (nested block comments too), numbers and parameters. Keywords come out as identifiers: callers filter.
 */
export function identifierTokens(text: string): IdentToken[] {
  const out: IdentToken[] = [];
  const n = text.length;
  const isStart = (c: string): boolean => /[A-Za-z_\u0080-\uffff]/.test(c);
  const isPart = (c: string): boolean => /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
  let i = 0;
  while (i < n) {
    const c = text[i] as string;
    const next = text[i + 1] ?? '';
    if (c === '-' && next === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? n : nl + 1;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (text[i] === '*' && text[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
    } else if (c === "'") {
      // E'...' allows backslash escapes: the previous token was a lone E adjacent to the quote.
      const escapes = i > 0 && /[eE]/.test(text[i - 1] as string) && (i < 2 || !isPart(text[i - 2] as string));
      i++;
      while (i < n) {
        const d = text[i];
        if (escapes && d === '\\') i += 2;
        else if (d === "'" && text[i + 1] === "'") i += 2;
        else if (d === "'") {
          i++;
          break;
        } else i++;
      }
    } else if (c === '$' && /[A-Za-z_$]/.test(next)) {
      const m = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(text.slice(i, i + 200));
      if (m) {
        const close = text.indexOf(m[0], i + m[0].length);
        i = close < 0 ? n : close + m[0].length;
      } else i++;
    } else if (c === '$' && /[0-9]/.test(next)) {
      i++;
      while (i < n && /[0-9]/.test(text[i] as string)) i++;
    } else if (c === '"') {
      const start = i;
      let value = '';
      i++;
      while (i < n) {
        if (text[i] === '"' && text[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else {
          value += text[i];
          i++;
        }
      }
      out.push({ start, end: i, value, quoted: true });
    } else if (/[0-9]/.test(c)) {
      while (i < n && /[0-9A-Za-z_.]/.test(text[i] as string)) i++;
    } else if (isStart(c)) {
      const start = i;
      while (i < n && isPart(text[i] as string)) i++;
      // A string prefix (E'', B'', X'', N'', U&'') is not an identifier.
      if (text[i] === "'" && i - start === 1) continue;
      out.push({ start, end: i, value: text.slice(start, i), quoted: false });
    } else i++;
  }
  return out;
}
