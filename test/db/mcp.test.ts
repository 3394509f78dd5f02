// pgopt mcp as an agent's client sees it: the SDK's own Client over stdio against the real CLI process and a
// real server. Lists the tools, calls lint and health, gets tool errors (not a crash) for bad arguments and bad
// SQL, reads the report resource, and checks that the session cannot write.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CLI, cleanEnv } from '../harness/cli';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let client: Client;
let startupMs = 0;

async function connect(args: string[]): Promise<Client> {
  const c = new Client({ name: 'pgopt-test', version: '0.0.0' });
  await c.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', ...args], env: cleanEnv(), stderr: 'pipe' }));
  return c;
}

type TextResult = { content: { type: string; text: string }[]; isError?: boolean };
const textOf = (r: unknown): string => (r as TextResult).content.map((c) => c.text).join('\n');

before(async () => {
  db = await startTestPostgres();
  await db.exec(`CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, total numeric);
                 INSERT INTO orders SELECT g, g % 100, g FROM generate_series(1, 2000) g; ANALYZE orders;`);
  const started = performance.now();
  client = await connect(['--url', db.url]);
  startupMs = performance.now() - started;
});
after(async () => {
  await client?.close();
  await db?.stop();
});

test('lists the tools, all read-only, with input schemas; start-up time reported', async (t) => {
  t.diagnostic(`spawn + initialize: ${startupMs.toFixed(0)} ms`);
  const { tools } = await client.listTools();
  assert.deepEqual(tools.map((x) => x.name).sort(), ['analyze_table', 'explain', 'health', 'index_advice', 'lint_migration', 'slow_queries']);
  for (const x of tools) {
    assert.equal(x.annotations?.readOnlyHint, true, x.name);
    assert.equal(x.inputSchema.type, 'object');
  }
  assert.deepEqual(Object.keys(tools.find((x) => x.name === 'lint_migration')?.inputSchema.properties ?? {}).sort(), ['assumeInTransaction', 'pgVersion', 'sql']);
});

test('lint_migration finds the hazards; health reports on the real server', async () => {
  const lint = await client.callTool({ name: 'lint_migration', arguments: { sql: 'CREATE INDEX i ON orders (customer_id);\nALTER TABLE orders DROP COLUMN total;' } });
  assert.equal(lint.isError, undefined);
  assert.match(textOf(lint), /line 1, column 1: warning require-concurrent-index-creation/);
  assert.match(textOf(lint), /line 2, column 1: warning ban-drop-column/);
  const health = await client.callTool({ name: 'health', arguments: {} });
  assert.equal(health.isError, undefined, textOf(health));
  assert.match(textOf(health), /PostgreSQL 15/);
  assert.match(textOf(health), /Cache hit ratio \(tables\)/);
});

test('explain (estimated only), analyze_table and index_advice for a query', async () => {
  const ex = await client.callTool({ name: 'explain', arguments: { query: 'SELECT * FROM orders WHERE customer_id = 7' } });
  assert.equal(ex.isError, undefined, textOf(ex));
  assert.match(textOf(ex), /Seq Scan/);
  assert.doesNotMatch(textOf(ex), /actual/i);
  const tbl = await client.callTool({ name: 'analyze_table', arguments: { table: 'public.orders' } });
  assert.equal(tbl.isError, undefined, textOf(tbl));
  assert.match(textOf(tbl), /Table public\.orders/);
  assert.match(textOf(tbl), /customer_id bigint NOT NULL/);
  assert.match(textOf(tbl), /orders_pkey/);
  const adv = await client.callTool({ name: 'index_advice', arguments: { query: 'SELECT * FROM orders WHERE customer_id = 7' } });
  assert.equal(adv.isError, undefined, textOf(adv));
  if (db.hasHypopg) assert.match(textOf(adv), /CREATE INDEX[^\n]*customer_id/);
});

test('bad arguments and bad SQL are tool errors; the server keeps serving; nothing can write', async () => {
  const bad = await client.callTool({ name: 'lint_migration', arguments: { sql: 42 } }).catch((e: Error) => ({ isError: true, content: [{ type: 'text', text: e.message }] }));
  assert.equal(bad.isError, true);
  assert.match(textOf(bad), /sql/);
  const badVersion = await client.callTool({ name: 'lint_migration', arguments: { sql: 'SELECT 1', pgVersion: 99 } }).catch((e: Error) => ({ isError: true, content: [{ type: 'text', text: e.message }] }));
  assert.equal(badVersion.isError, true);
  const noTable = await client.callTool({ name: 'analyze_table', arguments: { table: 'nope' } });
  assert.equal(noTable.isError, true);
  assert.match(textOf(noTable), /no table named nope/);
  const two = await client.callTool({ name: 'explain', arguments: { query: 'SELECT 1; SELECT 2' } });
  assert.equal(two.isError, true);
  // EXPLAIN (no ANALYZE) of a write plans it without running it: the row count stays.
  const del = await client.callTool({ name: 'explain', arguments: { query: 'DELETE FROM orders' } });
  assert.equal(del.isError, undefined, textOf(del));
  const c = new pg.Client({ connectionString: db.url });
  await c.connect();
  try {
    assert.equal((await c.query<{ n: string }>('SELECT count(*)::text AS n FROM orders')).rows[0]?.n, '2000');
  } finally {
    await c.end();
  }
  const ping = await client.callTool({ name: 'lint_migration', arguments: { sql: 'SELECT 1;' } });
  assert.match(textOf(ping), /No findings/);
});

test('the report resource; without a database only lint works and the others say how to connect', async () => {
  const { resources } = await client.listResources();
  assert.deepEqual(resources.map((r) => r.uri), ['pgopt://report']);
  const report = await client.readResource({ uri: 'pgopt://report' });
  assert.match((report.contents[0] as { text: string }).text, /== Health \[/);
  const offline = await connect([]);
  try {
    const h = await offline.callTool({ name: 'health', arguments: {} });
    assert.equal(h.isError, true);
    assert.match(textOf(h), /no database given: pass --url/);
    const l = await offline.callTool({ name: 'lint_migration', arguments: { sql: 'VACUUM FULL orders;' } });
    assert.equal(l.isError, undefined);
  } finally {
    await offline.close();
  }
  // A server that is down: a tool error with the connection problem, no stack trace; lint still works.
  const down = await connect(['--url', 'postgres://nobody@127.0.0.1:1/none', '--connect-timeout', '2']);
  try {
    const h = await down.callTool({ name: 'health', arguments: {} });
    assert.equal(h.isError, true);
    assert.match(textOf(h), /127\.0\.0\.1:1/);
    assert.doesNotMatch(textOf(h), /\n\s+at /);
    assert.equal((await down.callTool({ name: 'lint_migration', arguments: { sql: 'SELECT 1;' } })).isError, undefined);
  } finally {
    await down.close();
  }
});
