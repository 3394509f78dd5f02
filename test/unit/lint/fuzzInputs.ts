// Mutated and truncated SQL for robustness tests: rule examples and generated migrations, cut, spliced and
// sprinkled with the characters that break naive splitters (quotes, dollar quotes, comments, NUL, emoji).
import { generateMigration, Rng } from '../../../bench/lintCorpus';
import { RULES } from '../../../src/core/lint/registry';
import squawkCases from '../../fixtures/squawk-conformance/cases.json';

const NASTY = ["'", '"', '$$', '$a$', ';', '--', '/*', '*/', 'E\'\\', '\u0000', '😀', 'é', '\n', '(', ')', 'BEGIN', 'COMMIT', 'CONCURRENTLY', '$1', '\\'];

export function* fuzzInputs(count: number, seed: number): Generator<string> {
  const r = new Rng(seed);
  const seeds: string[] = [...RULES.flatMap((rule) => [...rule.meta.examples.bad, ...rule.meta.examples.good].map((e) => e.sql)), ...(squawkCases as { sql: string }[]).map((c) => c.sql)];
  for (let i = 0; i < 20; i++) seeds.push(generateMigration(r, 5 + r.int(20)));
  for (let i = 0; i < count; i++) {
    let s = r.pick(seeds);
    const ops = 1 + r.int(3);
    for (let k = 0; k < ops; k++) {
      const at = r.int(s.length + 1);
      switch (r.int(5)) {
        case 0:
          s = s.slice(0, at); // truncate
          break;
        case 1:
          s = s.slice(0, at) + s.slice(Math.min(s.length, at + 1 + r.int(20))); // delete a span
          break;
        case 2:
          s = s.slice(0, at) + r.pick(NASTY) + s.slice(at); // insert a nasty token
          break;
        case 3: {
          const from = r.int(s.length + 1);
          s = s.slice(0, at) + s.slice(from, from + r.int(40)) + s.slice(at); // duplicate a span
          break;
        }
        default:
          s = s.slice(0, at) + r.pick(seeds).slice(0, r.int(60)) + s.slice(at); // splice another input
      }
    }
    yield s;
  }
}
