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
