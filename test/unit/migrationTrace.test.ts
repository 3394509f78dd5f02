import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadParser, parseSql } from '../../src/core/sql/parser';
import { lockConflicts, LOCK_MODES } from '../../src/core/lint/locks';
import { blockedOps, lockModeFromPg } from '../../src/core/migrations/trace/locks';
import { planStatement, referencedRelations } from '../../src/core/migrations/trace/statements';
import { renderTraceText, traceReportSection } from '../../src/core/migrations/trace/render';
import type { TraceResult } from '../../src/core/migrations/trace/types';

async function node(sql: string) {
  await loadParser();
  const p = parseSql(sql);
  assert.ok(p.ok && p.stmts[0], sql);
  return p.stmts[0].node;
}

test('lock conflict matrix is symmetric and matches the documented rows', () => {
  for (const a of LOCK_MODES) for (const b of LOCK_MODES) assert.equal(lockConflicts(a, b), lockConflicts(b, a), `${a} vs ${b}`);
  assert.deepEqual(blockedOps('ACCESS SHARE'), ['DDL']);
  assert.deepEqual(blockedOps('SHARE'), ['INSERT/UPDATE/DELETE', 'VACUUM/CREATE INDEX CONCURRENTLY', 'DDL']);
  assert.deepEqual(blockedOps('SHARE UPDATE EXCLUSIVE'), ['VACUUM/CREATE INDEX CONCURRENTLY', 'CREATE INDEX', 'DDL']);
  assert.deepEqual(blockedOps('EXCLUSIVE'), ['SELECT FOR UPDATE', 'INSERT/UPDATE/DELETE', 'VACUUM/CREATE INDEX CONCURRENTLY', 'CREATE INDEX', 'DDL']);
  assert.equal(blockedOps('ACCESS EXCLUSIVE').length, 6);
  assert.equal(lockModeFromPg('ShareUpdateExclusiveLock'), 'SHARE UPDATE EXCLUSIVE');
  assert.equal(lockModeFromPg('AccessExclusiveLock'), 'ACCESS EXCLUSIVE');
  assert.equal(lockModeFromPg('SIReadLock'), undefined);
});

test('planStatement: transaction control and non-transactional statements are skipped, CONCURRENTLY is dropped', async () => {
  for (const sql of ['BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT a', 'VACUUM t', 'VACUUM FULL t', 'CREATE DATABASE x', 'ALTER SYSTEM SET work_mem = 1', 'REINDEX DATABASE x', 'COPY t FROM STDIN']) {
    assert.equal(planStatement(await node(sql), sql, 150000).action, 'skip', sql);
  }
  assert.equal(planStatement(await node('ALTER TYPE s ADD VALUE \'x\''), "ALTER TYPE s ADD VALUE 'x'", 110000).action, 'skip');
  assert.equal(planStatement(await node('ALTER TYPE s ADD VALUE \'x\''), "ALTER TYPE s ADD VALUE 'x'", 150000).action, 'run');
  assert.equal(planStatement(await node('ANALYZE t'), 'ANALYZE t', 150000).action, 'run');
  const cases: [string, string][] = [
    ['CREATE INDEX CONCURRENTLY i ON t (a)', 'CREATE INDEX i ON t (a)'],
    ['create unique index\n  concurrently if not exists i on t (a)', 'create unique index\n  if not exists i on t (a)'],
    ['DROP INDEX CONCURRENTLY IF EXISTS i', 'DROP INDEX IF EXISTS i'],
    ['REINDEX TABLE CONCURRENTLY t', 'REINDEX TABLE t'],
    ['ALTER TABLE p DETACH PARTITION c CONCURRENTLY', 'ALTER TABLE p DETACH PARTITION c'],
  ];
  for (const [sql, expected] of cases) {
    const plan = planStatement(await node(sql), sql, 150000);
    assert.equal(plan.action, 'rewrite', sql);
    assert.equal(plan.action === 'rewrite' ? plan.sql : '', expected);
  }
  // An index named "concurrently" is not a concurrent build.
  const quoted = 'CREATE INDEX "concurrently" ON t (a)';
  assert.deepEqual(planStatement(await node(quoted), quoted, 150000), { action: 'run', sql: quoted });
});

test('referencedRelations: every table a statement names, quoted for to_regclass', async () => {
  assert.deepEqual(
    referencedRelations(await node('ALTER TABLE s.orders ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES "Users" (id)')).sort(),
    ['"Users"', '"s"."orders"'],
  );
  assert.deepEqual(referencedRelations(await node('DROP TABLE a, "we""ird".b')).sort(), ['"a"', '"we""ird"."b"']);
  assert.deepEqual(referencedRelations(await node('DROP INDEX CONCURRENTLY ix')), ['"ix"']);
  assert.deepEqual(referencedRelations(await node('CREATE INDEX i ON "tablé 🙂" (a)')), ['"tablé 🙂"']);
});

function sample(): TraceResult {
  const size = { table: 'public.users', rows: 1_200_000, bytes: 340 * 1024 * 1024, totalBytes: 500 * 1024 * 1024 };
  return {
    schemaVersion: 1,
    where: 'target',
    schemaSource: 'target',
    limitations: ['sequence values are not rolled back'],
    serverVersion: '15.18',
    migrations: [
      {
        version: '1',
        name: 'token',
        durationMs: 2300,
        statements: [
          {
            migration: '1_token',
            index: 0,
            sql: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid()',
            line: 1,
            kind: 'ALTER TABLE',
            outcome: 'ok',
            notes: [],
            durationMs: 2300,
            locks: [{ locktype: 'relation', mode: 'ACCESS EXCLUSIVE', relation: 'public.users', relationKind: 'table', source: 'observed', blocks: blockedOps('ACCESS EXCLUSIVE'), heldMs: 2300, size }],
            rewrites: [{ relation: 'public.users', kind: 'table', size }],
            changes: [{ kind: 'column', change: 'added', table: 'public.users', name: 'token', after: 'uuid DEFAULT gen_random_uuid()' }],
          },
          { migration: '1_token', index: 1, sql: 'SELECT 1', line: 2, kind: 'SELECT', outcome: 'not-reached', notes: [], durationMs: 0, locks: [], rewrites: [], changes: [] },
        ],
      },
    ],
    tableSizes: [size],
    rolledBack: true,
    totalMs: 2400,
  };
}

test('text renderer: the one-line lock story with target size and hold time', () => {
  const text = renderTraceText(sample());
  assert.match(text, /ACCESS EXCLUSIVE on public\.users \(1,200,000 rows, 340 MB\) blocks reads and writes for 2\.3 s/);
  assert.match(text, /REWRITE table public\.users \(1,200,000 rows, 340 MB\)/);
  assert.match(text, /#2 line 2 {2}not reached/);
  assert.match(text, /1 table rewrite\(s\), 1 lock\(s\) that block reads/);
});

test('report section: warnings for rewrite and read-blocking lock, error for a failed statement, tables filled', () => {
  const ok = traceReportSection(sample());
  assert.equal(ok.status, 'warning');
  assert.deepEqual(ok.findings.map((f) => f.id).sort(), ['trace.access-exclusive', 'trace.limitation', 'trace.rewrite']);
  assert.equal(ok.tables.find((t) => t.id === 'trace-locks')?.rows[0]?.rows, 1_200_000);
  const failed = sample();
  const st = failed.migrations[0]!.statements[0]!;
  st.outcome = 'failed';
  st.error = { message: 'relation "nosuch" does not exist', code: '42P01' };
  failed.failed = { migration: '1_token', index: 0, message: 'x' };
  const s = traceReportSection(failed);
  assert.equal(s.status, 'error');
  assert.ok(s.findings.some((f) => f.id === 'trace.failed' && /nosuch/.test(f.title)));
});

test('report section with hostile names renders escaped in the HTML export', async () => {
  const { renderReportHtml } = await import('../../src/core/report/renderHtml');
  const r = sample();
  const evil = '"s"."<script>alert(1)</script>"';
  const st = r.migrations[0]!.statements[0]!;
  st.locks[0]!.relation = evil;
  st.rewrites[0]!.relation = evil;
  const section = traceReportSection(r);
  const html = renderReportHtml({
    schemaVersion: 1,
    title: 'trace',
    generatedAt: new Date(0).toISOString(),
    tool: { name: 'pgopt', version: '0' },
    connection: { name: 't', target: 't', serverVersion: '15', database: 'd' },
    capabilities: [],
    sections: [section],
    summary: { errors: 0, warnings: 2, infos: 1, status: 'warning' },
  });
  assert.ok(!html.includes('<script>alert(1)'), 'raw script tag in HTML');
  assert.ok(html.includes('&lt;script&gt;alert(1)'), 'escaped name present');
});
