// The language-model tools' names and confirmation wording, free of vscode and of the heavy core so the
// activation bundle can register them (and a unit test can check them against src/core/agentTools.ts and
// package.json contributes.languageModelTools).

/** Tool name in package.json contributes.languageModelTools = `pgopt_` + the core tool's name. */
export const LM_TOOL_PREFIX = 'pgopt_';

/** The core tools (src/core/agentTools.ts AGENT_TOOLS), by name, and whether they query the database. */
export const LM_TOOLS: readonly { name: string; usesDatabase: boolean; what: string }[] = [
  { name: 'health', usesDatabase: true, what: 'check the health of' },
  { name: 'slow_queries', usesDatabase: true, what: 'list the slowest statements of' },
  { name: 'index_advice', usesDatabase: true, what: 'plan hypothetical indexes (HypoPG) on' },
  { name: 'explain', usesDatabase: true, what: 'EXPLAIN (estimated plan, not executed) a statement on' },
  { name: 'lint_migration', usesDatabase: false, what: 'lint migration SQL' },
  { name: 'analyze_table', usesDatabase: true, what: 'read the catalog and statistics of a table on' },
];
