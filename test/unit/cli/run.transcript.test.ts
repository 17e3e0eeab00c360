// `opsdoc run` shows a shell step as a transcript: each statement (`$ …`, `> ` continuation
// lines) before its own output, a failure at its doc line with why, and the lines not run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/cli';

const capture = async (argv: string[]) => {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
};

function workspace(doc: string): string {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-transcript-'));
  mkdirSync(join(root, '.opsdoc'));
  const file = join(root, 'doc.md');
  writeFileSync(file, doc);
  return file;
}

test('each statement shows before its output; a failure names its doc line; the lines after it are not run', async () => {
  const file = workspace([
    '# Deploy', '', '## Ship', '', '```bash',
    'echo start', // line 6
    'for x in a b; do', // 7
    '  echo "item $x" >&2', // 8
    'done', // 9
    'opsdoc-no-such-command --now', // 10
    'echo after', // 11
    'echo later', // 12
    '```', '',
  ].join('\n'));
  const r = await capture(['run', file, '--all', '--no-history']);
  assert.equal(r.code, 127, r.err + r.out);
  const lines = r.out.split('\n');
  const from = lines.indexOf('$ echo start');
  assert.ok(from > 0, r.out);
  assert.deepEqual(lines.slice(from, from + 10), [
    '$ echo start',
    'start',
    '$ for x in a b; do',
    '>   echo "item $x" >&2',
    '> done',
    'item a',
    'item b',
    '$ opsdoc-no-such-command --now',
    lines[from + 8], // bash's own message, with its wrapper's line number
    '   lines 11-12 not run',
  ]);
  assert.match(lines[from + 8]!, /opsdoc-no-such-command: command not found$/);
  assert.match(lines[from + 10]!, /^✗ failed · exit 127 · .* · line 10: opsdoc-no-such-command: command not found$/);
  assert.ok(!r.out.includes('$ echo after'), 'a statement after the failure is never shown as run');
});

test('a hostile value shows as text in the transcript: its escape sequences and carriage returns are visible, not obeyed', async () => {
  const file = workspace(['# T', '', '```bash', "printf '%s\\n' <val> | wc -c", '```', ''].join('\n'));
  const value = 'ok\x1b[2K\rrm -rf /';
  const r = await capture(['run', file, '--all', '--var', `val=${value}`, '--no-history']);
  assert.equal(r.code, 0, r.err + r.out);
  const shown = r.out.split('\n').find((l) => l.startsWith('$ printf'));
  assert.ok(shown, r.out);
  // eslint-disable-next-line no-control-regex -- control characters are what it looks for
  assert.ok(!/[\x00-\x08\x0b-\x1f\x7f]/.test(shown), `no control character reaches the terminal: ${JSON.stringify(shown)}`);
  assert.ok(shown.includes('^[[2K^M'), shown);
});
