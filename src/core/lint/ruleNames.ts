// Every rule's id and aliases, in registry order, without the rules themselves: configuration checks
// (lintConfig.ts) and `pgopt lint` argument handling need the names, not the 150 kB of rule code and docs, so a
// warm `pgopt lint --cache` run never loads the rules. test/unit/lint/ruleNames.test.ts keeps it equal to RULES.

/** Engine-level ids that are not rule files but can be configured and ignored like rules. */
export const ENGINE_RULE_IDS = ['syntax-error', 'unused-ignore', 'internal-error'] as const;

export interface RuleName {
  id: string;
  aliases?: readonly string[];
}

export const RULE_NAMES: readonly RuleName[] = [
  { id: 'require-concurrent-index-creation' },
  { id: 'require-concurrent-index-deletion' },
  { id: 'require-concurrent-reindex' },
  { id: 'require-concurrent-partition-detach' },
  { id: 'ban-concurrent-index-creation-in-transaction' },
  { id: 'ban-concurrent-index-creation-on-partitioned-table' },
  { id: 'constraint-missing-not-valid' },
  { id: 'adding-foreign-key-constraint' },
  { id: 'adding-not-nullable-field' },
  { id: 'adding-field-with-default' },
  { id: 'adding-required-field' },
  { id: 'adding-serial-primary-key-field' },
  { id: 'disallowed-unique-constraint' },
  { id: 'changing-column-type' },
  { id: 'prefer-repack' },
  { id: 'require-lock-timeout', aliases: ['require-timeout-settings'] },
  { id: 'require-statement-timeout', aliases: ['require-timeout-settings'] },
  { id: 'ban-alter-domain-with-add-constraint' },
  { id: 'ban-create-domain-with-constraint' },
  { id: 'exclusion-constraint' },
  { id: 'statements-after-access-exclusive' },
  { id: 'primary-key-using-index-sets-not-null' },
  { id: 'adding-stored-generated-column' },
  { id: 'ban-drop-column' },
  { id: 'ban-drop-table' },
  { id: 'ban-drop-database' },
  { id: 'ban-drop-not-null' },
  { id: 'ban-truncate-cascade' },
  { id: 'renaming-column' },
  { id: 'renaming-table' },
  { id: 'renaming-schema' },
  { id: 'require-enum-value-ordering' },
  { id: 'adding-enum-value-in-transaction' },
  { id: 'ban-char-field' },
  { id: 'prefer-robust-stmts' },
  { id: 'transaction-nesting' },
  { id: 'ban-uncommitted-transaction' },
  { id: 'ban-duplicate-column-assignments' },
  { id: 'identifier-too-long' },
  { id: 'require-table-schema' },
  { id: 'combine-alter-table' },
  { id: 'prefer-bigint-over-int' },
  { id: 'prefer-bigint-over-smallint' },
  { id: 'prefer-identity' },
  { id: 'prefer-text-field' },
  { id: 'prefer-timestamp-tz' },
  { id: 'prefer-jsonb-over-json' },
  { id: 'live-table-size' },
  { id: 'missing-fk-index' },
  { id: 'duplicate-index-in-migration' },
  { id: 'unknown-object' },
  { id: 'constraint-on-dirty-data', aliases: ['unique-on-dirty-data'] },
];
