// The workspace-root pgopt.json as analyzers see it (integrity rules, query/activity thresholds), from the
// project model. Its problems are shown by the pgopt.json diagnostics; here a section with problems is still
// passed on, and each analyzer validates its own section and reports what it skipped.
import type { PgoptFile } from '../core/config';
import { workspaceProject } from './projectModel';

export async function loadWorkspacePgoptFile(): Promise<PgoptFile> {
  return (await workspaceProject()).config;
}
