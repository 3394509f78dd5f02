// Splits SQL text into statements at top-level semicolons, aware of quotes ('', E'', ""), dollar quotes
// ($tag$ … $tag$), line comments and nested block comments. Offsets are UTF-16 indexes into the text, so
// they map straight to editor positions. It never throws: unterminated quotes run to the end of the text
// (the parser then reports the syntax error).

export interface SqlPiece {
  /** Offset of the first character that is not whitespace or a comment. */
  start: number;
  /** Offset just after the statement's last character (before the `;`, if any). */
  end: number;
  text: string;
  /** True when a `;` ended it (false for a last statement without one). */
  terminated: boolean;
}

export interface SqlComment {
  start: number;
  end: number;
  /** Comment text without the `--` or `/* *\/` markers, trimmed. */
  body: string;
  kind: 'line' | 'block';
}

export interface SplitResult {
  pieces: SqlPiece[];
  comments: SqlComment[];
}

const enum Ch {
  Dash = 45,
  Slash = 47,
  Star = 42,
  Quote = 39,
  DQuote = 34,
  Dollar = 36,
  Semi = 59,
  NL = 10,
  Backslash = 92,
}

function isIdentChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;
}

/** At `i` (a `$`), returns the dollar-quote tag including both `$`, or undefined if this is not one. */
function dollarTag(text: string, i: number): string | undefined {
  // A `$` right after an identifier character is part of a name or a parameter ($1), not a quote.
  if (i > 0 && isIdentChar(text.charCodeAt(i - 1))) return undefined;
  let j = i + 1;
  const first = text.charCodeAt(j);
  if (first >= 48 && first <= 57) return undefined; // $1 parameter
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === Ch.Dollar) return text.slice(i, j + 1);
    if (!isIdentChar(c)) return undefined;
    j++;
  }
  return undefined;
}

/** End (exclusive) of a quoted string or identifier opening at `i`; a doubled quote is an escaped one. */
function quotedEnd(text: string, i: number, quote: number, backslashEscapes: boolean): number {
  const n = text.length;
  let j = i + 1;
  while (j < n) {
    const d = text.charCodeAt(j);
    if (backslashEscapes && d === Ch.Backslash) {
      j += 2;
      continue;
    }
    if (d === quote) {
      if (text.charCodeAt(j + 1) === quote) {
        j += 2;
        continue;
      }
      break;
    }
    j++;
  }
  return Math.min(n, j + 1);
}

export function splitSql(text: string): SplitResult {
  const pieces: SqlPiece[] = [];
  const comments: SqlComment[] = [];
  const n = text.length;
  let i = 0;
  let stmtStart = -1; // first significant char of the current statement
  let lastSignificantEnd = -1;

  const significant = (from: number, to: number): void => {
    if (stmtStart < 0) stmtStart = from;
    lastSignificantEnd = to;
  };
  const flush = (terminated: boolean): void => {
    if (stmtStart >= 0) {
      pieces.push({ start: stmtStart, end: lastSignificantEnd, text: text.slice(stmtStart, lastSignificantEnd), terminated });
    }
    stmtStart = -1;
    lastSignificantEnd = -1;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === Ch.Dash && text.charCodeAt(i + 1) === Ch.Dash) {
      let j = text.indexOf('\n', i + 2);
      if (j < 0) j = n;
      const end = j > i && text.charCodeAt(j - 1) === 13 ? j - 1 : j;
      comments.push({ start: i, end, body: text.slice(i + 2, end).trim(), kind: 'line' });
      i = j;
      continue;
    }
    if (c === Ch.Slash && text.charCodeAt(i + 1) === Ch.Star) {
      let depth = 1;
      let j = i + 2;
      while (j < n && depth > 0) {
        if (text.charCodeAt(j) === Ch.Slash && text.charCodeAt(j + 1) === Ch.Star) {
          depth++;
          j += 2;
        } else if (text.charCodeAt(j) === Ch.Star && text.charCodeAt(j + 1) === Ch.Slash) {
          depth--;
          j += 2;
        } else j++;
      }
      comments.push({ start: i, end: j, body: text.slice(i + 2, depth === 0 ? j - 2 : j).trim(), kind: 'block' });
      // A block comment inside a statement is part of its text.
      if (stmtStart >= 0) lastSignificantEnd = j;
      i = j;
      continue;
    }
    if (c === Ch.Semi) {
      flush(true);
      i++;
      continue;
    }
    if (c === Ch.Quote) {
      // E'...' strings allow backslash escapes; standard strings only ''.
      const prev = i > 0 ? text.charCodeAt(i - 1) : 0;
      const escapes = (prev === 69 || prev === 101) && (i < 2 || !isIdentChar(text.charCodeAt(i - 2)));
      const end = quotedEnd(text, i, Ch.Quote, escapes);
      significant(i, end);
      i = end;
      continue;
    }
    if (c === Ch.DQuote) {
      const end = quotedEnd(text, i, Ch.DQuote, false);
      significant(i, end);
      i = end;
      continue;
    }
    if (c === Ch.Dollar) {
      const tag = dollarTag(text, i);
      if (tag) {
        const close = text.indexOf(tag, i + tag.length);
        const end = close < 0 ? n : close + tag.length;
        significant(i, end);
        i = end;
        continue;
      }
    }
    // Any other character: consume a run of ordinary characters at once.
    let j = i + 1;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (isSpace(d) || d === Ch.Semi || d === Ch.Quote || d === Ch.DQuote || d === Ch.Dollar) break;
      if ((d === Ch.Dash && text.charCodeAt(j + 1) === Ch.Dash) || (d === Ch.Slash && text.charCodeAt(j + 1) === Ch.Star)) break;
      j++;
    }
    significant(i, j);
    i = j;
  }
  flush(false);
  return { pieces, comments };
}
