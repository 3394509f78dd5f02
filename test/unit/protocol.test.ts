// The webview protocol: the guards come from the one declaration per direction, and a request's answer reaches
// the promise of the request with that id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isToHost, isToPlanHost, isToPlanWebview, isToWebview, requester, REPORT_REQUESTS, type REPORT_NOTIFICATIONS, type ToHost } from '../../src/shared/protocol';

test('the report guards check the declared fields of each message, and nothing undeclared passes', () => {
  assert.ok(isToHost({ type: 'export', format: 'json', id: 3 }));
  assert.ok(!isToHost({ type: 'export', format: 'json', id: 1.5 }), 'an id is an integer');
  assert.ok(!isToHost({ type: 'export', format: 'json', id: '1' }));
  assert.ok(!isToHost({ type: 'findingAction', action: 'explain', sectionId: 7, findingIndex: 0 }));
  assert.ok(!isToHost({ type: 'findingAction', action: 'explain', sectionId: 'queries' }), 'a missing field fails');
  for (const type of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) assert.ok(!isToHost({ type }), `${type} is no message`);
  assert.ok(isToWebview({ type: 'response', requestId: 1, result: { ok: true } }));
  assert.ok(!isToWebview({ type: 'response', result: {} }), 'a response names its request');
  assert.ok(!isToWebview({ type: 'progress', running: 'yes', message: '' }));
  assert.ok(!isToWebview({ type: 'showReport', report: 'x' }));
  assert.ok(isToWebview({ type: 'showReport', report: {}, pending: ['Indexes'] }));
  assert.ok(!isToWebview({ type: 'showTrends', trends: {} }));
});

test('every declared request has a guard entry, and the plan view is declared the same way', () => {
  assert.deepEqual(Object.keys(REPORT_REQUESTS).sort(), ['copySql', 'export', 'findingAction', 'ready', 'refresh']);
  assert.ok(isToPlanHost({ type: 'planRendered', nodes: 3, ms: 1.5 }));
  assert.ok(!isToPlanHost({ type: 'planRendered', nodes: '3', ms: 1.5 }));
  assert.ok(!isToPlanHost({ type: 'planCopy' }));
  assert.ok(isToPlanWebview({ type: 'planError', message: 'x' }));
  assert.ok(!isToPlanWebview({ type: 'planError' }));
  assert.ok(!isToPlanWebview({ type: 'showReport', report: {} }), 'the report messages are not the plan view\'s');
});

test('requester: a request goes out with a fresh id and resolves with the answer to that id only', async () => {
  const sent: ToHost[] = [];
  const host = requester<typeof REPORT_REQUESTS>((m) => sent.push(m));
  const a = host.request('export', { format: 'html' });
  const b = host.request('findingAction', { action: 'explain', sectionId: 'queries', findingIndex: 2 });
  assert.equal(sent.length, 2);
  assert.ok(sent.every((m) => isToHost(m)), JSON.stringify(sent));
  const [ea, eb] = sent;
  assert.ok(ea?.id !== undefined && eb?.id !== undefined && ea.id !== eb.id);
  const answers: { type: keyof typeof REPORT_NOTIFICATIONS; requestId: number; result: unknown }[] = [
    { type: 'response', requestId: eb.id!, result: { ok: false, message: 'gone' } },
    { type: 'response', requestId: ea.id!, result: { savedTo: '/tmp/r.html' } },
  ];
  for (const m of answers) {
    assert.ok(isToWebview(m));
    host.settle(m);
  }
  assert.deepEqual(await a, { savedTo: '/tmp/r.html' });
  assert.deepEqual(await b, { ok: false, message: 'gone' });
  host.settle({ requestId: 999, result: null }); // an answer nobody waits for is ignored
});
