// Typed access to the pgopt.* settings, normalised through the core's zod schemas. Problems are
// reported with the offending key instead of throwing.
import * as vscode from 'vscode';
import { parseAnalysisSettings, parseConnections, type AnalysisSettings, type ConfigProblem, type ConnectionSetting } from '../core/config';

export interface ExtensionSettings {
  connections: ConnectionSetting[];
  defaultConnection: string;
  envFile: string;
  connectTimeoutMs: number;
  analysis: AnalysisSettings;
  problems: ConfigProblem[];
}

/** Keys whose change means the open connection should be re-made. */
export const RECONNECT_KEYS = ['pgopt.connections', 'pgopt.analysis', 'pgopt.connectTimeoutSeconds'];

export function readSettings(): ExtensionSettings {
  const cfg = vscode.workspace.getConfiguration('pgopt');
  const { connections, problems } = parseConnections(cfg.get<unknown>('connections'));
  const analysis = parseAnalysisSettings(
    { statementTimeoutMs: cfg.get<unknown>('analysis.statementTimeoutMs'), lockTimeoutMs: cfg.get<unknown>('analysis.lockTimeoutMs') },
    'pgopt.analysis',
  );
  const timeout = Number(cfg.get<unknown>('connectTimeoutSeconds') ?? 10);
  const timeoutProblem: ConfigProblem[] = Number.isFinite(timeout) && timeout > 0 ? [] : [{ path: 'pgopt.connectTimeoutSeconds', message: 'must be a positive number' }];
  return {
    connections,
    defaultConnection: String(cfg.get<unknown>('defaultConnection') ?? ''),
    envFile: String(cfg.get<unknown>('envFile') ?? '.env'),
    connectTimeoutMs: (Number.isFinite(timeout) && timeout > 0 ? timeout : 10) * 1000,
    analysis: analysis.settings,
    problems: [...problems, ...analysis.problems, ...timeoutProblem],
  };
}
