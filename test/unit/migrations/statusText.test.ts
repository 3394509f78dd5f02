import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeStatusEntry } from '../../../src/core/migrations/statusText';
import type { StatusEntry } from '../../../src/core/migrations/types';

const row = {
  version: '002',
  name: 'bad',
  checksum: 'x',
  appliedAt: '2026-12-06T10:00:00Z',
  appliedBy: 'app',
  durationMs: 29,
  upSql: undefined,
};

test('a failed migration\'s tooltip says it was attempted (not "Applied") and gives the error once', () => {
  const e: StatusEntry = {
    version: '002',
    name: 'bad',
    state: 'failed',
    repeatable: false,
    detail: 'failed at statement 2 of 2: division by zero (rolled back)',
    applied: { ...row, success: false, log: { mode: 'transaction', total: 2, completed: 1, failed: { index: 1, error: 'division by zero' } } as never },
  };
  const lines = describeStatusEntry(e);
  assert.ok(!lines.some((l) => /^Applied\b/.test(l)), lines.join('\n'));
  assert.ok(lines.includes('Attempted 2026-12-06T10:00:00Z by app, failed after 29 ms'), lines.join('\n'));
  assert.equal(lines.filter((l) => l.includes('division by zero')).length, 1, lines.join('\n'));
});

test('an applied migration\'s tooltip says when and how long', () => {
  const lines = describeStatusEntry({ version: '001', name: 'ok', state: 'applied', repeatable: false, applied: { ...row, success: true, log: undefined } });
  assert.deepEqual(lines, ['001 ok: applied', 'Applied 2026-12-06T10:00:00Z by app in 29 ms']);
});
