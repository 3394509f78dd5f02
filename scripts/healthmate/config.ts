// HealthMate's pgopt.json (its integrity rules), validated like any user's file, for the demo and tests.
import { parsePgoptFile, type PgoptFile } from '../../src/core/config';
import pgoptJson from './pgopt.json';

export function healthMateConfig(): PgoptFile {
  const { file, problems } = parsePgoptFile(JSON.stringify(pgoptJson), 'scripts/healthmate/pgopt.json');
  if (problems.length) throw new Error(`scripts/healthmate/pgopt.json is invalid: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return file;
}
