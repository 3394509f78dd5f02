import { utf8Length } from '../../sql/lineIndex';
import { identifierTokens } from '../../sql/textScan';
import { truncateUtf8 } from '../../sql/generatedName';
import type { Rule } from '../types';

/** NAMEDATALEN - 1: the longest identifier Postgres keeps, in bytes. */
const MAX_IDENT_BYTES = 63;

type Token = ReturnType<typeof identifierTokens>[number];
const longTokensMemo = new WeakMap<object, Token[]>();

/** A name over 63 bytes has at least 16 characters in a row (4 bytes each at most). */
const SIXTEEN_IN_A_ROW = /[^\s(),;.]{16,}|"[^"]{16,}/;
/**
 * Whether the statement can hold a name over the limit; false means identifierTokens finds none. Without a
 * double quote every name is unquoted, made of identifierTokens' isPart characters ([A-Za-z0-9_$] and
 * U+0080 and up), so it lies inside one maximal run of them that is at least as long in bytes: the tokenizer
 * runs only when such a run may exceed 63 bytes (counting 3 bytes for every non-ASCII UTF-16 unit, never less
 * than its UTF-8 length). It was the most expensive rule of a cold `pgopt lint` when it tokenized every
 * statement with a 16-character word. The old pre-check still gates the tokenizer, so findings are unchanged.
 */
export function mayHoldLongName(text: string): boolean {
  const ascii = !NON_ASCII.test(text);
  // A quoted name over the limit: a double quote and at least 64 (ASCII text) or 22 (3 bytes a unit at most)
  // characters of it, a doubled quote counting as one — whatever else the quotes hold, this is never false for
  // one. Without such a run the quoted names are short (Prisma quotes every name), and the unquoted ones are
  // checked as in a text without quotes.
  if (text.includes('"') && (ascii ? QUOTED_RUN_OVER_LIMIT : QUOTED_RUN_MAY_BE_OVER_LIMIT).test(text)) return SIXTEEN_IN_A_ROW.test(text);
  // ASCII text (most statements): the loop below finds a run over 63 bytes exactly when a 64-character run of
  // those characters exists, which a regular expression finds much faster than an unoptimised loop.
  if (ascii) return ASCII_RUN_OVER_LIMIT.test(text) && SIXTEEN_IN_A_ROW.test(text);
  return nameRunOverLimit(text) && SIXTEEN_IN_A_ROW.test(text);
}

/**
 * Whether the text holds a run of identifierTokens' isPart characters over MAX_IDENT_BYTES, counting 3 bytes for
 * every non-ASCII UTF-16 unit (never less than its UTF-8 length). ASCII_RUN_OVER_LIMIT answers the same for ASCII
 * text (rulePrefilters.test.ts checks the two agree).
 */
export function nameRunOverLimit(text: string): boolean {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 36) bytes += 1;
    else if (c >= 0x80) bytes += 3;
    else {
      bytes = 0;
      continue;
    }
    if (bytes > MAX_IDENT_BYTES) return true;
  }
  return false;
}

const NON_ASCII = /[^\x00-\x7f]/;
/** A double quote followed by 64 characters that a quoted name may hold (a doubled quote is one). */
const QUOTED_RUN_OVER_LIMIT = /"(?:[^"]|""){64}/;
/** The same with 22 characters: 22 UTF-16 units are at most 66 bytes. */
const QUOTED_RUN_MAY_BE_OVER_LIMIT = /"(?:[^"]|""){22}/;
/**
 * A run of more than MAX_IDENT_BYTES of identifierTokens' ASCII isPart characters, tried only where a run starts
 * (`[A-Za-z0-9_$]{64}` alone re-scanned a long run from each of its characters).
 */
const ASCII_RUN_OVER_LIMIT = /(?:^|[^A-Za-z0-9_$])[A-Za-z0-9_$]{64}/;

const NO_TOKENS: Token[] = [];

/** Tokens over the limit; a pure function of the statement text, memoised per parsed node (the editor's
 * parse cache returns the same node while a statement is unchanged). */
function longTokens(node: object, text: string): Token[] {
  // The pre-check is cheaper than the memo lookup, and a statement that fails it needs no memo entry.
  if (!mayHoldLongName(text)) return NO_TOKENS;
  let toks = longTokensMemo.get(node);
  if (!toks) {
    toks = identifierTokens(text).filter((t) => utf8Length(t.value) > MAX_IDENT_BYTES);
    longTokensMemo.set(node, toks);
  }
  return toks;
}

export const identifierTooLong: Rule = {
  meta: {
    id: 'identifier-too-long',
    title: 'Identifiers longer than 63 bytes are truncated',
    category: 'hygiene',
    defaultSeverity: 'warning',
    squawk: 'identifier-too-long',
    description: 'A table, column, index, constraint or other name longer than 63 bytes (UTF-8), quoted or not.',
    why: 'Postgres silently cuts every identifier to 63 bytes (only a NOTICE is sent). The object gets a different name than the one in the migration: tools and ORMs that look it up by the full name do not find it, and two long names that share their first 63 bytes collide ("already exists") — typical for generated index and constraint names. Non-ASCII characters take 2-4 bytes each, so the limit is reached sooner than the character count suggests.',
    safe: 'Choose names of at most 63 bytes. Quick fix: use the truncated name Postgres would store, so the migration says what the database will contain.',
    examples: {
      bad: [
        { sql: 'CREATE INDEX index_on_customer_orders_created_at_status_and_shipping_country_code ON orders (created_at);', range: 'index_on_customer_orders_created_at_status_and_shipping_country_code', fixed: 'CREATE INDEX index_on_customer_orders_created_at_status_and_shipping_country ON orders (created_at);' },
        { sql: 'ALTER TABLE orders ADD COLUMN "Bestellungsübermittlungszeitpunkt_für_die_Lagerverwaltung_Nord" timestamptz;', note: '62 characters but 64 bytes: ü is two bytes.' },
      ],
      good: [
        { sql: 'CREATE INDEX orders_created_at_status_idx ON orders (created_at, status);' },
        { sql: "COMMENT ON TABLE orders IS 'a comment can be as long as it likes, far beyond the sixty-three byte limit for names';", note: 'String literals are not identifiers.' },
        { sql: 'CREATE TABLE t (c bigint);\n-- exactly 63 bytes:\nALTER TABLE t RENAME COLUMN c TO a_name_that_is_exactly_sixty_three_bytes_long_abcdefghijklmnopq;' },
      ],
    },
  },
  check(ctx) {
    const text = ctx.stmt.text;
    for (const tok of longTokens(ctx.stmt.node, text)) {
      const bytes = utf8Length(tok.value);
      if (text.slice(Math.max(0, tok.start - 2), tok.start).toUpperCase() === 'U&') continue; // escapes: byte count unknown
      const truncated = truncateUtf8(tok.value, MAX_IDENT_BYTES);
      const replacement = tok.quoted ? (tok.value.includes('"') ? undefined : `"${truncated}"`) : truncated;
      ctx.report({
        message: `${tok.value} is ${bytes} bytes: Postgres silently truncates names to ${MAX_IDENT_BYTES} bytes, so it becomes ${truncated}.`,
        help: `Use a name of at most ${MAX_IDENT_BYTES} bytes.`,
        at: { start: tok.start, end: tok.end },
        ...(replacement !== undefined
          ? { fix: { title: `Rename to ${replacement}`, edits: [{ start: ctx.stmt.start + tok.start, end: ctx.stmt.start + tok.end, newText: replacement }] } }
          : {}),
      });
    }
  },
};
