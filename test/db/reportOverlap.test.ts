// A section that mostly waits (Analyzer.overlaps: Connections' sampling window) runs while the next sections
// run, on the one session; the report still lists and streams the sections in their order.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Analyzer, SectionBody } from '../../src/core/analyzers/analyzer';
import { connectionsAnalyzer } from '../../src/core/analyzers/connections/connectionsAnalyzer';
import { resolveUrl } from '../../src/core/db/connectionSpec';
import { nodeEnvAccess } from '../../src/core/db/envAccess';
import { CancelledError, DbSession } from '../../src/core/db/session';
import { buildReport } from '../../src/core/report/buildReport';
import { startTestPostgres, type TestPostgres } from '../harness/pgServer';

let db: TestPostgres;
let session: DbSession;

before(async () => {
  db = await startTestPostgres();
  session = await DbSession.open(resolveUrl(db.url, nodeEnvAccess({}), 'overlap-test'));
});

after(async () => {
  await session?.close();
  await db?.stop();
});

const body = (summary: string): SectionBody => ({ status: 'ok', summary, metrics: [], findings: [], tables: [], unavailable: [] });

test('an overlapping section waits while the next ones run; sections stay in order, streamed in order', async () => {
  const events: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const waiting: Analyzer = {
    id: 'waiting',
    title: 'Waiting',
    description: '',
    overlaps: true,
    async run(ctx) {
      await ctx.readOnly((q) => q.query('SELECT 1'));
      events.push('waiting: first sample');
      // Sequential sections would never get here before the timeout: the next section releases it.
      const r = await Promise.race([released.then(() => 'released'), new Promise<string>((res) => setTimeout(() => res('timed out'), 20_000))]);
      events.push(`waiting: ${r}`);
      await ctx.readOnly((q) => q.query('SELECT 2'));
      return body('waited');
    },
  };
  const next: Analyzer = {
    id: 'next',
    title: 'Next',
    description: '',
    async run(ctx) {
      await ctx.readOnly((q) => q.query('SELECT 3'));
      events.push('next: ran');
      release();
      return body('next');
    },
  };
  const last: Analyzer = { id: 'last', title: 'Last', description: '', run: async () => body('last') };
  const streamedIds: string[][] = [];
  const report = await buildReport(session, { analyzers: [waiting, next, last], onSection: (r) => streamedIds.push(r.sections.map((s) => s.id)) });
  assert.deepEqual(report.sections.map((s) => s.id), ['waiting', 'next', 'last']);
  assert.ok(events.indexOf('next: ran') < events.indexOf('waiting: released'), events.join(', '));
  assert.ok(events.includes('waiting: released'), events.join(', '));
  // Streamed in order: never a later section before an earlier one.
  for (const ids of streamedIds) assert.deepEqual(ids, ['waiting', 'next', 'last'].slice(0, ids.length));
  assert.deepEqual(streamedIds.at(-1), ['waiting', 'next', 'last']);
});

test('Connections overlaps; a cancellation during its window still cancels the report', async () => {
  assert.equal(connectionsAnalyzer.overlaps, true);
  const ac = new AbortController();
  const slow: Analyzer = {
    id: 'slow',
    title: 'Slow',
    description: '',
    async run(ctx) {
      ac.abort();
      await ctx.readOnly((q) => q.query('SELECT 1'));
      return body('slow');
    },
  };
  await assert.rejects(buildReport(session, { analyzers: [connectionsAnalyzer, slow, slow], signal: ac.signal }), CancelledError);
});
