// ruleNames.ts lists every rule's id and aliases without loading the rules (so a cached `pgopt lint` run never
// parses them); it must say exactly what the registry says, in the same order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE_RULE_IDS as ENGINE_IDS_OF_LINTER, INTERNAL_ERROR, SYNTAX_ERROR, UNUSED_IGNORE } from '../../../src/core/lint/linter';
import { RULES } from '../../../src/core/lint/registry';
import { ENGINE_RULE_IDS, RULE_NAMES } from '../../../src/core/lint/ruleNames';

test('RULE_NAMES matches the registry: ids, aliases and order', () => {
  assert.deepEqual(
    RULE_NAMES.map((r) => ({ id: r.id, aliases: [...(r.aliases ?? [])] })),
    RULES.map((r) => ({ id: r.meta.id, aliases: [...(r.meta.aliases ?? [])] })),
  );
});

test('ENGINE_RULE_IDS are the engine ids the linter reports', () => {
  assert.deepEqual([...ENGINE_RULE_IDS], [SYNTAX_ERROR, UNUSED_IGNORE, INTERNAL_ERROR]);
  assert.equal(ENGINE_IDS_OF_LINTER, ENGINE_RULE_IDS);
});

test('rule ids are lower-case ASCII words and hyphens, ordered by code unit as a collator orders them', () => {
  // The linter sorts findings at one offset by rule id in code-unit order (no ICU at run time, and the same on every
  // machine); that is the order localeCompare gave under the root collation and the usual locales while every id
  // stays within [a-z0-9-]. (Under a few locales it was not: Lithuanian sorts y with i, so the order used to
  // depend on the machine's locale.)
  const ids = [...RULES.map((r) => r.meta.id), ...ENGINE_RULE_IDS, 'file-skipped'];
  for (const id of ids) assert.match(id, /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
  for (const locale of ['und', 'en', 'de', 'fr', 'da']) {
    const collator = new Intl.Collator(locale);
    for (const a of ids) for (const b of ids) assert.equal(Math.sign(collator.compare(a, b)), a === b ? 0 : a < b ? -1 : 1, `${locale}: ${a} / ${b}`);
  }
});
