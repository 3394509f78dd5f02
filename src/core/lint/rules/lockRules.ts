// Rules about locks, rewrites and scans (lint-rules.md, first table). One rule per file; listed here in
// docs order.
import type { Rule } from '../types';
import { addingFieldWithDefault } from './adding-field-with-default';
import { addingForeignKeyConstraint } from './adding-foreign-key-constraint';
import { addingNotNullableField } from './adding-not-nullable-field';
import { addingRequiredField } from './adding-required-field';
import { addingSerialPrimaryKeyField } from './adding-serial-primary-key-field';
import { addingStoredGeneratedColumn } from './adding-stored-generated-column';
import { banAlterDomainWithAddConstraint } from './ban-alter-domain-with-add-constraint';
import { banConcurrentIndexCreationInTransaction } from './ban-concurrent-index-creation-in-transaction';
import { banConcurrentIndexCreationOnPartitionedTable } from './ban-concurrent-index-creation-on-partitioned-table';
import { banCreateDomainWithConstraint } from './ban-create-domain-with-constraint';
import { changingColumnType } from './changing-column-type';
import { constraintMissingNotValid } from './constraint-missing-not-valid';
import { disallowedUniqueConstraint } from './disallowed-unique-constraint';
import { exclusionConstraint } from './exclusion-constraint';
import { preferRepack } from './prefer-repack';
import { primaryKeyUsingIndexSetsNotNull } from './primary-key-using-index-sets-not-null';
import { requireConcurrentIndexCreation } from './require-concurrent-index-creation';
import { requireConcurrentIndexDeletion } from './require-concurrent-index-deletion';
import { requireConcurrentPartitionDetach } from './require-concurrent-partition-detach';
import { requireConcurrentReindex } from './require-concurrent-reindex';
import { requireLockTimeout } from './require-lock-timeout';
import { requireStatementTimeout } from './require-statement-timeout';
import { statementsAfterAccessExclusive } from './statements-after-access-exclusive';

export const LOCK_RULES: Rule[] = [
  requireConcurrentIndexCreation,
  requireConcurrentIndexDeletion,
  requireConcurrentReindex,
  requireConcurrentPartitionDetach,
  banConcurrentIndexCreationInTransaction,
  banConcurrentIndexCreationOnPartitionedTable,
  constraintMissingNotValid,
  addingForeignKeyConstraint,
  addingNotNullableField,
  addingFieldWithDefault,
  addingRequiredField,
  addingSerialPrimaryKeyField,
  disallowedUniqueConstraint,
  changingColumnType,
  preferRepack,
  requireLockTimeout,
  requireStatementTimeout,
  banAlterDomainWithAddConstraint,
  banCreateDomainWithConstraint,
  exclusionConstraint,
  statementsAfterAccessExclusive,
  primaryKeyUsingIndexSetsNotNull,
  addingStoredGeneratedColumn,
];
