import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AdvisorResult } from '../../../src/core/advisor/advisor';
import { renderAdviseText } from '../../../src/cli/adviseText';

function result(representative: AdvisorResult['representative']): AdvisorResult {
  return {
    verified: true,
    source: 'file',
    statementsAnalyzed: 2,
    statementsIgnored: 0,
    skipped: [],
    recommendations: [],
    representative,
    totalCostBefore: 100,
    totalCostAfter: 100,
    candidates: 0,
    suppressed: [],
    explains: 4,
    swaps: 0,
    durationMs: 10,
    tableWrites: [],
  } as AdvisorResult;
}

test('advise text: representative values are listed only where they cost differently from the generic plan', () => {
  const same = { id: 'a', sql: 'SELECT 1 FROM t WHERE kind = $1 -- same', column: 'public.t.kind', param: 1, variants: [{ value: 'x', weight: 0.5, cost: 40 }, { value: 'y', weight: 0.5, cost: 40.2 }], genericCost: 40 };
  const skewed = { id: 'b', sql: 'SELECT 1 FROM t WHERE kind = $1 -- skewed', column: 'public.t.kind', param: 1, variants: [{ value: 'rare', weight: 0.3, cost: 8 }, { value: 'common', weight: 0.7, cost: 90 }], genericCost: 60 };
  const text = renderAdviseText(result([same, skewed]), []);
  assert.match(text, /Costed with representative values of a skewed column/);
  assert.match(text, /rare ×30 % cost 8, common ×70 % cost 90 \(generic 60\) — .*-- skewed/);
  assert.doesNotMatch(text, /-- same/);
  // None that changes anything: no heading at all.
  assert.doesNotMatch(renderAdviseText(result([same]), []), /representative values/);
});
