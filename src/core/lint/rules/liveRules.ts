// Rules that need the live connection (lint-rules.md ★): they read options.live (see ../live.ts) and run
// only when it is present.
import type { Rule } from '../types';
import { duplicateIndexInMigration } from './duplicate-index-in-migration';
import { liveTableSize } from './live-table-size';
import { missingFkIndex } from './missing-fk-index';
import { constraintOnDirtyData } from './constraint-on-dirty-data';
import { unknownObject } from './unknown-object';

export const LIVE_RULES: Rule[] = [liveTableSize, missingFkIndex, duplicateIndexInMigration, unknownObject, constraintOnDirtyData];
