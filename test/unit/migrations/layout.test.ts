import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDown } from '../../../src/core/migrations/downGeneration';
import { parseMigrationFiles, type MigrationFile } from '../../../src/core/migrations/discovery';
import { findMigrationsDir, migrationSlug, nextMigrationFileNames, resolveMigrationLayout, type MigrationLayout } from '../../../src/core/migrations/layout';
import { draftMigration, writeMigrationDraft } from '../../../src/core/migrations/writer';
import { actionsSql, renderAction, type FindingAction } from '../../../src/core/report/actions';
import { loadParser } from '../../../src/core/sql/parser';
import { lintText } from '../../../src/core/lint/linter';

before(async () => {
  await loadParser();
});

const NOW = new Date(Date.UTC(2026, 11, 7, 1, 2, 3));

function layoutOf(names: string[], text = ''): Pick<MigrationLayout, 'dir' | 'format' | 'discovery'> {
  const files: MigrationFile[] = names.map((name) => ({ name, path: `/m/${name}`, text }));
  const discovery = parseMigrationFiles(files);
  return { dir: '/m', format: discovery.format, discovery };
}

test('slug: readable, lower-case words, at most 60 characters cut at a word boundary', () => {
  const long = 'add index on health_data_measurements (patient_id, recorded_at) INCLUDE (val) — high priority';
  const s = migrationSlug(long);
  assert.ok(s.length <= 60, s);
  assert.equal(s, 'add_index_on_health_data_measurements_patient_id_recorded_at');
  assert.ok(long.toLowerCase().replace(/[^a-z0-9]+/g, '_').startsWith(s), 'cut at a word, not inside one');
  assert.equal(migrationSlug('Índex "ü"\n<script>'), 'index_u_script');
  assert.equal(migrationSlug('  ;;  '), 'migration');
  assert.equal(migrationSlug('x'.repeat(80)).length, 60, 'one word longer than the limit is cut');
});

test('plain: the next number keeps the existing zero padding', () => {
  const n = nextMigrationFileNames(layoutOf(['001_init.sql', '002_users.sql', '005_orders.sql']), 'add index orders_idx', NOW);
  assert.equal(n.up, '006_add_index_orders_idx.sql');
  assert.equal(n.down, undefined);
  assert.equal(nextMigrationFileNames(layoutOf(['1_a.sql', '2_b.sql', '10_c.sql']), 'x', NOW).up, '11_x.sql', 'unpadded stays unpadded');
  assert.equal(nextMigrationFileNames(layoutOf(['0099_a.sql']), 'x', NOW).up, '0100_x.sql');
  assert.equal(nextMigrationFileNames(layoutOf([]), 'x', NOW).up, '001_x.sql');
});

test('golang-migrate: NNN_name.up.sql + .down.sql, next number in the same width; timestamps stay timestamps', () => {
  const n = nextMigrationFileNames(layoutOf(['000001_init.up.sql', '000001_init.down.sql', '000002_b.up.sql', '000002_b.down.sql']), 'add index', NOW);
  assert.deepEqual([n.up, n.down], ['000003_add_index.up.sql', '000003_add_index.down.sql']);
  const t = nextMigrationFileNames(layoutOf(['20240101000000_a.up.sql', '20240101000000_a.down.sql']), 'x', NOW);
  assert.equal(t.up, '20261207010203_x.up.sql');
});

test('dbmate: a UTC timestamp, after the newest one even when the clock is behind', () => {
  const n = nextMigrationFileNames(layoutOf(['20240101000000_a.sql'], '-- migrate:up\nselect 1;\n'), 'x', NOW);
  assert.equal(n.up, '20261207010203_x.sql');
  const ahead = nextMigrationFileNames(layoutOf(['20991231235959_future.sql'], '-- migrate:up\nselect 1;\n'), 'x', NOW);
  assert.equal(ahead.up, '20991231235960_x.sql');
});

test('Flyway: V<next>__name.sql after the newest version (1.2 → 1.3, 9 → 10); a U file only when the project has undo files', () => {
  assert.equal(nextMigrationFileNames(layoutOf(['V1__init.sql', 'V2__users.sql']), 'add index', NOW).up, 'V3__add_index.sql');
  assert.equal(nextMigrationFileNames(layoutOf(['V1__init.sql', 'V1.2__users.sql']), 'x', NOW).up, 'V1.3__x.sql');
  assert.equal(nextMigrationFileNames(layoutOf(['V9__a.sql', 'V10__b.sql']), 'x', NOW).up, 'V11__x.sql');
  assert.equal(nextMigrationFileNames(layoutOf(['V001__a.sql']), 'x', NOW).up, 'V002__x.sql');
  assert.equal(nextMigrationFileNames(layoutOf(['V1__a.sql']), 'x', NOW).down, undefined);
  assert.equal(nextMigrationFileNames(layoutOf(['V1__a.sql', 'U1__a.sql']), 'x', NOW).down, 'U2__x.sql');
});

const index: FindingAction = { kind: 'createIndex', schema: 'public', table: 'Order Items', name: 'order_items_customer_idx', keys: [{ column: 'customer id' }, { expression: 'lower("email")', desc: true }], where: 'deleted_at IS NULL' };

test('actions: quoted identifiers, CONCURRENTLY known without parsing, down SQL, lint-clean form', () => {
  const r = renderAction(index);
  assert.deepEqual(r.up, ['CREATE INDEX CONCURRENTLY IF NOT EXISTS "order_items_customer_idx" ON "public"."Order Items" ("customer id", lower("email") DESC) WHERE deleted_at IS NULL;']);
  assert.ok(r.autocommit);
  assert.deepEqual(r.down, ['DROP INDEX CONCURRENTLY IF EXISTS "public"."order_items_customer_idx";']);
  assert.equal(r.lintClean[0], 'DROP INDEX CONCURRENTLY IF EXISTS "public"."order_items_customer_idx";');
  const drop = renderAction({ kind: 'dropIndex', schema: 's', name: 'i"x', definition: 'CREATE UNIQUE INDEX "i""x" ON s.t USING btree (a)' });
  assert.deepEqual(drop.up, ['DROP INDEX CONCURRENTLY IF EXISTS "s"."i""x";']);
  assert.deepEqual(drop.down, ['CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "i""x" ON s.t USING btree (a);']);
  const con = renderAction({ kind: 'addConstraint', schema: 'public', table: 't', name: 'c', definition: 'CHECK (x > 0)' });
  assert.deepEqual(con.up, ['ALTER TABLE "public"."t" ADD CONSTRAINT "c" CHECK (x > 0) NOT VALID;', 'ALTER TABLE "public"."t" VALIDATE CONSTRAINT "c";']);
  assert.equal(actionsSql([{ kind: 'analyze', schema: 'a b', table: 'T' }]), 'ANALYZE "a b"."T";');
});

test('the migration a writer drafts lints clean, and its generated down undoes the index (plain)', () => {
  const d = draftMigration(layoutOf(['001_init.sql']), [index], { now: NOW, source: 'test' });
  const file = d.migrations[0]?.files[0];
  assert.equal(file?.name, '002_add_index_order_items_customer_idx.sql');
  const bad = lintText(file?.text ?? '', { pgVersion: 15, assumeInTransaction: false, rules: {} }).findings.filter((f) => f.severity !== 'info');
  assert.deepEqual(bad, [], JSON.stringify(bad));
  const down = generateDown(file?.text ?? '');
  assert.ok(down.ok, JSON.stringify(down));
  assert.deepEqual(down.statements, ['DROP INDEX CONCURRENTLY IF EXISTS "public"."order_items_customer_idx"']);
});

test('dbmate: one file with transaction:false sections; an added constraint is validated in a second migration', () => {
  const layout = layoutOf(['20240101000000_a.sql'], '-- migrate:up\nselect 1;\n');
  const text = draftMigration(layout, [index], { now: NOW, source: 'test' }).migrations[0]?.files[0]?.text ?? '';
  assert.match(text, /^-- migrate:up transaction:false\n/);
  assert.match(text, /\n-- migrate:down transaction:false\nSET lock_timeout = '5s';\nSET statement_timeout = '0';\nDROP INDEX CONCURRENTLY IF EXISTS "public"."order_items_customer_idx";\n$/);
  const two = draftMigration(layout, [{ kind: 'addConstraint', schema: 'public', table: 't', name: 'c', definition: 'CHECK (x > 0)' }], { now: NOW, source: 'test' });
  assert.deepEqual(
    two.migrations.map((m) => m.files[0]?.name),
    ['20261207010203_add_constraint_c.sql', '20261207010204_validate_constraint_c.sql'],
  );
  assert.match(two.migrations[0]?.files[0]?.text ?? '', /NOT VALID;\n/);
  assert.doesNotMatch(two.migrations[0]?.files[0]?.text ?? '', /VALIDATE/);
});

test('writing: never over an existing file, nothing half-written on failure; folder resolution', () => {
  const root = mkdtempSync(join(tmpdir(), 'pgopt-layout-'));
  assert.equal(findMigrationsDir({ root }), undefined);
  mkdirSync(join(root, 'db', 'migrations'), { recursive: true });
  writeFileSync(join(root, 'db', 'migrations', '001_init.sql'), 'create table t (id int);\n');
  assert.equal(findMigrationsDir({ root })?.dir, join(root, 'db', 'migrations'));
  assert.equal(findMigrationsDir({ root, configuredDir: 'sql' })?.origin, 'config');
  const layout = resolveMigrationLayout({ root }) as MigrationLayout;
  assert.equal(layout.format, 'plain');
  const draft = draftMigration(layout, [index], { now: NOW, source: 'test' });
  const paths = writeMigrationDraft(draft);
  assert.deepEqual(paths, [join(root, 'db', 'migrations', '002_add_index_order_items_customer_idx.sql')]);
  assert.throws(() => writeMigrationDraft(draft), /already exists; nothing was overwritten/);
  // Two files where the second exists: the first is removed again, no temporary is left.
  const gm = { ...draft, migrations: [{ version: '3', files: [{ name: '003_new.sql', text: 'x' }, { name: '002_add_index_order_items_customer_idx.sql', text: 'y' }] }] };
  assert.throws(() => writeMigrationDraft(gm));
  assert.deepEqual(readdirSync(join(root, 'db', 'migrations')).sort(), ['001_init.sql', '002_add_index_order_items_customer_idx.sql']);
  assert.match(readFileSync(paths[0] as string, 'utf8'), /CREATE INDEX CONCURRENTLY "order_items_customer_idx"/);
});
