// The agent tools are declared three times — the core (src/core/agentTools.ts, which the MCP server serves
// as is), the extension's registration list and package.json contributes.languageModelTools — and must agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AGENT_TOOLS, lintMigrationTool, parseToolInput } from '../../src/core/agentTools';
import { LM_TOOL_PREFIX, LM_TOOLS } from '../../src/extension/agents/lmToolNames';

const ROOT = join(__dirname, '..', '..', '..');

test('package.json languageModelTools match the core tools: names, descriptions, input schemas', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { languageModelTools: { name: string; modelDescription: string; inputSchema: unknown; toolReferenceName: string }[] } };
  const declared = pkg.contributes.languageModelTools;
  assert.deepEqual(declared.map((t) => t.name), AGENT_TOOLS.map((t) => `${LM_TOOL_PREFIX}${t.name}`));
  for (const t of AGENT_TOOLS) {
    const d = declared.find((x) => x.name === `${LM_TOOL_PREFIX}${t.name}`);
    assert.equal(d?.modelDescription, t.description, t.name);
    const { $schema: _, ...schema } = z.toJSONSchema(t.input, { target: 'draft-7' }) as Record<string, unknown>;
    assert.deepEqual(d?.inputSchema, schema, `${t.name}: package.json inputSchema is z.toJSONSchema of the core schema`);
  }
  assert.deepEqual(LM_TOOLS.map((t) => [t.name, t.usesDatabase]), AGENT_TOOLS.map((t) => [t.name, t.usesDatabase]));
});

test('lint_migration runs without a database; bad input is one sentence naming the argument', async () => {
  const noDb = { config: {}, session: () => Promise.reject(new Error('no database')) };
  const text = await lintMigrationTool.run(parseToolInput(lintMigrationTool, { sql: 'ALTER TABLE t ADD COLUMN c int NOT NULL;', pgVersion: 15 }), noDb);
  assert.match(text, /^3 finding\(s\): 3 warning\./);
  assert.match(text, /line 1, column 32: warning adding-required-field: Adding NOT NULL column c/);
  assert.throws(() => parseToolInput(lintMigrationTool, { sql: 1 }), /invalid arguments for lint_migration: sql: /);
  assert.throws(() => parseToolInput(lintMigrationTool, { sql: '', pgVersion: 8 }), /pgVersion/);
  assert.throws(() => parseToolInput(lintMigrationTool, undefined), /sql/);
  const bad = await lintMigrationTool.run({ sql: 'SELECT 1;' }, { config: { lint: { pgVersion: 'new' } }, session: noDb.session }).catch((e: Error) => e.message);
  assert.match(String(bad), /invalid pgopt\.json: .*pgVersion/);
});
