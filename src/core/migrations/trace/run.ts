// Where a lock trace runs, end to end: provision the scratch database (or use the target with consent),
// copy the schema, trace, dispose, then look up the sizes of the touched tables on the target so a scratch
// trace still says "ACCESS EXCLUSIVE on users (1.2 M rows, 340 MB)".
import type pg from 'pg';
import { openClient } from '../../db/connect';
import type { ConnectionSpec } from '../../db/connectionSpec';
import { traceMigrations } from './trace';
import { createScratchDatabase, dumpSchema, findPgDump, restoreSchema, startEmbeddedScratch, type ScratchDatabase } from './scratch';
import type { TableSize, TraceMigration, TraceResult, TraceTimeouts, TraceWhere } from './types';

export interface TraceRequest {
  target: ConnectionSpec;
  migrations: readonly TraceMigration[];
  where: TraceWhere;
  /** Resolved spec of the scratch server when where.kind is 'scratch-url' (the caller parses the URL). */
  scratchServer?: ConnectionSpec;
  timeouts?: Partial<TraceTimeouts>;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
  /** A pg_dump binary to use instead of searching for one. */
  pgDump?: string;
  connectTimeoutMs?: number;
}

const SCRATCH_LIMITS = [
  'the scratch database has the schema but no data: durations are those of an empty table, and a rewrite of a big table takes far longer (the target sizes are shown beside each lock)',
  'locks are those this statement takes; on the target it may also wait behind running transactions (lock_timeout bounds that)',
];

const TARGET_LIMITS = [
  'traced on the target inside a transaction that was rolled back: its locks were real while the trace ran (bounded by lock_timeout)',
  'sequence values consumed by the trace (nextval, serial inserts) are not rolled back',
];

async function serverInfo(client: pg.Client): Promise<{ num: number }> {
  const [r] = (await client.query<{ num: number }>(`SELECT current_setting('server_version_num')::int AS num`)).rows;
  return { num: r?.num ?? 0 };
}

/** Target sizes (reltuples, heap and total bytes) for relation names as the trace prints them. */
export async function targetTableSizes(client: pg.Client, names: string[]): Promise<TableSize[]> {
  if (!names.length) return [];
  await client.query('BEGIN READ ONLY');
  try {
    await client.query(`SELECT set_config('statement_timeout', '10000ms', true), set_config('lock_timeout', '1000ms', true)`);
    // to_regclass resolves without locking; the size functions take ACCESS SHARE, which waits only behind an
    // ACCESS EXCLUSIVE holder, and lock_timeout bounds that.
    const rows = (
      await client.query<{ name: string; rows: number; bytes: string; total: string }>(
        `SELECT DISTINCT ON (c.oid) r.name, c.reltuples::float8 AS rows, pg_relation_size(c.oid)::int8 AS bytes, pg_total_relation_size(c.oid)::int8 AS total
           FROM unnest($1::text[]) AS r(name)
           JOIN pg_class c ON c.oid = to_regclass(r.name)
          WHERE c.relkind IN ('r', 'p', 'm', 'f')`,
        [names],
      )
    ).rows;
    return rows.map((r) => ({ table: r.name, rows: Number(r.rows), bytes: Number(r.bytes), totalBytes: Number(r.total) }));
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/** Adds target sizes to every lock and rewrite of a table, and the list of them to the result. */
export function attachSizes(result: TraceResult, sizes: TableSize[]): void {
  const byName = new Map(sizes.map((s) => [s.table, s]));
  for (const m of result.migrations) {
    for (const st of m.statements) {
      for (const l of st.locks) {
        const s = l.relation ? byName.get(l.relation) : undefined;
        if (s) l.size = s;
      }
      for (const r of st.rewrites) {
        const s = byName.get(r.relation);
        if (s) r.size = s;
      }
    }
  }
  result.tableSizes = sizes;
}

function touchedNames(result: TraceResult): string[] {
  const names = new Set<string>();
  for (const m of result.migrations) {
    for (const st of m.statements) {
      for (const l of st.locks) if (l.relation && !l.relation.startsWith('oid ')) names.add(l.relation);
      for (const r of st.rewrites) if (r.kind !== 'index') names.add(r.relation);
    }
  }
  return [...names];
}

/** Runs the trace where `req.where` says. Throws for setup failures (connect, consent); SQL failures are in the result. */
export async function runMigrationTrace(req: TraceRequest): Promise<TraceResult> {
  const connect = (spec: ConnectionSpec): Promise<pg.Client> => openClient(spec, { connectTimeoutMs: req.connectTimeoutMs ?? 10_000, applicationName: 'pgopt-trace' });
  const progress = req.onProgress ?? ((): void => undefined);
  if (req.where.kind === 'target') {
    if ((req.where as { consent?: unknown }).consent !== true) throw new Error('tracing on the target needs explicit consent (its locks are real while the trace runs)');
    const client = await connect(req.target);
    try {
      progress('tracing on the target inside a transaction that will be rolled back');
      const result = await traceMigrations({ client, spec: req.target }, req.migrations, { ...req, where: 'target', schemaSource: 'target' });
      result.limitations.push(...TARGET_LIMITS);
      attachSizes(result, await targetTableSizes(client, touchedNames(result)));
      return result;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  const target = await connect(req.target);
  let scratch: ScratchDatabase | undefined;
  try {
    const { num } = await serverInfo(target);
    const limitations: string[] = [];
    if (req.where.kind === 'embedded') {
      progress('starting a throwaway embedded PostgreSQL');
      scratch = await startEmbeddedScratch(progress);
    } else {
      if (!req.scratchServer) throw new Error('where is scratch-url but no scratchServer spec was given');
      scratch = await createScratchDatabase(req.scratchServer, req.connectTimeoutMs);
    }
    const client = await connect(scratch.spec);
    try {
      const [sv] = (await client.query<{ num: number }>(`SELECT current_setting('server_version_num')::int AS num`)).rows;
      if (Math.floor((sv?.num ?? 0) / 10000) !== Math.floor(num / 10000)) {
        limitations.push(`the scratch server is PostgreSQL ${Math.floor((sv?.num ?? 0) / 10000)}, the target ${Math.floor(num / 10000)}: lock levels and rewrites can differ between major versions`);
      }
      let schemaSource: TraceResult['schemaSource'] = 'empty';
      const dump = await findPgDump(Math.floor(num / 10000), req.pgDump);
      if (dump.path) {
        progress(`copying the target schema with ${dump.path} --schema-only`);
        try {
          const text = await dumpSchema(dump.path, req.target, req.signal);
          // Restore on its own connection: the dump sets search_path to '' for its session.
          const restorer = await connect(scratch.spec);
          try {
            const r = await restoreSchema(restorer, text);
            schemaSource = 'pg_dump';
            if (r.failures.length) {
              limitations.push(`${r.failures.length} of ${r.statements} schema statements failed on the scratch server, e.g. ${r.failures.slice(0, 3).join(' | ')}`);
            }
          } finally {
            await restorer.end().catch(() => undefined);
          }
        } catch (e) {
          limitations.push(`the schema could not be copied (${(e as Error).message}): traced on an empty database, so statements on existing tables fail`);
        }
      } else {
        limitations.push(`traced on an empty database (${'why' in dump ? dump.why : 'no pg_dump'}): statements on existing tables fail`);
      }
      progress('tracing');
      const result = await traceMigrations({ client, spec: scratch.spec }, req.migrations, { ...req, where: req.where.kind, schemaSource });
      result.limitations.push(...limitations, ...SCRATCH_LIMITS);
      attachSizes(result, await targetTableSizes(target, touchedNames(result)));
      return result;
    } finally {
      await client.end().catch(() => undefined);
    }
  } finally {
    await scratch?.dispose();
    await target.end().catch(() => undefined);
  }
}
