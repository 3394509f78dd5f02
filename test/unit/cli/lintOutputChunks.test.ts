// pgopt lint writes its output in pieces (renderLintChunks): the pieces must join to exactly what the
// one-string renderer gives, for every format, with and without findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jsonString, renderFileFragment, renderLint, renderLintChunks, toJson, type FileFindings, type LintFormat } from '../../../src/cli/lintOutput';
import { writeOutputChunks } from '../../../src/cli/cliSupport';
import type { LintFinding } from '../../../src/core/lint/types';

// The child of the pipe test below: this file run again with PGOPT_PIPE_WRITER=1 writes to its stdout and exits.
const PIPE_PIECE = 'ab≤é😀\n'.repeat(150000);
if (process.env.PGOPT_PIPE_WRITER === '1') {
  writeOutputChunks([PIPE_PIECE, Buffer.from(PIPE_PIECE, 'utf8'), 'end'], undefined);
  process.exit(0);
}

const finding = (over: Partial<LintFinding>): LintFinding => ({ ruleId: 'r', severity: 'warning', message: 'm', start: 0, end: 1, line: 0, column: 0, endLine: 0, endColumn: 1, ...over });

const results: FileFindings[] = [
  {
    file: 'db/001_é.sql',
    findings: [
      finding({ message: 'Line one "quoted",\nline two 🐘', help: 'Do X\\Y', line: 2, column: 4, endLine: 3, endColumn: 1 }),
      finding({ ruleId: 'prefer-robust-stmts', severity: 'error', fix: { title: 'Add IF NOT EXISTS', edits: [{ start: 3, end: 3, newText: ' IF NOT EXISTS' }, { start: 9, end: 12, newText: '' }] } }),
    ],
  },
  { file: 'db/002_empty.sql', findings: [] },
  { file: 'db\\003_win.sql', findings: [finding({ ruleId: 'syntax-error', severity: 'info', message: '50%: a,b' })] },
];

const formats: LintFormat[] = ['json', 'text', 'github', 'sarif', 'gitlab'];

test('renderLintChunks joins to renderLint for every format, with findings and without', () => {
  for (const format of formats) {
    for (const input of [results, [{ file: 'a.sql', findings: [] }], []]) {
      const chunks = [...renderLintChunks(format, input)];
      assert.equal(chunks.join(''), renderLint(format, input), `${format} with ${input.length} files`);
    }
  }
  // JSON really comes in pieces (one per finding plus the closing bracket), not as one string.
  const many: FileFindings[] = [{ file: 'big.sql', findings: Array.from({ length: 4500 }, (_, i) => finding({ line: i, message: `m${i}`, help: i % 2 ? 'h' : undefined })) }];
  const pieces = [...renderLintChunks('json', many)];
  assert.equal(pieces.length, 4500 + 1);
  assert.ok(pieces.length > 2);
  assert.equal(pieces.join(''), renderLint('json', many));
  assert.deepEqual(JSON.parse([...renderLintChunks('json', results)].join('')), JSON.parse(renderLint('json', results)));
});

const joined = (pieces: Iterable<string | Uint8Array>): string => Buffer.concat([...pieces].map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p))).toString('utf8');

/** Strings JSON.stringify escapes in every way it does, and ones it leaves alone. */
const HOSTILE = [
  '',
  'plain',
  'say "hi"',
  'back\\slash \\',
  'C:\\dir\\"x"',
  'tab\tnew\nline\r\n form\f back\b',
  '\u0000\u0001\u001f\u007f \u0080',
  ...Array.from({ length: 32 }, (_, i) => `c${String.fromCharCode(i)}c`),
  'line\u2028sep\u2029par',
  'lone \ud800 high',
  'lone \udfff low',
  '\udc00\ud800 reversed',
  'end high \ud83d',
  '\ude00 start low',
  'emoji 😀 🐘 and non-BMP 𝄞 𠜎',
  'é ≤ — → ü',
  '</script>',
  '"',
  '\\',
  '\ud83d\ude00',
];

test('jsonString gives exactly JSON.stringify of the string, hostile ones included', () => {
  for (const s of HOSTILE) assert.equal(jsonString(s), JSON.stringify(s), JSON.stringify(s));
  for (let c = 0; c < 0x10000; c++) {
    const s = `a${String.fromCharCode(c)}b`;
    if (jsonString(s) !== JSON.stringify(s)) assert.fail(`U+${c.toString(16)}`);
  }
});

test('JSON output is byte for byte JSON.stringify(toJson(...), null, 2) for findings with hostile strings and unusual shapes', () => {
  const hostile: LintFinding[] = HOSTILE.flatMap((s, i) => [
    finding({ ruleId: s, severity: 'error', message: s, line: i, column: i * 3, endLine: i + 2, endColumn: 1 }),
    finding({ message: `m ${s}`, help: s, fix: { title: s, edits: [{ start: i, end: i + 1, newText: s }] } }),
    finding({ message: 'x', help: '', fix: { title: '', edits: [] } }),
  ]);
  // Shapes the types do not promise: the serializer must fall back to JSON.stringify's answer.
  const odd = [
    finding({ help: undefined }),
    finding({ line: Number.NaN, endColumn: Number.POSITIVE_INFINITY }),
    { ...finding({}), fix: { edits: [{ newText: 'a', start: 1, end: 2 }], title: 't' } },
    { ...finding({}), fix: { title: 't', edits: [{ start: 1, end: 2, newText: 'a', extra: true }], kind: 'quickfix' } },
    { ...finding({}), fix: { title: 't', edits: [{ start: 1, end: 2, newText: undefined }] } },
    { ...finding({}), help: 7 },
    { ...finding({}), message: undefined },
    // toJSON on the prototype (not enumerable): JSON.stringify calls it.
    { ...finding({}), fix: new (class { title = 't'; edits = []; toJSON(): string { return 'custom'; } })() },
    { ...finding({}), fix: { title: 't', edits: [new (class { start = 1; end = 2; newText = 'a'; toJSON(): string { return 'edit'; } })()] } },
  ] as unknown as LintFinding[];
  // toJson + JSON.stringify (what renderLint prints) is the oracle.
  for (const file of ['db/x.sql', 'dir "q"/\\x\n.sql', 'emoji 😀.sql', 'lone \ud800.sql']) {
    for (const findings of [hostile, odd]) {
      const input: FileFindings[] = [{ file, findings }, { file: 'empty.sql', findings: [] }, { file: 'b.sql', findings: findings.slice(0, 2) }];
      const expected = JSON.stringify(toJson(input), null, 2);
      assert.equal(renderLint('json', input), expected);
      assert.equal([...renderLintChunks('json', input)].join(''), expected);
      assert.equal(joined(renderLintChunks('json', input)), expected);
      assert.equal(`[\n${renderFileFragment('json', file, findings)}\n]`, JSON.stringify(toJson(input.slice(0, 1)), null, 2));
    }
  }
});

test('files given as pre-rendered fragments (the --cache) print exactly as their findings do: text, json, github', () => {
  const withEmpty: FileFindings[] = [{ file: 'z.sql', findings: [] }, ...results, { file: 'y.sql', findings: [] }];
  for (const format of ['json', 'text', 'github'] as const) {
    for (const input of [results, withEmpty, [{ file: 'a.sql', findings: [] }]]) {
      // Every mix: each file as findings, as a string fragment or as UTF-8 bytes.
      for (let mask = 0; mask < 3 ** input.length; mask++) {
        let m = mask;
        const mixed: FileFindings[] = input.map((r) => {
          const how = m % 3;
          m = Math.floor(m / 3);
          if (how === 0) return r;
          const text = renderFileFragment(format, r.file, r.findings);
          return { file: r.file, findings: [], fragment: how === 1 ? text : Buffer.from(text, 'utf8') };
        });
        assert.equal(joined(renderLintChunks(format, mixed)), renderLint(format, input), `${format}, mask ${mask}`);
      }
    }
  }
  // A file with more findings than one JSON batch, next to fragments.
  const big: FileFindings = { file: 'big.sql', findings: Array.from({ length: 2500 }, (_, i) => finding({ line: i, message: `m${i}` })) };
  const first = results[0] as FileFindings;
  const input = [first, big, first];
  const mixed = [{ ...first, findings: [], fragment: renderFileFragment('json', first.file, first.findings) }, big, { ...first, findings: [], fragment: Buffer.from(renderFileFragment('json', first.file, first.findings)) }];
  assert.equal(joined(renderLintChunks('json', mixed)), renderLint('json', input));
});

/** GitHub annotations as pgopt printed them before the per-file fast path (the oracle). */
function referenceGithub(results: FileFindings[]): string {
  const data = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const prop = (s: string): string => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const level: Record<string, string> = { error: 'error', warning: 'warning', info: 'notice', hint: 'notice' };
  return results
    .flatMap((r) =>
      r.findings.map((f) => {
        const props: [string, string | number][] = [
          ['file', r.file.split('\\').join('/')],
          ['line', f.line + 1],
          ['endLine', f.endLine + 1],
        ];
        if (f.line === f.endLine) props.push(['col', f.column + 1], ['endColumn', Math.max(f.endColumn, f.column + 1)]);
        props.push(['title', `pgopt ${f.ruleId}`]);
        const message = f.help ? `${f.message}\n${f.help}` : f.message;
        return `::${level[f.severity] ?? 'warning'} ${props.map(([k, v]) => `${k}=${prop(String(v))}`).join(',')}::${data(message)}`;
      }),
    )
    .join('\n');
}

test('GitHub annotations are escaped as before for hostile paths, rule ids and messages', () => {
  const hostile = [...HOSTILE, '50% done, a:b', 'x\r\ny%0A', '%%::,,', '\\a\\b:c'];
  const findings: LintFinding[] = hostile.flatMap((s, i) => [
    finding({ ruleId: s, severity: (['error', 'warning', 'info', 'hint', 'other'] as const)[i % 5] as LintFinding['severity'], message: s, help: i % 2 ? s : undefined, line: i, endLine: i + (i % 3 === 0 ? 0 : 1), column: i, endColumn: i % 4 }),
  ]);
  for (const file of hostile.map((s) => `dir\\${s}/f:1,2%.sql`)) {
    const input: FileFindings[] = [{ file, findings }, { file: 'b.sql', findings: [] }, { file: 'c\\d.sql', findings: findings.slice(0, 3) }];
    assert.equal(renderLint('github', input), referenceGithub(input));
    assert.equal([...renderLintChunks('github', input)].join(''), referenceGithub(input));
    assert.equal(joined(renderLintChunks('github', input)), Buffer.from(referenceGithub(input), 'utf8').toString('utf8'));
    assert.equal(renderFileFragment('github', file, findings), referenceGithub([{ file, findings }]));
  }
});

/** writeOutputChunks to --out, without its "wrote FILE" line on stderr. */
function writeQuietly(pieces: (string | Uint8Array)[], out: string): void {
  const stderr = process.stderr.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    writeOutputChunks(pieces, out);
  } finally {
    process.stderr.write = stderr;
  }
}

test('writeOutputChunks writes string and byte pieces in order, a multi-byte character split across byte pieces included', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-chunks-'));
  const out = join(dir, 'out.txt');
  const elephant = Buffer.from('🐘', 'utf8');
  const big = Buffer.from('é'.repeat(700_000), 'utf8');
  const pieces: (string | Uint8Array)[] = ['a≤', elephant.subarray(0, 2), elephant.subarray(2), big, 'x'.repeat(600_000), big, 'end'];
  writeQuietly(pieces, out);
  assert.equal(readFileSync(out, 'utf8'), joined(pieces));
});

test('writeOutputChunks to --out writes the joined pieces across several batches', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgopt-chunks-'));
  const out = join(dir, 'out.txt');
  const piece = 'x'.repeat(300_000);
  const pieces = [piece, '\n', piece, piece, piece, piece, 'end'];
  writeQuietly(pieces, out);
  assert.equal(readFileSync(out, 'utf8'), pieces.join(''));
});

test('writeOutputChunks to a pipe the reader drains late writes every byte, non-ASCII included', async () => {
  // stdout is a non-blocking pipe here: the first write fills it and returns short (or EAGAIN); the rest must
  // follow from the right byte, in order.
  const expected = `${PIPE_PIECE.repeat(2)}end\n`;
  const child = spawn(process.execPath, [__filename], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PGOPT_PIPE_WRITER: '1' } });
  const closed = new Promise<number | null>((r) => child.on('close', r));
  child.stdout.pause();
  await new Promise((r) => setTimeout(r, 300));
  const parts: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => parts.push(b));
  child.stdout.resume();
  const code = await closed;
  assert.equal(code, 0);
  const got = Buffer.concat(parts).toString('utf8');
  assert.equal(got.length, expected.length);
  assert.ok(got === expected, 'the bytes arrive complete and in order');
});
