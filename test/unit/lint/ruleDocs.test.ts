// The docs pages are generated from the rules' metadata; this fails when someone changes a rule and forgets
// `npm run docs`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES } from '../../../src/core/lint/registry';
import { ENGINE_DOCS, renderAliasDoc, renderEngineDoc, renderRuleDoc, renderRuleIndex, ruleAliases } from '../../../src/core/lint/ruleDocs';
import { ENGINE_RULE_IDS } from '../../../src/core/lint/linter';

const DOCS = join(__dirname, '..', '..', '..', '..', 'docs', 'rules');

test('every rule has a current docs page (run `npm run docs` after changing a rule)', () => {
  const stale: string[] = [];
  for (const r of RULES) {
    const file = join(DOCS, `${r.meta.id}.md`);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== renderRuleDoc(r)) stale.push(r.meta.id);
  }
  assert.deepEqual(stale, []);
  assert.equal(readFileSync(join(DOCS, 'README.md'), 'utf8'), renderRuleIndex(RULES));
  for (const id of ENGINE_RULE_IDS) {
    assert.ok(ENGINE_DOCS[id], `engine id ${id} has a docs entry`);
    assert.equal(readFileSync(join(DOCS, `${id}.md`), 'utf8'), renderEngineDoc(id));
  }
  // A former id keeps a page that links to the rule now answering to it (old links land).
  const aliases = ruleAliases(RULES);
  assert.ok(aliases.get('unique-on-dirty-data')?.some((r) => r.meta.id === 'constraint-on-dirty-data'));
  for (const [alias, rules] of aliases) assert.equal(readFileSync(join(DOCS, `${alias}.md`), 'utf8'), renderAliasDoc(alias, rules), alias);
});
