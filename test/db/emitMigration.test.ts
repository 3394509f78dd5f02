// `pgopt advise --emit-migration` on a golang-migrate, a dbmate, a Flyway and a plain folder, as real
// processes against a real server: the next migration in the folder's own convention, `pgopt lint` finds
// no error or warning in it, `pgopt migrate up --yes` builds the index and `pgopt migrate down --yes`
// removes it again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runCli } from '../harness/cli';
import { withClient, writeMigrationDir } from '../harness/migrationFixtures';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;

function pgopt(cwd: string, args: string[]) {
  return runCli(args, { cwd, timeoutMs: 180_000 });
}

before(async () => {
  db = await startTestPostgres();
});
after(async () => {
  await db?.stop();
});

const WORKLOAD = '-- weight: 1000\nSELECT id, body FROM posts WHERE user_id = $1;\n';

/** A project root with db/migrations holding `files`, a database with a posts table big enough to want an index. */
async function project(name: string, files: Record<string, string>, folder = join('db', 'migrations')): Promise<{ root: string; dir: string; url: string }> {
  const root = writeMigrationDir({ 'workload.sql': WORKLOAD }, `pgopt-emit-${name}-`);
  const dir = join(root, folder);
  mkdirSync(dir, { recursive: true });
  for (const [n, text] of Object.entries(files)) writeFileSync(join(dir, n), text);
  const url = await db.createDatabase(`emit_${name.replace(/-/g, '_')}`);
  await withClient(url, async (c) => {
    await c.query('CREATE TABLE posts (id bigint PRIMARY KEY, user_id int NOT NULL, body text)');
    await c.query("INSERT INTO posts SELECT g, g % 5000, 'post ' || g FROM generate_series(1, 50000) g");
    await c.query('ANALYZE posts');
  });
  return { root, dir, url };
}

async function indexExists(url: string, name: string): Promise<boolean> {
  return withClient(url, async (c) => (await c.query('SELECT 1 FROM pg_indexes WHERE indexname = $1', [name])).rowCount === 1);
}

/** Emits, lints, applies and rolls back; returns the emitted paths (relative names). */
async function roundTrip(p: { root: string; dir: string; url: string }, dirFlag = true): Promise<{ names: string[]; texts: string[] }> {
  const dirArgs = dirFlag ? ['--dir', p.dir] : [];
  const before = new Set(readdirSync(p.dir));
  const emit = pgopt(p.root, ['advise', '--url', p.url, '--queries', 'workload.sql', '--emit-migration']);
  assert.equal(emit.status, 0, emit.stderr);
  const paths = emit.stdout.trim().split('\n');
  assert.ok(paths.length >= 1 && paths.every((x) => x.startsWith(p.dir)), emit.stdout);
  assert.deepEqual(readdirSync(p.dir).filter((n) => !before.has(n)).sort(), paths.map((x) => basename(x)).sort(), 'exactly the printed files are new');
  const texts = paths.map((x) => readFileSync(x, 'utf8'));
  const m = /CREATE INDEX CONCURRENTLY "([^"]+)" ON "public"\."posts" \("user_id"/.exec(texts.join('\n'));
  assert.ok(m, texts.join('\n'));
  const index = m[1] as string;

  const lint = pgopt(p.root, ['lint', '--url', p.url, '--max-warnings', '0', ...paths]);
  assert.equal(lint.status, 0, `${lint.stdout}\n${lint.stderr}`);
  assert.match(lint.stderr, /0 error\(s\), 0 warning\(s\)/);

  const up = pgopt(p.root, ['migrate', 'up', '--url', p.url, ...dirArgs, '--yes']);
  assert.equal(up.status, 0, `${up.stdout}\n${up.stderr}`);
  assert.ok(await indexExists(p.url, index), 'migrate up built the index');
  const down = pgopt(p.root, ['migrate', 'down', '--url', p.url, ...dirArgs, '--yes']);
  assert.equal(down.status, 0, `${down.stdout}\n${down.stderr}`);
  assert.ok(!(await indexExists(p.url, index)), 'migrate down dropped the index');
  assert.ok(await withClient(p.url, async (c) => (await c.query("SELECT to_regclass('public.marker') IS NOT NULL AS ok")).rows[0].ok), 'the earlier migration stays applied');
  return { names: paths.map((x) => basename(x)), texts };
}

test('golang-migrate: NNN_name.up.sql + .down.sql with the next number in the same width', async () => {
  const p = await project('golang', { '000001_marker.up.sql': 'CREATE TABLE marker (id bigint PRIMARY KEY);\n', '000001_marker.down.sql': 'DROP TABLE marker;\n' });
  const { names, texts } = await roundTrip(p);
  assert.equal(names.length, 2);
  assert.match(names.find((n) => n.endsWith('.up.sql')) ?? '', /^000002_add_index_posts_user_id_idx\.up\.sql$/);
  assert.match(names.find((n) => n.endsWith('.down.sql')) ?? '', /^000002_add_index_posts_user_id_idx\.down\.sql$/);
  assert.match(texts.join('\n'), /DROP INDEX CONCURRENTLY IF EXISTS "public"\."posts_user_id_idx";/);
});

test('dbmate: YYYYMMDDHHMMSS_name.sql with -- migrate:up transaction:false and a -- migrate:down part', async () => {
  const p = await project('dbmate', { '20240101000000_marker.sql': '-- migrate:up\nCREATE TABLE marker (id bigint PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE marker;\n' });
  const { names, texts } = await roundTrip(p);
  assert.equal(names.length, 1);
  assert.match(names[0] ?? '', /^20\d{12}_add_index_posts_user_id_idx\.sql$/);
  assert.match(texts[0] ?? '', /^-- migrate:up transaction:false\n[\s\S]*\n-- migrate:down transaction:false\n[\s\S]*DROP INDEX CONCURRENTLY IF EXISTS/);
});

test('Flyway: V<next>__name.sql, and a U file because the project keeps undo files', async () => {
  const p = await project('flyway', { 'V1__marker.sql': 'CREATE TABLE marker (id bigint PRIMARY KEY);\n', 'U1__marker.sql': 'DROP TABLE marker;\n' });
  const { names } = await roundTrip(p);
  assert.deepEqual(names.sort(), ['U2__add_index_posts_user_id_idx.sql', 'V2__add_index_posts_user_id_idx.sql']);
});

test('plain in ./migrations: the next number in the existing width; advise and migrate find the folder alike; the down part is generated', async () => {
  const p = await project('plain', { '001_marker.sql': 'CREATE TABLE marker (id bigint PRIMARY KEY);\n' }, 'migrations');
  const { names } = await roundTrip(p, false);
  assert.deepEqual(names, ['002_add_index_posts_user_id_idx.sql']);
});

test('bad input: --dir without --emit-migration, no migrations folder — one sentence, exit 2, nothing written', async () => {
  const root = writeMigrationDir({ 'workload.sql': WORKLOAD }, 'pgopt-emit-none-');
  const noFolder = pgopt(root, ['advise', '--url', 'postgres://127.0.0.1:1/x', '--queries', 'workload.sql', '--emit-migration']);
  assert.equal(noFolder.status, 2, noFolder.stderr);
  assert.match(noFolder.stderr, /no migrations folder found \(tried db\/migrations, migrations/);
  assert.doesNotMatch(noFolder.stderr, /\n\s+at /, 'no stack trace');
  const dirAlone = pgopt(root, ['advise', '--url', 'postgres://127.0.0.1:1/x', '--dir', 'x']);
  assert.equal(dirAlone.status, 2);
  assert.match(dirAlone.stderr, /--dir is for --emit-migration/);
  assert.deepEqual(readdirSync(root), ['workload.sql']);
});
