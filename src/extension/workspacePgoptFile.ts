// The workspace-root pgopt.json as analyzers see it (integrity rules, query/activity thresholds), from the
// project model. Its problems are shown by the pgopt.json diagnostics; here a section with problems is still
// passed on, and each analyzer validates its own section and reports what it skipped.
// In an untrusted workspace the keys that name a host (pooler.url, fleet, connections) are dropped and the
// pgopt.pooler.url setting decides (core/project/workspaceTrust.ts): every analysis of the editor reads
// pgopt.json through here.
import * as vscode from 'vscode';
import type { PgoptFile } from '../core/config';
import { editorAnalysisConfig, type WithheldSetting } from '../core/project/workspaceTrust';
import { workspaceProject } from './projectModel';
import { pgoptSetting } from './settings';

/** pgopt.json for an analysis, and the keys left out (each with the sentence the report shows). */
export async function loadAnalysisConfig(): Promise<{ config: PgoptFile; withheld: WithheldSetting[] }> {
  return editorAnalysisConfig((await workspaceProject()).config, {
    trusted: vscode.workspace.isTrusted,
    poolerUrlSetting: pgoptSetting<string>('pooler.url'),
  });
}

export async function loadWorkspacePgoptFile(): Promise<PgoptFile> {
  return (await loadAnalysisConfig()).config;
}
