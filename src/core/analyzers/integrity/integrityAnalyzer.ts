// Data integrity: what the schema should enforce, proven on the data. Column rules from pgopt.json
// ("integrity.rules") and schema-wide checks (NOT NULL / UNIQUE / foreign-key candidates, orphaned rows,
// duplicates on intended keys, FK type mismatches). Every check runs server-side in its own read-only,
// time-bounded unit; large tables are sampled and the finding says so. Each finding carries a migration
// that adds the constraint safely on a live table.
import type { FindingAction } from '../../report/actions';
import { qualifiedName, quoteIdent } from '../../sql/quote';
import type { Analyzer, AnalyzerContext, SectionBody } from '../analyzer';
import { pauseStatementTracking } from '../../db/statementTracking';
import { parseIntegritySettings, type IntegrityRule, type IntegritySettings } from '../../config';
import { formatCount } from '../../format';
import { worstStatus, type Cell, type Metric, type ReportFinding, type Severity, type Unavailable } from '../../report/model';
import { loadParser } from '../../sql/parser';
import { boundedCheck } from './boundedCheck';
import {
  buildRuleCheck,
  checkWhereClause,
  describeRule,
  keyLabel,
  resolveRuleColumn,
  RuleConfigError,
  ruleBatchKey,
  runRuleBatch,
  sampleKeysText,
  type RuleItem,
  type RuleResult,
} from './columnRules';
import {
  countDuplicates,
  countNulls,
  fetchColumnFacts,
  fetchFkTypeMismatches,
  foreignKeyCandidates,
  groupByTable,
  notNullCandidates,
  uniqueCandidates,
  type TableFacts,
} from './inferredChecks';
import { inferRules, profileTable, profiledColumns, type InferredRule } from './inferredRules';
import { countOrphans } from './orphans';
import { generatedName } from '../../sql/generatedName';
import { findEquivalentCheck, type ExistingCheck } from './equivalentCheck';
import { checkConstraintMigration, foreignKeyMigration, identifierName, notNullMigration, renderMigration, uniqueMigration, validateStep } from './safeConstraintSql';
import { describeCount } from './tableSample';

interface CheckRow extends Record<string, Cell> {
  check: string;
  object: string;
  result: string;
  scope: string;
  ms: number;
}

const colRef = (schema: string, table: string, column: string): ReportFinding['object'] => ({ kind: 'column', schema, table, name: column });

export const integrityAnalyzer: Analyzer = {
  id: 'integrity',
  title: 'Data integrity',
  description:
    'Column rules from pgopt.json (formats, ranges, allowed values, regexes) and schema-wide checks (NOT NULL / UNIQUE / foreign-key candidates, orphaned rows, duplicate keys, FK type mismatches), verified on the data with bounded, sampled SQL; each finding offers a safe "add constraint" migration.',
  async run(outer): Promise<SectionBody> {
    // Its scans of the user's tables are pgopt's work, not the workload: out of pg_stat_statements where the
    // role may turn it off (db/statementTracking.ts), marked /* pgopt */ either way.
    const ctx: AnalyzerContext = {
      ...outer,
      readOnly: (fn) =>
        outer.readOnly(async (q) => {
          await pauseStatementTracking(q, outer.caps.serverVersionNum);
          return fn(q);
        }),
    };
    const { settings, problems, ruleIndexes } = parseIntegritySettings(ctx.config.integrity, 'pgopt.json integrity');
    const findings: ReportFinding[] = problems.map((p) => ({
      id: 'integrity.config-error',
      severity: 'error',
      title: `Invalid integrity setting ${p.path}`,
      detail: `${p.path}: ${p.message}. This entry is skipped; the other rules still run.`,
      action: 'Fix it in pgopt.json.',
    }));
    const unavailable: Unavailable[] = [];
    const checks: CheckRow[] = [];
    const ruleRows: Record<string, Cell>[] = [];
    const cut: string[] = [];

    if (settings.rules.some((r) => r.where)) await loadParser();
    const covered = await checkRules(ctx, settings, ruleIndexes, findings, cut, ruleRows);

    const inferredRows: Record<string, Cell>[] = [];
    if (settings.inferred || settings.inferRules) {
      const tables = await readTables(ctx, settings, unavailable);
      if (tables && settings.inferRules) await inferredRuleChecks(ctx, settings, tables, covered, findings, inferredRows, cut);
      if (tables && settings.inferred) await inferredChecks(ctx, settings, tables, findings, checks, cut, unavailable);
    }

    for (const what of cut) {
      unavailable.push({
        what,
        because: 'the check was cut short by its statement_timeout',
        toEnable: 'raise integrity.statementTimeoutMs (or analysis.statementTimeoutMs), or lower integrity.sampleRows so large tables are sampled more thinly',
      });
    }
    const violations = findings.filter((f) => f.id === 'integrity.rule-violation').length;
    const inferredViolations = findings.filter((f) => f.id === 'integrity.inferred-rule-violation').length;
    const candidates = findings.filter((f) => /candidate|rule-holds/.test(f.id)).length;
    const configErrors = findings.filter((f) => f.id === 'integrity.config-error').length;
    const metrics: Metric[] = [
      { id: 'integrity-rules', label: 'Column rules checked', value: settings.rules.length, display: String(settings.rules.length) },
      { id: 'integrity-rule-violations', label: 'Rules with violating rows', value: violations, display: String(violations), status: violations ? 'warning' : 'ok' },
      { id: 'integrity-inferred-rules', label: 'Column rules inferred (no pgopt.json)', value: inferredRows.length, display: String(inferredRows.length) },
      { id: 'integrity-inferred-violations', label: 'Inferred rules with violating rows', value: inferredViolations, display: String(inferredViolations), status: inferredViolations ? 'warning' : 'ok' },
      {
        id: 'integrity-orphans',
        label: 'Columns with orphaned rows',
        value: findings.filter((f) => f.id === 'integrity.orphaned-rows').length,
        display: String(findings.filter((f) => f.id === 'integrity.orphaned-rows').length),
      },
      { id: 'integrity-candidates', label: 'Constraints the data already satisfies', value: candidates, display: String(candidates) },
      { id: 'integrity-config-errors', label: 'Configuration errors', value: configErrors, display: String(configErrors), status: configErrors ? 'error' : 'ok' },
      { id: 'integrity-cut-short', label: 'Checks cut short', value: cut.length, display: String(cut.length), status: cut.length ? 'warning' : 'ok' },
    ];
    const problemsCount = findings.filter((f) => f.severity !== 'info').length;
    return {
      status: worstStatus(findings.map((f) => f.severity)),
      summary: `${settings.rules.length} column rule${settings.rules.length === 1 ? '' : 's'} checked, ${problemsCount} integrity problem${problemsCount === 1 ? '' : 's'}, ${candidates} constraint${candidates === 1 ? '' : 's'} the data already satisfies${cut.length ? `, ${cut.length} check${cut.length === 1 ? '' : 's'} cut short` : ''}.`,
      metrics,
      findings,
      tables: [
        {
          id: 'integrity-rules',
          title: 'Column rules (pgopt.json)',
          columns: [
            { key: 'rule', label: '#', numeric: true },
            { key: 'column', label: 'Column' },
            { key: 'check', label: 'Rule' },
            { key: 'checked', label: 'Rows checked', numeric: true },
            { key: 'violations', label: 'Violations', numeric: true },
            { key: 'scope', label: 'Scope' },
            { key: 'ms', label: 'ms', numeric: true },
          ],
          rows: ruleRows,
          emptyText: 'No column rules: add them to pgopt.json under "integrity": { "rules": [...] } (see docs/integrity.md).',
        },
        {
          id: 'integrity-inferred',
          title: 'Inferred column rules (from names, types and sampled values)',
          columns: [
            { key: 'column', label: 'Column' },
            { key: 'check', label: 'Rule' },
            { key: 'confidence', label: 'Confidence' },
            { key: 'evidence', label: 'Evidence' },
            { key: 'checked', label: 'Rows checked', numeric: true },
            { key: 'violations', label: 'Violations', numeric: true },
            { key: 'scope', label: 'Scope' },
            { key: 'ms', label: 'ms', numeric: true },
          ],
          rows: inferredRows,
          emptyText: settings.inferRules
            ? 'No column looks like a format, range or vocabulary in enough of its sampled values (or pgopt.json already has a rule for it).'
            : 'Disabled (integrity.inferRules = false).',
        },
        {
          id: 'integrity-checks',
          title: 'Schema-wide checks',
          columns: [
            { key: 'check', label: 'Check' },
            { key: 'object', label: 'Column' },
            { key: 'result', label: 'Result' },
            { key: 'scope', label: 'Scope' },
            { key: 'ms', label: 'ms', numeric: true },
          ],
          rows: checks,
          emptyText: settings.inferred ? 'No column is a candidate for NOT NULL, UNIQUE or a foreign key.' : 'Disabled (integrity.inferred = false).',
        },
      ],
      unavailable,
    };
  },
};

interface PendingRule {
  index: number;
  label: string;
  row: Record<string, Cell>;
  item: RuleItem;
}

/**
 * Resolves every rule (a missing table or column, a type that does not fit, a bad `where` are config
 * errors naming the rule), then checks the rules of each table in one scan; when a shared scan fails or is
 * cut short, its rules are retried one by one so one bad rule does not hide the others.
 */
async function checkRules(
  ctx: AnalyzerContext,
  settings: IntegritySettings,
  ruleIndexes: number[],
  findings: ReportFinding[],
  cut: string[],
  ruleRows: Record<string, Cell>[],
): Promise<Set<string>> {
  const sample = { sampleRows: settings.sampleRows, method: settings.sampleMethod };
  const pending: PendingRule[] = [];
  const configError = (index: number, label: string, rule: IntegrityRule, row: Record<string, Cell>, message: string): void => {
    findings.push({
      id: 'integrity.config-error',
      severity: 'error',
      title: `Integrity rule #${index} (${label}): ${message}`,
      detail: `pgopt.json integrity.rules[${index}] ${JSON.stringify(rule)}: ${message}. This rule is skipped; the other rules still run.`,
      action: 'Fix the rule in pgopt.json.',
    });
    row.scope = `config error: ${message}`;
  };
  const cutShort = (p: { index: number; label: string; row: Record<string, Cell> }, message: string, ms: number): void => {
    cut.push(`Integrity rule #${p.index} (${p.label})`);
    p.row.scope = message;
    findings.push({
      id: 'integrity.check-cut-short',
      severity: 'info',
      title: `Integrity rule #${p.index} (${p.label}) was cut short`,
      detail: `${message} after ${ms} ms; no count is reported for it.`,
      action: "Raise integrity.statementTimeoutMs, or lower integrity.sampleRows / the rule's sampleRows so the table is sampled.",
    });
  };

  for (const [i, rule] of settings.rules.entries()) {
    const index = ruleIndexes[i] ?? i;
    const label = `${rule.schema ? `${rule.schema}.` : ''}${rule.table}.${rule.column}`;
    const row: Record<string, Cell> = { rule: index, column: label, check: `${describeRule(rule)}${rule.where ? ` where ${rule.where}` : ''}`, checked: null, violations: null, scope: '', ms: 0 };
    ruleRows.push(row);
    if (rule.where) {
      const bad = checkWhereClause(rule.where);
      if (bad) {
        configError(index, label, rule, row, bad);
        continue;
      }
    }
    const outcome = await boundedCheck(ctx, settings.statementTimeoutMs, async (q) => {
      const resolved = await resolveRuleColumn(q, rule);
      if (!resolved) return { error: `table ${rule.schema ? `"${rule.schema}".` : ''}"${rule.table}" does not exist${rule.schema ? '' : ' (looked up through the search_path)'}` } as const;
      if (!['r', 'p', 'm'].includes(resolved.relkind)) return { error: `"${rule.table}" is not a table` } as const;
      const column = resolved.column;
      if (column === null || resolved.typeCategory === null) return { error: `column "${rule.column}" does not exist in table ${resolved.schema}.${resolved.table}` } as const;
      try {
        const check = buildRuleCheck(rule, { schema: resolved.schema, typeCategory: resolved.typeCategory }, rule.where ? String(index) : '');
        return { item: { rule, resolved: { ...resolved, column }, check } } as const;
      } catch (e) {
        if (e instanceof RuleConfigError) return { error: `${e.message} (${column} is ${resolved.type})` } as const;
        throw e;
      }
    });
    if (!outcome.ok) {
      if (outcome.cutShort) cutShort({ index, label, row }, outcome.message, outcome.ms);
      else configError(index, label, rule, row, `the check failed: ${outcome.message}`);
    } else if ('error' in outcome.value) configError(index, label, rule, row, outcome.value.error ?? 'unknown problem');
    else pending.push({ index, label, row, item: outcome.value.item });
  }

  const groups = new Map<string, PendingRule[]>();
  for (const p of pending) {
    const k = ruleBatchKey(p.item, settings.sampleRows);
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  const runGroup = async (group: PendingRule[], retryAlone: boolean): Promise<void> => {
    const first = group[0]!.item.resolved;
    ctx.progress?.(`integrity: ${group.length} rule${group.length === 1 ? '' : 's'} on ${first.schema}.${first.table}`);
    const outcome = await boundedCheck(ctx, settings.statementTimeoutMs, (q) => runRuleBatch(q, group.map((p) => p.item), sample));
    if (!outcome.ok) {
      if (retryAlone && group.length > 1) {
        for (const p of group) await runGroup([p], false);
        return;
      }
      for (const p of group) {
        p.row.ms = outcome.ms;
        if (outcome.cutShort) cutShort(p, outcome.message, outcome.ms);
        else configError(p.index, p.label, p.item.rule, p.row, `the check failed: ${outcome.message}`);
      }
      return;
    }
    for (const [i, p] of group.entries()) {
      p.row.ms = outcome.ms;
      reportRule(p, outcome.value[i]!, group.length, findings, equivalents.get(p));
    }
  };
  const equivalents = await findEquivalents(ctx, settings.statementTimeoutMs, pending);
  for (const group of groups.values()) await runGroup(group, true);
  return new Set(pending.map((p) => columnKey(p.item.resolved.schema, p.item.resolved.table, p.item.resolved.column)));
}

const columnKey = (schema: string, table: string, column: string): string => JSON.stringify([schema, table, column]);

/** Existing CHECK constraints equivalent to a rule's (server-normalized, equivalentCheck.ts). */
async function findEquivalents(ctx: AnalyzerContext, timeoutMs: number | undefined, pending: readonly PendingRule[]): Promise<Map<PendingRule, ExistingCheck>> {
  const out = new Map<PendingRule, ExistingCheck>();
  for (const p of pending) {
    if (!p.item.check.stable) continue;
    const { schema, table } = p.item.resolved;
    const r = await boundedCheck(ctx, timeoutMs, (q) => findEquivalentCheck(q, schema, table, p.item.check.constraintExpr));
    if (r.ok && r.value) out.set(p, r.value);
  }
  return out;
}

/** How a finding names its rule: a configured one by its index, an inferred one by its evidence. */
interface RuleVoice {
  /** "rule #3" or "the inferred rule". */
  ref: string;
  /** Title prefix ("Inferred: "), the finding id of a violation, whether a rule that holds is a finding. */
  titlePrefix: string;
  violationId: string;
  reportHolds: boolean;
  /** Said first in the detail (the evidence of an inferred rule). */
  preface: string;
  severity?: Severity;
  /** Offered with the finding: "Add as Rule" writes it to pgopt.json. */
  rule?: IntegrityRule;
  action?: string;
}

function reportRule(p: PendingRule, result: RuleResult, sharedWith: number, findings: ReportFinding[], existing?: ExistingCheck, voice?: RuleVoice): void {
  const { rule, resolved, check } = p.item;
  const index = p.index;
  const v: RuleVoice = voice ?? { ref: `rule #${index}`, titlePrefix: '', violationId: 'integrity.rule-violation', reportHolds: true, preface: '' };
  const ruleSeverity = v.severity ?? rule.severity;
  const extra = { ...(v.rule ? { rule: v.rule } : {}) };
  const actionWith = (text: string): string => (v.action ? `${v.action} ${text}` : text);
  p.row.checked = result.inScope;
  p.row.violations = result.violations;
  p.row.scope = `${result.scope}${sharedWith > 1 ? ` (one scan for ${sharedWith} rules)` : ''}`;
  const where = rule.where ? ` where ${rule.where}` : '';
  if (!check.stable) {
    // Depends on the current time: report the rows, never propose a CHECK (see RuleCheck.stable).
    p.row.check = `${String(p.row.check)} (time-dependent: no CHECK proposed)`;
    if (result.violations > 0) {
      findings.push({
        id: v.violationId,
        severity: ruleSeverity ?? 'warning',
        title: `${v.titlePrefix}${resolved.schema}.${resolved.table}.${resolved.column}: ${describeCount(result.violations, result.plan)} violate ${describeRule(rule)}${where}`,
        detail: `${v.preface}${describeCount(result.violations, result.plan)} of ${formatCount(result.inScope)} checked rows${where} break ${v.ref} (${result.scope}; NULLs are not counted).${sampleKeysText(result.sampleKeys, resolved.key)} The rule depends on the current time, so no CHECK constraint is proposed: a CHECK must give the same answer whenever it is evaluated (Postgres checks it only when a row is written; a dump, restore or VALIDATE later would judge the same row differently).`,
        action: actionWith('Fix or remove the violating rows; enforce the rule where the value is written (the application, or a BEFORE INSERT OR UPDATE trigger comparing with now()).'),
        object: colRef(resolved.schema, resolved.table, resolved.column),
        ...extra,
      });
    }
    return;
  }
  if (existing) {
    p.row.check = `${String(p.row.check)} (constraint ${existing.name}${existing.validated ? '' : ', NOT VALID'})`;
    // Already enforced: nothing to propose.
    if (existing.validated && result.violations === 0) return;
    if (!v.reportHolds && result.violations === 0) return;
    const object = { kind: 'constraint' as const, schema: resolved.schema, table: resolved.table, name: existing.name };
    const validate = renderMigration([validateStep(resolved.schema, resolved.table, existing.name)]);
    findings.push({
      id: result.violations > 0 ? v.violationId : 'integrity.rule-holds',
      severity: result.violations > 0 ? (ruleSeverity ?? 'warning') : 'info',
      title:
        result.violations > 0
          ? `${v.titlePrefix}${resolved.schema}.${resolved.table}.${resolved.column}: ${describeCount(result.violations, result.plan)} violate ${describeRule(rule)}${where} (constraint ${existing.name})`
          : `${v.titlePrefix}${resolved.schema}.${resolved.table}.${resolved.column} satisfies ${describeRule(rule)}${where}: validate ${existing.name}`,
      detail: `${v.preface}${v.ref.charAt(0).toUpperCase()}${v.ref.slice(1)} is the condition of the existing ${existing.validated ? '' : 'NOT VALID '}constraint ${existing.name} (${existing.definition}); ${describeCount(result.violations, result.plan)} of ${formatCount(result.inScope)} checked rows violate it (${result.scope}).${sampleKeysText(result.sampleKeys, resolved.key)} No second CHECK is proposed.`,
      action: actionWith(result.violations > 0 ? `Fix or remove the violating rows, then validate ${existing.name}.` : `Validate ${existing.name}: VALIDATE CONSTRAINT takes only SHARE UPDATE EXCLUSIVE.`),
      ...(existing.validated
        ? {}
        : {
            sql: result.violations > 0 ? `-- ${result.violations} row(s) violate it now: VALIDATE fails until they are fixed.\n${validate}` : validate,
            actions: [{ kind: 'validateConstraint', schema: resolved.schema, table: resolved.table, name: existing.name }],
          }),
      object,
      ...extra,
    });
    return;
  }
  const steps = checkConstraintMigration(resolved.schema, resolved.table, check.constraintName, check.constraintExpr);
  const addCheck: FindingAction[] = [{ kind: 'addConstraint', schema: resolved.schema, table: resolved.table, name: check.constraintName, definition: `CHECK (${check.constraintExpr})` }];
  if (result.violations > 0) {
    const severity: Severity = ruleSeverity ?? 'warning';
    findings.push({
      id: v.violationId,
      severity,
      title: `${v.titlePrefix}${resolved.schema}.${resolved.table}.${resolved.column}: ${describeCount(result.violations, result.plan)} violate ${describeRule(rule)}${where}`,
      detail: `${v.preface}${describeCount(result.violations, result.plan)} of ${formatCount(result.inScope)} checked rows${where} break ${v.ref} (${result.scope}; NULLs are not counted).${sampleKeysText(result.sampleKeys, resolved.key)}`,
      action: actionWith('Fix or remove the violating rows, then add the CHECK constraint: NOT VALID first, VALIDATE in a separate migration.'),
      sql: renderMigration(steps, `-- ${result.violations} row(s) violate this rule now: VALIDATE fails until they are fixed.`),
      actions: addCheck,
      object: colRef(resolved.schema, resolved.table, resolved.column),
      ...extra,
    });
  } else if (v.reportHolds) {
    findings.push({
      id: 'integrity.rule-holds',
      severity: 'info',
      title: `${resolved.schema}.${resolved.table}.${resolved.column} satisfies ${describeRule(rule)}${where}: enforce it with a CHECK`,
      detail: `No violating row among ${formatCount(result.inScope)} checked rows (${result.scope})${result.plan.sampled ? '; a sample cannot prove there is none, VALIDATE CONSTRAINT will check every row' : ''}. Nothing stops a future write from breaking rule #${index}.`,
      action: 'Add the CHECK constraint: NOT VALID first, VALIDATE in a separate migration.',
      sql: renderMigration(steps),
      actions: addCheck,
      object: colRef(resolved.schema, resolved.table, resolved.column),
    });
  }
}

/** The catalog facts both the schema-wide checks and the inferred rules start from (undefined: unreadable, said in unavailable). */
async function readTables(ctx: AnalyzerContext, settings: IntegritySettings, unavailable: Unavailable[]): Promise<TableFacts[] | undefined> {
  ctx.progress?.('integrity: catalog');
  const facts = await boundedCheck(ctx, settings.statementTimeoutMs, (q) => fetchColumnFacts(q, settings.schemas));
  if (!facts.ok) {
    unavailable.push({ what: 'Schema-wide integrity checks and inferred column rules', because: `reading the catalog failed: ${facts.message}`, toEnable: 'a role that may read pg_catalog and the tables checked (the error names what failed)' });
    return undefined;
  }
  return groupByTable(facts.value);
}

/**
 * Column rules inferred from names, types and a bounded sample of values (inferredRules.ts), for the
 * columns pgopt.json has no rule for; then checked like configured rules (one scan per table) and
 * reported as inferred, with their confidence, the rule to add to pgopt.json and the CHECK when one is
 * stable. A rule the checked rows break in more than 1 - inferMinShare of their values is dropped: the
 * column does not look like it.
 */
async function inferredRuleChecks(
  ctx: AnalyzerContext,
  settings: IntegritySettings,
  tables: TableFacts[],
  covered: Set<string>,
  findings: ReportFinding[],
  rows: Record<string, Cell>[],
  cut: string[],
): Promise<void> {
  const sample = { sampleRows: settings.sampleRows, method: settings.sampleMethod };
  const minShare = settings.inferMinShare;
  for (const t of tables) {
    if (!(t.estimatedRows > 0) || !profiledColumns(t).length) continue;
    ctx.progress?.(`integrity: inferring column rules of ${t.schema}.${t.table}`);
    const profiled = await boundedCheck(ctx, settings.statementTimeoutMs, (q) => profileTable(q, t, settings.sampleMethod));
    if (!profiled.ok) {
      if (profiled.cutShort) cut.push(`Inferring column rules of ${t.schema}.${t.table}`);
      rows.push({ column: `${t.schema}.${t.table}`, check: 'profile of sampled values', confidence: null, evidence: profiled.cutShort ? profiled.message : `failed: ${profiled.message}`, checked: null, violations: null, scope: '', ms: profiled.ms });
      continue;
    }
    const inferred = inferRules(t, profiled.value, minShare).filter((r) => !covered.has(columnKey(t.schema, t.table, r.rule.column)));
    if (!inferred.length) continue;
    const items: Array<{ p: PendingRule; r: InferredRule }> = [];
    for (const r of inferred) {
      const c = t.columns.find((x) => x.column === r.rule.column)!;
      const resolved = { schema: t.schema, table: t.table, relkind: 'r', estimatedRows: t.estimatedRows, pages: t.pages, column: c.column, type: c.type, typeCategory: c.typeCategory, key: t.key };
      const label = `${t.schema}.${t.table}.${c.column}`;
      const row: Record<string, Cell> = { column: label, check: `${describeRule(r.rule)}${r.rule.where ? ` where ${r.rule.where}` : ''}`, confidence: r.confidence, evidence: r.evidence, checked: null, violations: null, scope: '', ms: 0 };
      try {
        const check = buildRuleCheck(r.rule, { schema: t.schema, typeCategory: c.typeCategory }, r.rule.where ? groupSuffix(r.rule.where) : '');
        items.push({ p: { index: -1, label, row, item: { rule: r.rule, resolved, check } }, r });
      } catch {
        // A rule that does not fit the column's type is not inferred.
      }
    }
    ctx.progress?.(`integrity: ${items.length} inferred rule${items.length === 1 ? '' : 's'} on ${t.schema}.${t.table}`);
    const outcome = await boundedCheck(ctx, settings.statementTimeoutMs, (q) => runRuleBatch(q, items.map((x) => x.p.item), sample));
    if (!outcome.ok) {
      if (outcome.cutShort) cut.push(`Inferred column rules on ${t.schema}.${t.table}`);
      for (const { p } of items) {
        p.row.scope = outcome.cutShort ? outcome.message : `failed: ${outcome.message}`;
        p.row.ms = outcome.ms;
        rows.push(p.row);
      }
      continue;
    }
    const equivalents = await findEquivalents(ctx, settings.statementTimeoutMs, items.map((x) => x.p));
    for (const [i, { p, r }] of items.entries()) {
      const result = outcome.value[i]!;
      p.row.ms = outcome.ms;
      // The checked rows must look like the rule too: otherwise the sample misled, and nothing is reported.
      if (result.nonNull > 0 && result.violations / result.nonNull > 1 - minShare) {
        p.row.checked = result.inScope;
        p.row.violations = result.violations;
        p.row.scope = `dropped: ${result.violations} of ${formatCount(result.nonNull)} non-null checked values break it (over ${Math.round((1 - minShare) * 1000) / 10} %; ${result.scope})`;
        rows.push(p.row);
        continue;
      }
      rows.push(p.row);
      reportRule(p, result, items.length, findings, equivalents.get(p), {
        ref: 'the inferred rule',
        titlePrefix: 'Inferred: ',
        violationId: 'integrity.inferred-rule-violation',
        reportHolds: false,
        preface: `Inferred, not a rule from pgopt.json (${r.kind}, confidence ${r.confidence}): ${r.evidence}, at least ${Math.round(minShare * 1000) / 10} % needed (integrity.inferMinShare). `,
        severity: r.confidence === 'high' ? 'warning' : 'info',
        rule: r.rule,
        action: 'If the rule is right, add it to pgopt.json ("Add as Rule" on the finding, or pgopt analyze --write-rules) so it is checked from now on.',
      });
    }
  }
}

/** A constraint-name part for a rule limited to one kind of row (`"data_type" = 'heart_rate'` -> heart_rate). */
function groupSuffix(where: string): string {
  const m = /'((?:[^']|'')*)'\s*$/.exec(where);
  return (m?.[1] ?? '').replace(/''/g, "'").replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').toLowerCase();
}

async function inferredChecks(
  ctx: AnalyzerContext,
  settings: IntegritySettings,
  tables: TableFacts[],
  findings: ReportFinding[],
  checks: CheckRow[],
  cut: string[],
  unavailable: Unavailable[],
): Promise<void> {
  const unanalyzed = tables.filter((t) => t.columns.every((c) => c.nullFrac === null) && t.estimatedRows > 0);
  if (unanalyzed.length) {
    unavailable.push({
      what: `NOT NULL and UNIQUE candidates on ${unanalyzed.length} table${unanalyzed.length === 1 ? '' : 's'} without statistics (${unanalyzed.slice(0, 5).map((t) => `${t.schema}.${t.table}`).join(', ')}${unanalyzed.length > 5 ? ', …' : ''})`,
      because: 'they start from pg_stats, which is empty until the table is analyzed',
      toEnable: 'ANALYZE those tables (autovacuum does it after enough writes)',
    });
  }
  const sample = { sampleRows: settings.sampleRows, method: settings.sampleMethod };
  const record = (check: string, t: TableFacts, column: string, ms: number, result: string, scope: string): void => {
    checks.push({ check, object: `${t.schema}.${t.table}.${column}`, result, scope, ms });
  };
  const cutShort = (check: string, t: TableFacts, column: string, ms: number, message: string): void => {
    cut.push(`${check} on ${t.schema}.${t.table}.${column}`);
    record(check, t, column, ms, message, '');
  };

  for (const t of tables) {
    const candidates = notNullCandidates(t);
    if (!candidates.length) continue;
    ctx.progress?.(`integrity: NOT NULL candidates in ${t.schema}.${t.table}`);
    const names = candidates.map((c) => c.column);
    const r = await boundedCheck(ctx, settings.statementTimeoutMs, (q) => countNulls(q, t, names, sample));
    if (!r.ok) {
      if (r.cutShort) cutShort('NOT NULL candidate', t, names.join(', '), r.ms, r.message);
      else record('NOT NULL candidate', t, names.join(', '), r.ms, `failed: ${r.message}`, '');
      continue;
    }
    for (const c of candidates) {
      const nulls = r.value.nulls.get(c.column) ?? 0;
      record('NOT NULL candidate', t, c.column, r.ms, nulls ? `${formatCount(nulls)} NULLs (statistics were stale)` : 'no NULL', r.value.scope);
      if (nulls) continue;
      findings.push({
        id: 'integrity.not-null-candidate',
        severity: 'info',
        title: `${t.schema}.${t.table}.${c.column} is nullable but holds no NULL: candidate NOT NULL`,
        detail: `No NULL among ${formatCount(r.value.scanned)} rows (${r.value.scope}; pg_stats null_frac = 0). If the application never writes NULL here, NOT NULL documents it and protects it.`,
        action: ctx.caps.serverVersionNum >= 120000 ? 'Add NOT NULL through a validated CHECK (no long ACCESS EXCLUSIVE scan).' : 'Before PostgreSQL 12 SET NOT NULL scans under ACCESS EXCLUSIVE: add a validated CHECK (col IS NOT NULL) instead.',
        sql: renderMigration(notNullMigration(t.schema, t.table, c.column, ctx.caps.serverVersionNum)),
        object: colRef(t.schema, t.table, c.column),
      });
    }
  }

  for (const t of tables) {
    for (const c of uniqueCandidates(t)) {
      ctx.progress?.(`integrity: duplicates in ${t.schema}.${t.table}.${c.column}`);
      const r = await boundedCheck(ctx, settings.statementTimeoutMs, (q) => countDuplicates(q, t, c, sample));
      if (!r.ok) {
        if (r.cutShort) cutShort('UNIQUE candidate', t, c.column, r.ms, r.message);
        else record('UNIQUE candidate', t, c.column, r.ms, `failed: ${r.message}`, '');
        continue;
      }
      const d = r.value;
      record('UNIQUE candidate', t, c.column, r.ms, d.groups ? `${formatCount(d.groups)} duplicated values` : 'no duplicate', d.scope);
      // Unique and ≤ 63 bytes, and never an existing relation's name (the index shares the namespace).
      const name = generatedName([t.table, c.column, 'key'], new Set(tables.filter((x) => x.schema === t.schema).map((x) => x.table)));
      if (d.groups > 0) {
        findings.push({
          id: 'integrity.duplicates-on-key',
          severity: 'warning',
          title: `${t.schema}.${t.table}.${c.column} looks like a key but ${formatCount(d.groups)} value${d.groups === 1 ? '' : 's'}${d.plan.sampled ? ' in the sample' : ''} occur more than once`,
          detail: `Almost every value is distinct (pg_stats), yet ${formatCount(d.groups)} value${d.groups === 1 ? '' : 's'} appear on ${formatCount(d.rows)} rows (${d.scope}).${d.sampleGroups.length ? ` Duplicate rows by ${keyLabel(t.key)}: ${d.sampleGroups.join('; ')}.` : ''} Without a UNIQUE constraint nothing prevents more.`,
          action: 'Merge or remove the duplicates, then add the UNIQUE constraint (concurrent unique index, then USING INDEX).',
          sql: renderMigration(uniqueMigration(t.schema, t.table, [c.column], name), `-- ${formatCount(d.groups)} duplicated value(s) now: the unique index build fails until they are resolved.`),
          object: colRef(t.schema, t.table, c.column),
        });
      } else {
        const ci = d.caseInsensitiveGroups ?? 0;
        findings.push({
          id: 'integrity.unique-candidate',
          severity: ci > 0 ? 'warning' : 'info',
          title: `${t.schema}.${t.table}.${c.column} is unique in the data but has no unique constraint${ci > 0 ? ` (${formatCount(ci)} values differ only by case)` : ''}`,
          detail: `No value occurs twice among ${formatCount(d.scanned)} rows (${d.scope}${d.plan.sampled ? '; a sample cannot prove uniqueness, the unique index build checks every row' : ''}).${ci > 0 ? ` ${formatCount(ci)} value${ci === 1 ? '' : 's'} collide once lower-cased: if the column is case-insensitive (emails, logins), the constraint belongs on lower(${c.column}) and those rows are duplicates.` : ''}`,
          action: 'If it is a key, add the UNIQUE constraint: a concurrent unique index, then ADD CONSTRAINT ... USING INDEX.',
          sql: renderMigration(uniqueMigration(t.schema, t.table, [c.column], name)),
          object: colRef(t.schema, t.table, c.column),
        });
      }
    }
  }

  for (const cand of foreignKeyCandidates(tables)) {
    const t = tables.find((x) => x.schema === cand.child.schema && x.table === cand.child.table)!;
    const c = cand.child;
    ctx.progress?.(`integrity: orphans in ${t.schema}.${t.table}.${c.column}`);
    const r = await boundedCheck(ctx, settings.statementTimeoutMs, (q) =>
      countOrphans(q, t, [c.column], { schema: cand.parent.schema, table: cand.parent.table }, ['id'], sample),
    );
    const check = `foreign key to ${cand.parent.schema}.${cand.parent.table}.id`;
    if (!r.ok) {
      if (r.cutShort) cutShort(check, t, c.column, r.ms, r.message);
      else record(check, t, c.column, r.ms, `failed: ${r.message}`, '');
      continue;
    }
    const o = r.value;
    record(check, t, c.column, r.ms, o.orphans ? `${formatCount(o.orphans)} orphaned rows` : 'no orphan', o.scope);
    const typeNote = c.type !== cand.parentColumn.type ? ` Note: ${c.column} is ${c.type} but ${cand.parent.table}.id is ${cand.parentColumn.type}.` : '';
    const fkName = identifierName(t.table, c.column, 'fkey');
    const steps = foreignKeyMigration(t.schema, t.table, fkName, [c.column], cand.parent.schema, cand.parent.table, ['id']);
    const addFk: FindingAction[] = [{ kind: 'addConstraint', schema: t.schema, table: t.table, name: fkName, definition: `FOREIGN KEY (${quoteIdent(c.column)}) REFERENCES ${qualifiedName(cand.parent.schema, cand.parent.table)} (${quoteIdent('id')})` }];
    if (o.orphans > 0) {
      findings.push({
        id: 'integrity.orphaned-rows',
        severity: 'warning',
        title: `${t.schema}.${t.table}.${c.column}: ${describeCount(o.orphans, o.plan)} point to no ${cand.parent.table} row (no foreign key)`,
        detail: `${c.column} has no foreign key; by its name it references ${cand.parent.schema}.${cand.parent.table}.id, and ${describeCount(o.orphans, o.plan)} of ${formatCount(o.referencing)} non-null values have no match (${o.scope}). Missing ${cand.parent.table}.id values: ${o.missingKeys.join(', ')}.${typeNote}`,
        action: `Delete or re-attach the orphaned rows, then add the foreign key (NOT VALID, then VALIDATE in a separate migration).`,
        sql: renderMigration(steps, `-- ${formatCount(o.orphans)} orphaned row(s) now: VALIDATE fails until they are deleted or re-attached.`),
        actions: addFk,
        object: colRef(t.schema, t.table, c.column),
      });
    } else {
      findings.push({
        id: 'integrity.fk-candidate',
        severity: 'info',
        title: `${t.schema}.${t.table}.${c.column} has no foreign key, but every value exists in ${cand.parent.schema}.${cand.parent.table}.id: candidate foreign key`,
        detail: `All ${formatCount(o.referencing)} non-null values match (${o.scope}${o.plan.sampled ? '; VALIDATE CONSTRAINT checks every row' : ''}). Without the constraint, deleting a ${cand.parent.table} row silently leaves orphans.${typeNote}`,
        action: 'Add the foreign key (NOT VALID, then VALIDATE in a separate migration), and an index on the column if deletes on the parent are frequent.',
        sql: renderMigration(steps),
        actions: addFk,
        object: colRef(t.schema, t.table, c.column),
      });
    }
  }

  const mismatches = await boundedCheck(ctx, settings.statementTimeoutMs, (q) => fetchFkTypeMismatches(q, settings.schemas));
  if (mismatches.ok) {
    for (const m of mismatches.value) {
      findings.push({
        id: 'integrity.fk-type-mismatch',
        severity: 'warning',
        title: `Foreign key ${m.constraint}: ${m.table}.${m.column} is ${m.type} but ${m.refTable}.${m.refColumn} is ${m.refType}`,
        detail: `The referencing and referenced columns of ${m.schema}.${m.table} (${m.constraint}) have different types: every check and join converts between them, and ${m.refTable} values outside the range of ${m.type} can never be referenced (an integer id overflow waiting to happen when ${m.refType} ids outgrow it).`,
        action: `Change ${m.table}.${m.column} to ${m.refType} in a planned migration (it rewrites the table), or migrate both to bigint together.`,
        object: { kind: 'constraint', schema: m.schema, table: m.table, name: m.constraint },
      });
    }
  } else {
    unavailable.push({ what: 'Foreign key type mismatches', because: mismatches.message, toEnable: 'a role that may read pg_catalog and the tables checked (the error names what failed)' });
  }
}
