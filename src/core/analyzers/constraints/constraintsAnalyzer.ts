// Constraints: the inventory per table (primary key, foreign keys, unique, check, exclusion, NOT NULL
// columns), tables without a primary key, and every NOT VALID constraint dry-run validated on the data
// with a "Validate" migration (VALIDATE CONSTRAINT takes only SHARE UPDATE EXCLUSIVE).
import type { FindingAction } from '../../report/actions';
import type { Analyzer, SectionBody } from '../analyzer';
import { parseIntegritySettings } from '../../config';
import { formatCount } from '../../format';
import { worstStatus, type Cell, type Metric, type ReportFinding, type Unavailable } from '../../report/model';
import { boundedCheck } from '../integrity/boundedCheck';
import { keyLabel } from '../integrity/columnRules';
import { renderMigration, validateStep } from '../integrity/safeConstraintSql';
import { describeCount } from '../integrity/tableSample';
import { dryRunValidate, fetchConstraintInventory, type ConstraintRow } from './constraintInventory';

export const constraintsAnalyzer: Analyzer = {
  id: 'constraints',
  title: 'Constraints',
  description:
    'Per table: primary key, foreign keys, unique, check, exclusion and NOT NULL constraints; tables without a primary key; NOT VALID constraints dry-run validated on the data (read-only, sampled on large tables) with a VALIDATE CONSTRAINT migration.',
  async run(ctx): Promise<SectionBody> {
    // Sampling and timeouts are shared with the integrity checks (pgopt.json "integrity").
    const { settings } = parseIntegritySettings(ctx.config.integrity);
    const sample = { sampleRows: settings.sampleRows, method: settings.sampleMethod };
    ctx.progress?.('constraints: inventory');
    const inv = await ctx.readOnly((q) => fetchConstraintInventory(q, settings.schemas));
    const findings: ReportFinding[] = [];
    const unavailable: Unavailable[] = [];
    const byTable = new Map<string, ConstraintRow[]>();
    const tkey = (schema: string, table: string): string => JSON.stringify([schema, table]);
    for (const c of inv.constraints) byTable.set(tkey(c.schema, c.table), [...(byTable.get(tkey(c.schema, c.table)) ?? []), c]);

    for (const t of inv.tables) {
      if (t.key.length) continue;
      findings.push({
        id: 'constraints.no-primary-key',
        severity: 'info',
        title: `${t.schema}.${t.table} has no primary key`,
        detail: `About ${formatCount(t.estimatedRows)} rows with nothing that identifies a row: duplicate rows cannot be prevented or told apart, logical replication cannot replicate its UPDATEs and DELETEs, and many tools (ORMs, admin UIs) cannot edit it.`,
        action: 'Add a primary key: an identity column, or an existing unique NOT NULL column through CREATE UNIQUE INDEX CONCURRENTLY + ADD PRIMARY KEY USING INDEX.',
        object: { kind: 'table', schema: t.schema, name: t.table },
      });
    }

    let notValid = 0;
    for (const c of inv.constraints) {
      if (c.validated || (c.kind !== 'check' && c.kind !== 'foreign key')) continue;
      notValid++;
      const t = inv.tables.find((x) => x.schema === c.schema && x.table === c.table);
      if (!t) continue;
      ctx.progress?.(`constraints: dry-run validation of ${c.name}`);
      const sql = renderMigration([validateStep(c.schema, c.table, c.name)]);
      const object = { kind: 'constraint' as const, schema: c.schema, table: c.table, name: c.name };
      const actions: FindingAction[] = [{ kind: 'validateConstraint', schema: c.schema, table: c.table, name: c.name }];
      const r = await boundedCheck(ctx, settings.statementTimeoutMs, (q) => dryRunValidate(q, t, c, sample));
      if (!r.ok) {
        findings.push({
          id: 'constraints.not-valid',
          severity: 'warning',
          title: `NOT VALID ${c.kind} ${c.name} on ${c.schema}.${c.table} (dry run ${r.cutShort ? 'cut short' : 'failed'})`,
          detail: `${c.definition}. Existing rows were never checked, and the dry-run count could not finish: ${r.message}.`,
          action: 'Validate it in a migration; VALIDATE CONSTRAINT takes only SHARE UPDATE EXCLUSIVE (reads and writes continue).',
          sql,
          actions,
          object,
        });
        if (r.cutShort) unavailable.push({ what: `Dry-run validation of ${c.name}`, because: r.message, toEnable: 'raise integrity.statementTimeoutMs or lower integrity.sampleRows' });
        continue;
      }
      const d = r.value;
      const what = c.kind === 'foreign key' ? `Missing ${c.refTable} keys` : `Sample keys (${keyLabel(t.key)})`;
      findings.push({
        id: 'constraints.not-valid',
        severity: d.violations > 0 ? 'warning' : 'info',
        title:
          d.violations > 0
            ? `NOT VALID ${c.kind} ${c.name} on ${c.schema}.${c.table}: ${describeCount(d.violations, d.plan)} would fail VALIDATE`
            : `NOT VALID ${c.kind} ${c.name} on ${c.schema}.${c.table}: every row passes, validate it`,
        detail: `${c.definition}. Dry run (read-only, ${d.scope}): ${describeCount(d.violations, d.plan)} violate it.${d.sampleKeys.length ? ` ${what}: ${d.sampleKeys.join('; ')}.` : ''} Until it is validated the planner cannot rely on it and existing rows are unchecked.`,
        action:
          d.violations > 0
            ? 'Fix or remove the violating rows first (VALIDATE fails on the first one), then validate it in a migration.'
            : 'Validate it in a migration: VALIDATE CONSTRAINT takes only SHARE UPDATE EXCLUSIVE, so reads and writes continue.',
        sql: d.violations > 0 ? `-- ${formatCount(d.violations)} row(s) violate it now: fix them first.\n${sql}` : sql,
        actions,
        object,
      });
    }

    const count = (kind: string): number => inv.constraints.filter((c) => c.kind === kind).length;
    const metrics: Metric[] = [
      { id: 'constraint-tables', label: 'Tables', value: inv.tables.length, display: String(inv.tables.length) },
      { id: 'constraint-count', label: 'Constraints', value: inv.constraints.length, display: String(inv.constraints.length) },
      { id: 'constraint-foreign-keys', label: 'Foreign keys', value: count('foreign key'), display: String(count('foreign key')) },
      { id: 'constraint-not-valid', label: 'NOT VALID constraints', value: notValid, display: String(notValid), status: notValid ? 'warning' : 'ok' },
      {
        id: 'constraint-no-pk',
        label: 'Tables without a primary key',
        value: inv.tables.filter((t) => !t.key.length).length,
        display: String(inv.tables.filter((t) => !t.key.length).length),
      },
    ];
    const names = (list: ConstraintRow[], kind: string): string => list.filter((c) => c.kind === kind).map((c) => c.name).join(', ');
    const perTable: Record<string, Cell>[] = inv.tables.map((t) => {
      const list = byTable.get(tkey(t.schema, t.table)) ?? [];
      return {
        table: `${t.schema}.${t.table}`,
        primaryKey: t.key.length ? `(${t.key.join(', ')})` : '—',
        foreignKeys: names(list, 'foreign key'),
        unique: names(list, 'unique'),
        checks: names(list, 'check'),
        exclusion: names(list, 'exclusion'),
        notNull: t.notNull.join(', '),
        notValid: list.filter((c) => !c.validated).map((c) => c.name).join(', '),
      };
    });
    return {
      status: worstStatus(findings.map((f) => f.severity)),
      summary: `${inv.constraints.length} constraints on ${inv.tables.length} tables; ${notValid} NOT VALID, ${inv.tables.filter((t) => !t.key.length).length} table(s) without a primary key.`,
      metrics,
      findings,
      tables: [
        {
          id: 'constraints-per-table',
          title: 'Constraints per table',
          columns: [
            { key: 'table', label: 'Table' },
            { key: 'primaryKey', label: 'Primary key' },
            { key: 'foreignKeys', label: 'Foreign keys' },
            { key: 'unique', label: 'Unique' },
            { key: 'checks', label: 'Check' },
            { key: 'exclusion', label: 'Exclusion' },
            { key: 'notNull', label: 'NOT NULL columns' },
            { key: 'notValid', label: 'NOT VALID' },
          ],
          rows: perTable,
          emptyText: 'No user tables.',
        },
        {
          id: 'constraints-all',
          title: 'All constraints',
          columns: [
            { key: 'table', label: 'Table' },
            { key: 'name', label: 'Constraint' },
            { key: 'kind', label: 'Kind' },
            { key: 'definition', label: 'Definition' },
            { key: 'valid', label: 'Validated' },
          ],
          rows: inv.constraints.map((c) => ({ table: `${c.schema}.${c.table}`, name: c.name, kind: c.kind, definition: c.definition, valid: c.validated })),
          emptyText: 'No constraints.',
        },
      ],
      unavailable,
    };
  },
};
