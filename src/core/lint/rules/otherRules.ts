// Rules about breaking changes, robustness/hygiene and type preferences (lint-rules.md, later sections).
// One rule per file; listed here in docs order.
import type { Rule } from '../types';

export const OTHER_RULES: Rule[] = [];
