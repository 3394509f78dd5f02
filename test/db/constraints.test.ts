// The constraint inventory on a real Postgres: every kind per table, tables without a primary key, and
// NOT VALID constraints dry-run validated (exact on small tables, sampled and labelled on larger ones)
// with a VALIDATE CONSTRAINT migration that really validates once the data is fixed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { constraintsAnalyzer } from '../../src/core/analyzers/constraints/constraintsAnalyzer';
import { selectAnalyzers } from '../../src/core/analyzers/registry';
import type { PgoptFile } from '../../src/core/config';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { buildReport } from '../../src/core/report/buildReport';
import type { ReportSection } from '../../src/core/report/model';
import { renderReportHtml } from '../../src/core/report/renderHtml';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let session: DbSession;
const HOSTILE = `chëck "q" <script>alert(1)</script>`;

before(async () => {
  db = await startTestPostgres();
  await db.exec(`
    CREATE EXTENSION IF NOT EXISTS btree_gist;
    CREATE TABLE rooms (id int PRIMARY KEY, code text NOT NULL UNIQUE, capacity int CHECK (capacity > 0));
    INSERT INTO rooms SELECT g, 'R' || g, 1 + g % 20 FROM generate_series(1, 50) g;
    CREATE TABLE bookings (id serial PRIMARY KEY, room_id int NOT NULL, during tstzrange NOT NULL, guests int,
      EXCLUDE USING gist (room_id WITH =, during WITH &&));
    INSERT INTO bookings (room_id, during, guests)
      SELECT 1 + g % 60, tstzrange(now() + g * interval '1 hour', now() + (g + 1) * interval '1 hour'), g % 9 FROM generate_series(1, 400) g;
    ALTER TABLE bookings ADD CONSTRAINT bookings_room_fk FOREIGN KEY (room_id) REFERENCES rooms (id) NOT VALID;
    ALTER TABLE bookings ADD CONSTRAINT ${pg.escapeIdentifier(HOSTILE)} CHECK (guests < 8) NOT VALID;
    CREATE TABLE logbook (at timestamptz, line text);
    INSERT INTO logbook SELECT now(), 'x' FROM generate_series(1, 10);
    CREATE TABLE events (id serial PRIMARY KEY, n int NOT NULL);
    INSERT INTO events (n) SELECT g % 1000 FROM generate_series(1, 100000) g;
    ALTER TABLE events ADD CONSTRAINT events_n_small CHECK (n < 990) NOT VALID;
    ANALYZE;
  `);
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'constraints-test'));
});

after(async () => {
  await session?.close();
  await db?.stop();
});

async function run(config: PgoptFile = {}): Promise<{ s: ReportSection; html: string }> {
  const report = await buildReport(session, { analyzers: [constraintsAnalyzer], config });
  const s = report.sections[0]!;
  assert.equal(s.error, undefined, s.error);
  return { s, html: renderReportHtml(report) };
}

test('`--sections constraints,integrity` selects both analyzers', () => {
  const { analyzers, unknown } = selectAnalyzers(['constraints', 'integrity']);
  assert.deepEqual(analyzers.map((a) => a.id), ['constraints', 'integrity']);
  assert.deepEqual(unknown, []);
});

test('inventory: every kind per table, NOT NULL columns, and tables without a primary key', async () => {
  const { s } = await run();
  const perTable = s.tables.find((t) => t.id === 'constraints-per-table')!;
  const rooms = perTable.rows.find((r) => r.table === 'public.rooms')!;
  assert.equal(rooms.primaryKey, '(id)');
  assert.equal(rooms.unique, 'rooms_code_key');
  assert.equal(rooms.checks, 'rooms_capacity_check');
  assert.equal(rooms.notNull, 'id, code');
  const bookings = perTable.rows.find((r) => r.table === 'public.bookings')!;
  assert.equal(bookings.foreignKeys, 'bookings_room_fk');
  assert.equal(bookings.exclusion, 'bookings_room_id_during_excl');
  assert.equal(bookings.notValid, `bookings_room_fk, ${HOSTILE}`);
  const all = s.tables.find((t) => t.id === 'constraints-all')!;
  const excl = all.rows.find((r) => r.name === 'bookings_room_id_during_excl')!;
  assert.equal(excl.kind, 'exclusion');
  assert.match(String(excl.definition), /^EXCLUDE USING gist \(room_id WITH =, during WITH &&\)$/);
  const noPk = s.findings.filter((f) => f.id === 'constraints.no-primary-key').map((f) => f.object?.name);
  assert.deepEqual(noPk, ['logbook']);
  assert.equal(s.metrics.find((m) => m.id === 'constraint-not-valid')?.value, 3);
});

test('NOT VALID constraints: dry run counts exactly the rows VALIDATE would reject', async () => {
  const { s, html } = await run();
  const fk = s.findings.find((f) => f.object?.name === 'bookings_room_fk')!;
  // room_id = 1 + g % 60 over g = 1..400: values 51..60 have no room; g % 60 in 50..59 -> 6 or 7 each.
  const expectedOrphans = Array.from({ length: 400 }, (_, i) => 1 + ((i + 1) % 60)).filter((v) => v > 50).length;
  assert.match(fk.title, new RegExp(`: ${expectedOrphans} rows would fail VALIDATE$`));
  assert.match(fk.detail, /Missing rooms keys: 51; 52; 53; 54; 55; 56; 57; 58; 59; 60\./);
  assert.equal(fk.severity, 'warning');
  const check = s.findings.find((f) => f.object?.name === HOSTILE)!;
  const expectedBad = Array.from({ length: 400 }, (_, i) => (i + 1) % 9).filter((g) => g >= 8).length;
  assert.match(check.title, new RegExp(`: ${expectedBad} rows would fail VALIDATE$`));
  assert.match(check.detail, /exact, all 400 rows/);
  assert.ok(check.sql?.endsWith(`ALTER TABLE "public"."bookings" VALIDATE CONSTRAINT ${pg.escapeIdentifier(HOSTILE)};`), check.sql);
  assert.ok(!html.includes('<script>alert(1)</script>'), 'the hostile constraint name is escaped in HTML');
});

test('NOT VALID on a large table: sampled and labelled', async () => {
  const { s } = await run({ integrity: { sampleRows: 5000 } });
  const f = s.findings.find((x) => x.object?.name === 'events_n_small')!;
  assert.match(f.detail, /estimate from a 5 % (SYSTEM|BERNOULLI) sample, [\d,]+ rows of about [\d,]+/);
  assert.match(f.title, /rows? in the sample \(≈ [\d,]+ in the table\) would fail VALIDATE/);
});

test('the Validate migration validates once the data is fixed', async () => {
  const { s } = await run();
  const fk = s.findings.find((f) => f.object?.name === 'bookings_room_fk')!;
  const sql = fk.sql!.split('\n').filter((l) => !l.startsWith('--')).join('\n');
  await assert.rejects(db.exec(sql), /violates foreign key constraint/);
  await db.exec(`INSERT INTO rooms SELECT g, 'R' || g, 5 FROM generate_series(51, 60) g`);
  await db.exec(sql);
  const after = await run();
  assert.ok(!after.s.findings.some((f) => f.object?.name === 'bookings_room_fk'), 'no longer NOT VALID');
  assert.equal(after.s.metrics.find((m) => m.id === 'constraint-not-valid')?.value, 2);
  // A NOT VALID constraint every row satisfies is an info finding with the same action.
  await db.exec(`UPDATE bookings SET guests = 0 WHERE guests >= 8`);
  const clean = (await run()).s.findings.find((f) => f.object?.name === HOSTILE)!;
  assert.equal(clean.severity, 'info');
  assert.match(clean.title, /every row passes, validate it$/);
});
