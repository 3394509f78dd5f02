// Typed access to the pgopt.* settings, normalised through the core's zod schemas. Problems are
// reported with the offending key instead of throwing. (Heavy bundle: the raw reads are in settings.ts.)
import { parseAnalysisSettings, parseConnections, type AnalysisSettings, type ConfigProblem, type ConnectionSetting } from '../core/config';
import { pgoptSetting } from './settings';

export interface ExtensionSettings {
  connections: ConnectionSetting[];
  defaultConnection: string;
  envFile: string;
  connectTimeoutMs: number;
  analysis: AnalysisSettings;
  problems: ConfigProblem[];
}

export function readSettings(): ExtensionSettings {
  const { connections, problems } = parseConnections(pgoptSetting('connections'));
  const analysis = parseAnalysisSettings({ statementTimeoutMs: pgoptSetting('analysis.statementTimeoutMs'), lockTimeoutMs: pgoptSetting('analysis.lockTimeoutMs') }, 'pgopt.analysis');
  const timeout = Number(pgoptSetting('connectTimeoutSeconds') ?? 10);
  const timeoutProblem: ConfigProblem[] = Number.isFinite(timeout) && timeout > 0 ? [] : [{ path: 'pgopt.connectTimeoutSeconds', message: 'must be a positive number' }];
  return {
    connections,
    defaultConnection: String(pgoptSetting('defaultConnection') ?? ''),
    envFile: String(pgoptSetting('envFile') ?? '.env'),
    connectTimeoutMs: (Number.isFinite(timeout) && timeout > 0 ? timeout : 10) * 1000,
    analysis: analysis.settings,
    problems: [...problems, ...analysis.problems, ...timeoutProblem],
  };
}
