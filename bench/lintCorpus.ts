// A deterministic generator of realistic migration files (the shapes found in Rails/Django/Lemmy-style
// projects: tables, indexes, columns, constraints, backfills, functions with $$ bodies, triggers, views,
// seed data, transactions, comments). Used by the lint benchmark and the fuzz tests; a sample, not a target.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    // xorshift32
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s / 0x100000000;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const NOUNS = ['users', 'orders', 'order_items', 'products', 'invoices', 'payments', 'comments', 'posts', 'sessions', 'events', 'accounts', 'teams', 'memberships', 'audit_log', 'notifications', 'tags', 'taggings', 'addresses', 'shipments', 'refunds', 'community', 'person', 'post_report', 'site', 'instance', 'federation_queue'];
const COLS: [string, string][] = [
  ['email', 'varchar(255)'], ['name', 'text'], ['title', 'varchar(200)'], ['body', 'text'], ['status', 'varchar(32)'],
  ['amount', 'numeric(12,2)'], ['quantity', 'integer'], ['created_at', 'timestamp'], ['updated_at', 'timestamp with time zone'],
  ['published', 'boolean'], ['score', 'int'], ['metadata', 'json'], ['settings', 'jsonb'], ['code', 'char(8)'],
  ['deleted_at', 'timestamptz'], ['ip', 'inet'], ['slug', 'text'], ['position', 'smallint'], ['uuid', 'uuid'], ['counter', 'bigint'],
];

function table(r: Rng): string {
  return r.pick(NOUNS) + (r.chance(0.3) ? `_${r.int(50)}` : '');
}

function createTable(r: Rng, name: string): string {
  const cols = [r.chance(0.5) ? 'id serial PRIMARY KEY' : r.chance(0.5) ? 'id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY' : 'id uuid PRIMARY KEY DEFAULT gen_random_uuid()'];
  const n = 3 + r.int(8);
  const used = new Set<string>();
  for (let i = 0; i < n; i++) {
    const [c, t] = r.pick(COLS);
    if (used.has(c)) continue;
    used.add(c);
    let def = `${c} ${t}`;
    if (r.chance(0.4)) def += ' NOT NULL';
    if (c === 'created_at' && r.chance(0.7)) def += ' DEFAULT now()';
    if (c === 'published' && r.chance(0.7)) def += ' DEFAULT false';
    if (c === 'email' && r.chance(0.5)) def += ' UNIQUE';
    cols.push(def);
  }
  if (r.chance(0.5)) cols.push(`${r.pick(NOUNS).replace(/s$/, '')}_id integer REFERENCES ${r.pick(NOUNS)} (id) ON DELETE CASCADE`);
  if (r.chance(0.2)) cols.push(`CONSTRAINT ${name}_check CHECK (char_length(coalesce(${[...used][0] ?? 'id'}::text, '')) < 1000)`);
  return `CREATE TABLE ${r.chance(0.2) ? 'IF NOT EXISTS ' : ''}${name} (\n  ${cols.join(',\n  ')}\n);`;
}

function statement(r: Rng, created: string[]): string {
  const t = r.chance(0.3) && created.length ? r.pick(created) : table(r);
  const [col, type] = r.pick(COLS);
  switch (r.int(22)) {
    case 0:
    case 1: {
      const name = `${table(r)}_${r.int(1000)}`;
      created.push(name);
      return createTable(r, name);
    }
    case 2:
    case 3:
      return `CREATE ${r.chance(0.2) ? 'UNIQUE ' : ''}INDEX ${r.chance(0.4) ? 'CONCURRENTLY ' : ''}${r.chance(0.3) ? 'IF NOT EXISTS ' : ''}idx_${t}_${col}_${r.int(1000)} ON ${t} ${r.chance(0.1) ? 'USING gin ' : ''}(${col}${r.chance(0.3) ? ', id' : ''})${r.chance(0.15) ? ` WHERE ${col} IS NOT NULL` : ''};`;
    case 4:
    case 5:
      return `ALTER TABLE ${t} ADD COLUMN ${r.chance(0.3) ? 'IF NOT EXISTS ' : ''}${col}_${r.int(100)} ${type}${r.chance(0.3) ? ' NOT NULL' : ''}${r.chance(0.4) ? ` DEFAULT ${r.pick(['0', "''", 'now()', 'false', 'gen_random_uuid()', "'{}'"])}` : ''};`;
    case 6:
      return `ALTER TABLE ${t} ADD CONSTRAINT fk_${t}_${r.int(1000)} FOREIGN KEY (${r.pick(NOUNS).replace(/s$/, '')}_id) REFERENCES ${r.pick(NOUNS)} (id)${r.chance(0.3) ? ' NOT VALID' : ''};`;
    case 7:
      return `ALTER TABLE ${t} ALTER COLUMN ${col} SET NOT NULL;`;
    case 8:
      return `ALTER TABLE ${t} DROP COLUMN ${r.chance(0.4) ? 'IF EXISTS ' : ''}${col};`;
    case 9:
      return `ALTER TABLE ${t} RENAME COLUMN ${col} TO ${col}_old;`;
    case 10:
      return `UPDATE ${t} SET ${col} = ${r.pick(['NULL', "'x'", '0', 'now()'])} WHERE id ${r.pick(['< 1000', 'IN (SELECT id FROM ' + t + ' LIMIT 100)', '= 42'])};`;
    case 11:
      return `INSERT INTO ${t} (${col}, created_at) VALUES ${Array.from({ length: 1 + r.int(4) }, (_, i) => `('value ${i} ''quoted''', now())`).join(', ')};`;
    case 12:
      return `CREATE OR REPLACE FUNCTION ${t}_touch() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  NEW.updated_at := now(); -- keep ; inside the body\n  RETURN NEW;\nEND;\n$$;`;
    case 13:
      return `CREATE TRIGGER ${t}_touch BEFORE UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${t}_touch();`;
    case 14:
      return `CREATE ${r.chance(0.5) ? 'OR REPLACE ' : ''}VIEW ${t}_view AS SELECT id, ${col} FROM ${t} WHERE ${col} IS NOT NULL;`;
    case 15:
      return `ALTER TABLE ${t} ALTER COLUMN ${col} TYPE ${r.pick(['text', 'bigint', 'varchar(500)', 'timestamptz', 'jsonb USING ' + col + '::jsonb'])};`;
    case 16:
      return `DROP ${r.pick(['TABLE', 'INDEX', 'VIEW'])} ${r.chance(0.5) ? 'IF EXISTS ' : ''}${t}_${r.int(100)};`;
    case 17:
      return `ALTER TABLE ${t} ADD CONSTRAINT ${t}_${col}_check CHECK (${col} IS NOT NULL)${r.chance(0.4) ? ' NOT VALID' : ''};`;
    case 18:
      return `COMMENT ON TABLE ${t} IS 'Stores ${t}; see docs';`;
    case 19:
      return `ALTER TABLE ${t} ADD CONSTRAINT ${t}_${col}_key UNIQUE (${col});`;
    case 20:
      return `CREATE TYPE ${t}_state AS ENUM ('new', 'active', 'done');`;
    default:
      return `ALTER TYPE ${t}_state ADD VALUE '${r.pick(['archived', 'held'])}';`;
  }
}

export function generateMigration(r: Rng, statements: number): string {
  const created: string[] = [];
  const parts: string[] = [];
  if (r.chance(0.3)) parts.push(`-- Migration generated for benchmarks\n-- Adds ${table(r)} things`);
  const tx = r.chance(0.25);
  if (tx) parts.push('BEGIN;');
  if (r.chance(0.2)) parts.push("SET lock_timeout = '2s';");
  for (let i = 0; i < statements; i++) parts.push(statement(r, created));
  if (tx) parts.push('COMMIT;');
  return `${parts.join('\n\n')}\n`;
}

/** Writes `files` migration files into dir (NNNN_name.sql); returns total bytes and statement count. */
export function writeCorpus(dir: string, files: number, seed = 42): { bytes: number; statements: number } {
  mkdirSync(dir, { recursive: true });
  const r = new Rng(seed);
  let bytes = 0;
  let statements = 0;
  for (let i = 0; i < files; i++) {
    const n = 4 + r.int(40);
    const text = generateMigration(r, n);
    statements += n;
    bytes += Buffer.byteLength(text);
    writeFileSync(join(dir, `${String(i + 1).padStart(4, '0')}_${table(r)}.sql`), text);
  }
  return { bytes, statements };
}

/** One large file of about `targetBytes`. */
export function writeLargeFile(file: string, targetBytes: number, seed = 7): { bytes: number; statements: number } {
  const r = new Rng(seed);
  const parts: string[] = [];
  let bytes = 0;
  let statements = 0;
  const created: string[] = [];
  while (bytes < targetBytes) {
    const s = statement(r, created);
    parts.push(s);
    bytes += Buffer.byteLength(s) + 1;
    statements++;
  }
  writeFileSync(file, `${parts.join('\n')}\n`);
  return { bytes, statements };
}
