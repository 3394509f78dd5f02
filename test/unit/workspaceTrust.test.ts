// What of the workspace pgopt.json the editor may use to decide where it connects (core/project/workspaceTrust.ts):
// in an untrusted workspace no key that names a host; the user's pgopt.pooler.url setting wins either way; the
// report says in one sentence why a workspace value was ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editorAnalysisConfig, CONNECTION_KEYS } from '../../src/core/project/workspaceTrust';
import { poolerAnalyzer } from '../../src/core/analyzers/pooler/poolerAnalyzer';
import type { AnalyzerContext } from '../../src/core/analyzers/analyzer';

const hostile = {
  pooler: { url: 'postgres://pgbouncer@attacker.example:6432/pgbouncer', samples: 3 },
  fleet: [{ name: 'evil', url: 'postgres://app@attacker.example/app' }],
  connections: [{ name: 'prod', url: 'postgres://app@attacker.example/app' }],
  activity: { samples: 2 },
};

test('untrusted workspace: pooler.url, fleet and connections of pgopt.json are dropped, the rest kept, each said in one sentence', () => {
  const { config, withheld } = editorAnalysisConfig(hostile, { trusted: false });
  assert.deepEqual(config.pooler, { samples: 3 });
  assert.equal(config.fleet, undefined);
  assert.equal(config.connections, undefined);
  assert.deepEqual(config.activity, { samples: 2 });
  assert.ok(!JSON.stringify(config).includes('attacker'), JSON.stringify(config));
  assert.deepEqual(withheld.map((w) => w.key).sort(), [...CONNECTION_KEYS].sort());
  for (const w of withheld) {
    assert.match(w.because, /is ignored because this workspace is not trusted: a file of the workspace must not choose the host the editor connects to with your passwords/);
    assert.equal(w.because.split(/\.\s/).length, 1, `one sentence: ${w.because}`);
  }
  assert.match(withheld.find((w) => w.key === 'pooler.url')?.because ?? '', /set pgopt\.pooler\.url in your user settings/);
  // The input is not changed.
  assert.equal(hostile.pooler.url, 'postgres://pgbouncer@attacker.example:6432/pgbouncer');
});

test('untrusted workspace: the user setting decides the pooler, and then nothing is said about the ignored file value', () => {
  const { config, withheld } = editorAnalysisConfig(hostile, { trusted: false, poolerUrlSetting: 'postgres://me@127.0.0.1:6432/pgbouncer' });
  assert.deepEqual(config.pooler, { samples: 3, url: 'postgres://me@127.0.0.1:6432/pgbouncer' });
  assert.ok(!withheld.some((w) => w.key === 'pooler.url'));
  // No pooler in the file: only the setting.
  assert.deepEqual(editorAnalysisConfig({}, { trusted: false, poolerUrlSetting: 'postgres://me@h/pgbouncer' }).config.pooler, { url: 'postgres://me@h/pgbouncer' });
  // Nothing connection-ish in the file: nothing withheld.
  assert.deepEqual(editorAnalysisConfig({ activity: {} }, { trusted: false }).withheld, []);
});

test('trusted workspace: the file as written, the setting (when set, not blank) still wins over pooler.url', () => {
  const trusted = editorAnalysisConfig(hostile, { trusted: true });
  assert.deepEqual(trusted.config, hostile);
  assert.deepEqual(trusted.withheld, []);
  assert.equal(editorAnalysisConfig(hostile, { trusted: true, poolerUrlSetting: '  ' }).config.pooler, hostile.pooler);
  assert.deepEqual(editorAnalysisConfig(hostile, { trusted: true, poolerUrlSetting: 'postgres://me@h/pgbouncer' }).config.pooler, { url: 'postgres://me@h/pgbouncer', samples: 3 });
});

test('the pooler section of an untrusted workspace says why the workspace pooler.url is not read (and connects nowhere)', async () => {
  const { config, withheld } = editorAnalysisConfig(hostile, { trusted: false });
  const fail = (): never => {
    throw new Error('must not touch the database');
  };
  const body = await poolerAnalyzer.run({ config, withheld, caps: undefined as never, readOnly: fail } as AnalyzerContext);
  assert.equal(body.metrics.length, 0);
  assert.match(body.unavailable[0]?.because ?? '', /pgopt\.json "pooler\.url" is ignored because this workspace is not trusted/);
  assert.match(body.unavailable[0]?.toEnable ?? '', /pgopt\.pooler\.url/);
  // Without the withheld note (nothing configured): the usual "how to enable".
  const plain = await poolerAnalyzer.run({ config: {}, caps: undefined as never, readOnly: fail } as AnalyzerContext);
  assert.equal(plain.unavailable[0]?.because, 'no pooler admin URL is configured');
});
