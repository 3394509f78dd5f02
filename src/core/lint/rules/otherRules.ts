// Rules about breaking changes, robustness/hygiene and type preferences (lint-rules.md, later sections).
// One rule per file; listed here in docs order.
import type { Rule } from '../types';
import { addingEnumValueInTransaction } from './adding-enum-value-in-transaction';
import { banCharField } from './ban-char-field';
import { banDropColumn } from './ban-drop-column';
import { banDropDatabase } from './ban-drop-database';
import { banDropNotNull } from './ban-drop-not-null';
import { banDropTable } from './ban-drop-table';
import { banDuplicateColumnAssignments } from './ban-duplicate-column-assignments';
import { banTruncateCascade } from './ban-truncate-cascade';
import { banUncommittedTransaction } from './ban-uncommitted-transaction';
import { combineAlterTable } from './combine-alter-table';
import { identifierTooLong } from './identifier-too-long';
import { preferBigintOverInt } from './prefer-bigint-over-int';
import { preferBigintOverSmallint } from './prefer-bigint-over-smallint';
import { preferIdentity } from './prefer-identity';
import { preferJsonbOverJson } from './prefer-jsonb-over-json';
import { preferRobustStmts } from './prefer-robust-stmts';
import { preferTextField } from './prefer-text-field';
import { preferTimestampTz } from './prefer-timestamp-tz';
import { renamingColumn } from './renaming-column';
import { renamingSchema } from './renaming-schema';
import { renamingTable } from './renaming-table';
import { requireEnumValueOrdering } from './require-enum-value-ordering';
import { requireTableSchema } from './require-table-schema';
import { transactionNesting } from './transaction-nesting';

export const OTHER_RULES: Rule[] = [
  banDropColumn,
  banDropTable,
  banDropDatabase,
  banDropNotNull,
  banTruncateCascade,
  renamingColumn,
  renamingTable,
  renamingSchema,
  requireEnumValueOrdering,
  addingEnumValueInTransaction,
  banCharField,
  preferRobustStmts,
  transactionNesting,
  banUncommittedTransaction,
  banDuplicateColumnAssignments,
  identifierTooLong,
  requireTableSchema,
  combineAlterTable,
  preferBigintOverInt,
  preferBigintOverSmallint,
  preferIdentity,
  preferTextField,
  preferTimestampTz,
  preferJsonbOverJson,
];
