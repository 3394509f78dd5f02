// Marks every statement a pg client sends as pgopt's own (TOOL_MARKER in front), once, where the client is
// made (openClient), so that no call site can forget it and pg_stat_statements' readers can leave the
// tool's statements out (sql/toolStatements.ts). A server error's `position` counts characters of the
// text the server got; it is moved back by the marker's length, so callers that map it to their own text
// (the migration runner, EXPLAIN, live lint) see positions in what they sent.
//
// sendUnmarked is the one way around it: the migration runner sends the user's migration statements as
// the user wrote them (they are the user's workload, not the tool's).
import type pg from 'pg';
import { markToolSql } from '../sql/toolStatements';

const UNMARKED = Symbol('pgopt.unmarkedQuery');

type QueryFn = (...args: unknown[]) => unknown;

function shiftPosition(err: unknown, by: number): unknown {
  const e = err as { position?: string } | null;
  if (by > 0 && e && typeof e === 'object' && typeof e.position === 'string') {
    const p = Number(e.position) - by;
    if (Number.isFinite(p)) {
      if (p >= 1) e.position = String(p);
      else delete e.position;
    }
  }
  return err;
}

/** Wraps client.query so that text queries (a string or a config with `text`) carry the marker. Idempotent. */
export function markToolStatements<C extends pg.Client>(client: C): C {
  const holder = client as unknown as { query: QueryFn; [UNMARKED]?: QueryFn };
  if (holder[UNMARKED]) return client;
  const raw = holder.query.bind(client) as QueryFn;
  holder[UNMARKED] = raw;
  holder.query = (...args: unknown[]): unknown => {
    const first = args[0];
    let added = 0;
    if (typeof first === 'string') {
      const marked = markToolSql(first);
      added = marked.length - first.length;
      args[0] = marked;
    } else if (first && typeof first === 'object' && typeof (first as { text?: unknown }).text === 'string') {
      const cfg = first as { text: string; submit?: unknown };
      const marked = markToolSql(cfg.text);
      added = marked.length - cfg.text.length;
      // A Submittable (cursor, stream) is used as is: its text is set in place.
      if (typeof cfg.submit === 'function') cfg.text = marked;
      else args[0] = { ...cfg, text: marked };
    }
    const last = args[args.length - 1];
    if (added > 0 && typeof last === 'function') {
      args[args.length - 1] = (err: unknown, ...rest: unknown[]) => (last as QueryFn)(err ? shiftPosition(err, added) : err, ...rest);
    }
    const result = raw(...args);
    if (added > 0 && result && typeof (result as Promise<unknown>).then === 'function' && typeof (result as Promise<unknown>).catch === 'function') {
      return (result as Promise<unknown>).catch((e: unknown) => {
        throw shiftPosition(e, added);
      });
    }
    return result;
  };
  return client;
}

/** Sends sql exactly as given, without the marker: only for the user's own statements (migrations). */
export function sendUnmarked<R extends pg.QueryResultRow = pg.QueryResultRow>(client: pg.Client, sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
  const raw = (client as unknown as { [UNMARKED]?: QueryFn })[UNMARKED];
  if (!raw) return client.query<R>(sql, params);
  return raw(sql, params) as Promise<pg.QueryResult<R>>;
}
