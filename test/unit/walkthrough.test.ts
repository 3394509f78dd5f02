// The first-run walkthrough (contributes.walkthroughs) only links and completes on things that exist: every
// command it links or waits for is contributed and registered, every context key it waits for is set by the
// extension, every media file is in the package.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

interface Step { id: string; description: string; media: { markdown?: string; image?: string }; completionEvents: string[] }

function sources(dir: string): string {
  return readdirSync(dir).map((n) => join(dir, n)).map((p) => (statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? readFileSync(p, 'utf8') : '')).join('\n');
}

test('walkthrough steps: connect, report, lint, migrate; links, completion events and media are real', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[]; walkthroughs: { id: string; steps: Step[] }[] } };
  const [w] = pkg.contributes.walkthroughs;
  assert.ok(w);
  assert.deepEqual(w.steps.map((s) => s.id), ['connect', 'report', 'lint', 'migrate']);
  const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
  const extensionSource = sources(join(ROOT, 'src', 'extension'));
  for (const s of w.steps) {
    assert.ok(s.completionEvents.length > 0, `${s.id} completes on something`);
    const linked = [...s.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1] as string);
    assert.ok(linked.length > 0, `${s.id} links a command`);
    for (const ev of s.completionEvents) {
      const cmd = /^onCommand:([\w.]+)$/.exec(ev)?.[1];
      const ctx = /^onContext:([\w.]+)$/.exec(ev)?.[1];
      assert.ok(cmd || ctx, `${s.id}: completion event ${ev} is onCommand or onContext`);
      if (cmd) linked.push(cmd);
      if (ctx) assert.match(extensionSource, new RegExp(`'setContext', '${ctx.replace(/\./g, '\\.')}'`), `${ctx} is set by the extension`);
    }
    for (const c of linked) {
      assert.ok(contributed.has(c), `${s.id}: ${c} is a contributed command`);
      assert.ok(extensionSource.includes(`'${c}'`), `${s.id}: ${c} is registered by the extension`);
    }
    const media = s.media.markdown ?? s.media.image;
    assert.ok(media && existsSync(join(ROOT, media)), `${s.id}: media ${media} exists`);
  }
});
