// Rules about locks, rewrites and scans (lint-rules.md, first table). One rule per file; listed here in
// docs order.
import type { Rule } from '../types';
import { requireConcurrentIndexCreation } from './require-concurrent-index-creation';

export const LOCK_RULES: Rule[] = [requireConcurrentIndexCreation];
