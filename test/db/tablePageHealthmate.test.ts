// The table page on HealthMate (small scale) after its workload: health_data, the hot table, gets its own
// statements, index advice on health_data only, its indexes and integrity findings — nothing of other tables.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createHealthMate } from '../../scripts/healthmate/generate';
import { healthMateConfig } from '../../scripts/healthmate/config';
import { runWorkload } from '../../scripts/healthmate/workload';
import { buildTableReport } from '../../src/core/analyzers/table/tableReport';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let server: TestPostgres;
let url: string;
let session: DbSession;

const connect = async (): Promise<pg.Client> => {
  const c = new pg.Client({ connectionString: url, application_name: 'healthmate-table-page' });
  await c.connect();
  return c;
};

before(async () => {
  server = await startTestPostgres();
  url = await server.createDatabase('healthmate');
  const c = await connect();
  try {
    await createHealthMate(c, { scale: 'small' });
  } finally {
    await c.end();
  }
  await server.exec('SELECT pg_stat_statements_reset()', 'healthmate');
  await runWorkload(connect, { scale: 'small' });
  session = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), 'healthmate-table-page'));
});

after(async () => {
  await session?.close();
  await server?.stop();
});

test('health_data: its statements, advice on it only, its indexes, and integrity findings of its columns', async (t) => {
  const started = Date.now();
  const report = await buildTableReport(session, { table: { schema: 'public', name: 'health_data' }, config: healthMateConfig() });
  t.diagnostic(`table page: ${Date.now() - started} ms; ${report.sections.map((s) => `${s.id} ${s.durationMs} ms`).join(', ')}`);
  for (const s of report.sections) assert.equal(s.error, undefined, `${s.id}: ${s.error}`);
  const table = report.sections.find((s) => s.id === 'table')!;
  t.diagnostic(table.metrics.map((m) => `${m.label}: ${m.display}`).join(' | '));
  assert.ok((table.metrics.find((m) => m.id === 'seq-scans')?.value as number) > 0);
  const rows = report.sections.find((s) => s.id === 'workload')!.tables[0]!.rows;
  t.diagnostic(`workload: ${rows.length} statements`);
  assert.ok(rows.length >= 3, `${rows.length} statements on health_data`);
  // Statements are shown cut to 200 characters: a cut one may name the table further on.
  const others = rows.filter((r) => !String(r.query).endsWith('…') && !String(r.query).includes('health_data'));
  assert.deepEqual(others.map((r) => JSON.stringify(r.query)), []);
  const advice = report.sections.find((s) => s.id === 'advice')!;
  t.diagnostic(`advice: ${advice.findings.map((f) => f.sql?.split('\n')[0]).join(' ; ')}`);
  assert.ok(advice.findings.some((f) => /health_data/.test(f.sql ?? '')), 'an index recommendation on health_data');
  for (const f of advice.findings) if (f.sql) assert.doesNotMatch(f.sql, /ON (ONLY )?"?public"?\."?(users|symptom_logs|medication_logs|health_goals|health_alerts|conversations)\b/, f.sql);
  const integrity = report.sections.find((s) => s.id === 'integrity')!;
  assert.ok(integrity.findings.length > 0, 'HealthMate plants bad values in health_data');
  assert.ok(integrity.findings.every((f) => f.object?.table === 'health_data' || f.object?.name === 'health_data'), JSON.stringify(integrity.findings.map((f) => f.object)));
});
