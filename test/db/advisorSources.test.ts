// Advisor workload sources beyond pg_stat_statements: the server's own log (stderr, csvlog and jsonlog,
// written by a real server with log_min_duration_statement = 0) and a live sample of pg_stat_activity.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { runAdvisor } from '../../src/core/advisor/advisor';
import { detectLogFormat, parseServerLog, sampleActivity } from '../../src/core/advisor/workloadSources';
import { probeCapabilities } from '../../src/core/db/capabilities';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { DbSession } from '../../src/core/db/session';
import { startLocalPostgres, type LocalPostgres } from '../../scripts/localPostgres';

const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');
let server: LocalPostgres;
let url: string;

function cleanEnv(): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && k !== 'DATABASE_URL'));
}

async function withClient<T>(fn: (c: pg.Client) => Promise<T>, app = 'the-app'): Promise<T> {
  const c = new pg.Client({ connectionString: url, application_name: app });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function withSession<T>(fn: (s: DbSession) => Promise<T>): Promise<T> {
  const s = await DbSession.open(resolveUrl(url, nodeEnvAccess({}), 'advisor-sources-test'), { analysis: { statementTimeoutMs: 30_000, lockTimeoutMs: 1_000 } });
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

before(async () => {
  server = await startLocalPostgres({
    settings: { logging_collector: 'on', log_destination: "'stderr,csvlog,jsonlog'", log_directory: "'log'", log_filename: "'pg'", log_min_duration_statement: 0 },
  });
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('CREATE DATABASE sources');
  await admin.end();
  url = server.urlFor('sources');
  await withClient(async (c) => {
    if (server.availableExtensions.has('hypopg')) await c.query('CREATE EXTENSION hypopg');
    await c.query(`CREATE TABLE posts (id serial PRIMARY KEY, user_id int NOT NULL, blog_id int NOT NULL, body text);
      INSERT INTO posts (user_id, blog_id, body) SELECT g % 1000, g % 100, 'body' FROM generate_series(1, 100000) g;
      ANALYZE posts;`);
    // The application: simple-protocol statements (`statement:` lines, one of them over two lines) and
    // extended-protocol ones with parameters (`execute <unnamed>:` lines).
    for (let i = 0; i < 5; i++) await c.query(`SELECT id, body FROM posts\nWHERE user_id = ${i}`);
    for (let i = 0; i < 5; i++) await c.query('SELECT id FROM posts WHERE blog_id = $1 ORDER BY id LIMIT 5', [i]);
  });
});

after(async () => {
  await server?.stop();
});

function logText(ext: string): string {
  return readFileSync(join(server.dataDir, 'log', `pg${ext}`), 'utf8');
}

test('server log: stderr, csvlog and jsonlog give the same workload, and the advisor finds its index', async () => {
  const byFormat = new Map<string, ReturnType<typeof parseServerLog>>();
  for (const [ext, format] of [['', 'stderr'], ['.csv', 'csvlog'], ['.json', 'jsonlog']] as const) {
    const text = logText(ext);
    assert.equal(detectLogFormat(text), format);
    const w = parseServerLog(text);
    byFormat.set(format, w);
    const lookup = w.statements.find((s) => /WHERE user_id = /.test(s.sql));
    const bound = w.statements.find((s) => /blog_id = \$1/.test(s.sql));
    assert.ok(lookup && bound, `${format}: ${JSON.stringify(w.statements.map((s) => s.sql))}`);
    assert.equal(lookup.calls, 5, `${format}: literals fold to one fingerprint`);
    assert.equal(bound.calls, 5, `${format}: execute <unnamed> lines count, parse/bind lines do not`);
    assert.ok(lookup.totalTimeMs > 0);
  }
  const sig = (f: string): string[] => byFormat.get(f)!.statements.map((s) => `${s.id}:${s.calls}`).sort();
  assert.deepEqual(sig('csvlog'), sig('stderr'));
  assert.deepEqual(sig('jsonlog'), sig('stderr'));

  const r = await withSession(async (s) => {
    const caps = await s.readOnly((q) => probeCapabilities(q));
    return s.readOnly((q) => runAdvisor(q, caps, { workloadStatements: { statements: byFormat.get('jsonlog')!.statements, source: 'server log' } }));
  });
  assert.equal(r.source, 'server log');
  assert.ok(r.recommendations.some((x) => x.table === 'posts' && x.columns[0] === 'user_id'), JSON.stringify(r.recommendations.map((x) => x.sql)));

  const cli = spawnSync(process.execPath, [CLI, 'advise', '--url', url, '--log', join(server.dataDir, 'log', 'pg.csv'), '--format', 'json'], { encoding: 'utf8', env: cleanEnv(), timeout: 120_000 });
  assert.equal(cli.status, 0, cli.stderr);
  const out = JSON.parse(cli.stdout) as { recommendations: { table: string; columns: string[] }[]; workload: { source: string } };
  assert.equal(out.workload.source, 'server log');
  assert.ok(out.recommendations.some((x) => x.table === 'posts' && x.columns[0] === 'user_id'));
  // A log without duration lines: one sentence on what to set, exit 2.
  const none = spawnSync(process.execPath, [CLI, 'advise', '--url', url, '--log', join(server.dataDir, 'PG_VERSION')], { encoding: 'utf8', env: cleanEnv(), timeout: 60_000 });
  assert.equal(none.status, 2, none.stderr);
  assert.match(none.stderr, /no statements with durations .*log_min_duration_statement/);
  assert.doesNotMatch(none.stderr, /\n\s+at /);
});

test('live sample of pg_stat_activity: a running statement becomes workload; pgopt and this session are not', async () => {
  const running = withClient((c) => c.query('SELECT id FROM posts WHERE user_id = 7 AND (SELECT pg_sleep(2)) IS NOT NULL'));
  const ours = withClient((c) => c.query('SELECT pg_sleep(2)'), 'pgopt test');
  await new Promise((res) => setTimeout(res, 300));
  const sample = await withSession((s) => s.readOnly((q) => sampleActivity(q, 1000, 100)));
  await Promise.all([running, ours]);
  assert.ok(sample.samples >= 5, String(sample.samples));
  assert.equal(sample.statements.length, 1, JSON.stringify(sample.statements.map((s) => s.sql)));
  assert.match(sample.statements[0]!.sql, /user_id = 7/);
  assert.ok(sample.statements[0]!.calls >= 5);
  const r = await withSession(async (s) => {
    const caps = await s.readOnly((q) => probeCapabilities(q));
    return s.readOnly((q) => runAdvisor(q, caps, { workloadStatements: { statements: sample.statements, source: 'pg_stat_activity sample' } }));
  });
  assert.ok(r.recommendations.some((x) => x.table === 'posts' && x.columns[0] === 'user_id'), JSON.stringify(r.recommendations.map((x) => x.sql)));
});
