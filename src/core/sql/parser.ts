// The real Postgres parser (libpg-query, WASM). Loaded once; parse calls are synchronous after that.
// The .wasm file must sit next to the bundle (esbuild.mjs copies it).
import type { Node } from '@pgsql/types';

type LibPgQuery = typeof import('libpg-query');
let lib: LibPgQuery | undefined;

/**
 * libpg-query compiles and instantiates its WASM (1.7 MB, ~130 MB of reserved memory) as soon as it is
 * required, so it is required on first use, not at bundle load: `pgopt lint --cache` with every file cached
 * never pays for it.
 */
function libpgQuery(): LibPgQuery {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  lib ??= require('libpg-query') as LibPgQuery;
  return lib;
}

let loading: Promise<void> | undefined;

export function loadParser(): Promise<void> {
  loading ??= libpgQuery().loadModule();
  return loading;
}

export type ParseOutcome =
  | { ok: true; stmts: { node: Node; location: number; length: number | undefined }[] }
  | { ok: false; message: string; /** 0-based character index of the error in the input. */ cursor: number };

interface RawStmt {
  stmt?: Node;
  stmt_location?: number;
  stmt_len?: number;
}

/** Parses SQL text. Never throws for bad SQL: returns the parser's message and position instead. */
export function parseSql(text: string): ParseOutcome {
  // The C parser stops at a NUL byte and would silently accept the rest; Postgres itself rejects it.
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return { ok: false, message: 'NUL character in SQL text (PostgreSQL rejects it)', cursor: nul };
  try {
    const r = libpgQuery().parseSync(text) as unknown as { stmts?: RawStmt[] };
    return {
      ok: true,
      stmts: (r.stmts ?? [])
        .filter((s): s is RawStmt & { stmt: Node } => s.stmt !== undefined)
        .map((s) => ({ node: s.stmt, location: s.stmt_location ?? 0, length: s.stmt_len })),
    };
  } catch (e) {
    const details = (e as { sqlDetails?: { message?: string; cursorPosition?: number } }).sqlDetails;
    const message = details?.message ?? (e as Error).message ?? String(e);
    // cursorPosition counts code points, 0-based (measured: "SELEC 1" -> 0, "SELECT 'é' FRM t" -> 15); an
    // emoji is one code point but two UTF-16 units, so convert.
    const cursor = codePointsToUtf16(text, Math.max(0, details?.cursorPosition ?? 0));
    return { ok: false, message, cursor };
  }
}

/** UTF-16 offset of the `n`-th code point of `text` (clamped to its length). */
export function codePointsToUtf16(text: string, n: number): number {
  let units = 0;
  let points = 0;
  while (units < text.length && points < n) {
    const c = text.charCodeAt(units);
    units += c >= 0xd800 && c <= 0xdbff && units + 1 < text.length ? 2 : 1;
    points++;
  }
  return units;
}
