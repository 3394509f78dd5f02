// The pooler section's judgements as pure functions of SHOW rows (the real pgbouncer is in test/db/pooler.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessPooler, classifySessionState, type PoolerFacts } from '../../../src/core/analyzers/pooler/pooler';

function facts(over: Partial<PoolerFacts> & { pools: Record<string, unknown>[][] }): PoolerFacts {
  return {
    samples: over.pools.map((s) => s.map((r) => ({ database: 'app', user: 'app', cl_active: 0, cl_waiting: 0, sv_active: 0, sv_idle: 0, sv_used: 0, sv_tested: 0, sv_login: 0, maxwait: 0, maxwait_us: 0, pool_mode: 'transaction', ...r })).map((r) => ({
      database: String(r.database), user: String(r.user), clActive: Number(r.cl_active), clWaiting: Number(r.cl_waiting), svActive: Number(r.sv_active), svIdle: Number(r.sv_idle), svUsed: Number(r.sv_used), svOther: 0, maxwaitS: Number(r.maxwait) + Number(r.maxwait_us) / 1e6, poolMode: String(r.pool_mode),
    }))),
    stats: over.stats ?? [],
    databases: over.databases ?? [{ name: 'app', pool_size: 4, max_connections: 0 }],
    clients: over.clients ?? [],
    servers: over.servers ?? [],
    config: over.config ?? new Map([['pool_mode', 'transaction'], ['default_pool_size', '20'], ['max_db_connections', '0']]),
    version: 'PgBouncer 1.18.0',
  };
}

test('session state: SET without LOCAL, PREPARE, session advisory locks, LISTEN, temp tables; not SET LOCAL, xact locks or ON COMMIT DROP', () => {
  const uses = classifySessionState([
    { query: 'SET search_path = app', calls: 10 },
    { query: 'set local statement_timeout = $1', calls: 99 },
    { query: 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE', calls: 5 },
    { query: 'PREPARE q AS SELECT 1', calls: 2 },
    { query: 'SELECT pg_advisory_lock($1)', calls: 3 },
    { query: 'SELECT pg_advisory_xact_lock($1)', calls: 50 },
    { query: 'LISTEN jobs', calls: 1 },
    { query: 'CREATE TEMP TABLE t (id int) ON COMMIT DROP', calls: 7 },
    { query: 'CREATE TEMPORARY TABLE s (id int)', calls: 4 },
  ]);
  assert.deepEqual(uses.map((u) => [u.kind, u.calls]), [['set', 10], ['prepared', 2], ['advisory-lock', 3], ['listen', 1], ['temp-table', 4]]);
});

test('waiting clients: peak over the samples, longest wait, error at 5 s, pool-size advice capped by server slots', () => {
  const f = facts({
    pools: [[{ cl_active: 4, cl_waiting: 1, sv_active: 4 }], [{ cl_active: 4, cl_waiting: 6, sv_active: 4, maxwait: 6, maxwait_us: 500_000 }], [{ cl_active: 4, sv_active: 4 }]],
    stats: [{ database: 'app', avg_xact_count: 20, avg_xact_time: 400_000 }],
  });
  const a = assessPooler({ facts: f, sessionState: [], serverSlots: 9 });
  const w = a.findings.find((x) => x.id === 'pooler.clients-waiting');
  assert.equal(w?.severity, 'error');
  assert.equal(a.metrics.find((m) => m.id === 'pooler-waiting')?.value, 6);
  assert.equal(a.metrics.find((m) => m.id === 'pooler-maxwait')?.value, 6.5);
  // demand 4 + 6 = 10, Little's law 20/s × 0.4 s = 8 busy -> 12; capped at 9 free server slots.
  assert.match(w?.action ?? '', /from 4 to 9/);
  assert.match(w?.detail ?? '', /8\.0 server connections busy/);
  const quiet = assessPooler({ facts: facts({ pools: [[{ cl_active: 1, sv_active: 1 }]] }), sessionState: [], serverSlots: 90 });
  assert.equal(quiet.findings.length, 0);
  assert.match(quiet.summary, /no client waiting/);
});

test('session state matters only with transaction or statement pooling', () => {
  const state = classifySessionState([{ query: 'SET search_path = app', calls: 10 }]);
  const txn = assessPooler({ facts: facts({ pools: [[{}]] }), sessionState: state, serverSlots: null });
  assert.equal(txn.findings[0]?.id, 'pooler.session-state');
  const session = assessPooler({
    facts: facts({ pools: [[{ pool_mode: 'session' }]], config: new Map([['pool_mode', 'session']]) }),
    sessionState: state,
    serverSlots: null,
  });
  assert.equal(session.findings.length, 0);
});

test('one model decides the wait: the waiting and longest-wait metrics and the finding agree (a sub-second wait is a warning, shown as "< 1 s")', async () => {
  const { waitStatus, formatWait } = await import('../../../src/core/analyzers/pooler/pooler');
  assert.equal(waitStatus(0, 0), 'ok');
  assert.equal(waitStatus(2, 0.4), 'warning');
  assert.equal(waitStatus(2, 0), 'warning');
  assert.equal(waitStatus(2, 5), 'error');
  assert.equal(formatWait(0), '0 s');
  assert.equal(formatWait(0.6), '< 1 s');
  assert.equal(formatWait(1.2), '1 s');
  for (const [waiting, us] of [[3, 600_000], [3, 0], [1, 1_200_000], [2, 7_000_000]] as const) {
    const a = assessPooler({ facts: facts({ pools: [[{ cl_active: 2, cl_waiting: waiting, sv_active: 2, maxwait: Math.floor(us / 1e6), maxwait_us: us % 1_000_000 }]] }), sessionState: [], serverSlots: 50 });
    const w = a.metrics.find((m) => m.id === 'pooler-waiting');
    const mw = a.metrics.find((m) => m.id === 'pooler-maxwait');
    const finding = a.findings.find((f) => f.id === 'pooler.clients-waiting');
    assert.equal(mw?.status, w?.status, `${waiting} waiting, ${us} µs: ${JSON.stringify(a.metrics)}`);
    assert.equal(finding?.severity, w?.status, `${waiting} waiting, ${us} µs`);
    assert.notEqual(w?.status, 'ok');
  }
  const sub = assessPooler({ facts: facts({ pools: [[{ cl_active: 2, cl_waiting: 3, sv_active: 2, maxwait_us: 600_000 }]] }), sessionState: [], serverSlots: 50 });
  assert.equal(sub.metrics.find((m) => m.id === 'pooler-maxwait')?.display, '< 1 s');
  assert.match(sub.summary, /longest < 1 s/);
  const none = assessPooler({ facts: facts({ pools: [[{ cl_active: 1, sv_active: 1 }]] }), sessionState: [], serverSlots: 50 });
  assert.deepEqual(none.metrics.filter((m) => m.id === 'pooler-waiting' || m.id === 'pooler-maxwait').map((m) => [m.status, m.display]), [['ok', '0'], ['ok', '0 s']]);
});
