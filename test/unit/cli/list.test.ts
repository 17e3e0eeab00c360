/* eslint-disable no-control-regex -- the live progress line is made of terminal control sequences */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../src/cli';
import { bounded } from '../../support/bounded';
import { skipOutsideCi } from '../../support/testEnv';
import { RUNBOOK_FIXTURES, realRunbooks } from '../../support/fixtures';

const capture = (argv: string[]) => {
  let out = '';
  let err = '';
  const code = main(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
};

test('list --json follows the contract for every real runbook', () => {
  const files = realRunbooks().map((r) => join(RUNBOOK_FIXTURES, r.name));
  const { code, out, err } = capture(['list', '--json', ...files]);
  assert.equal(code, 0, err);
  const listed = JSON.parse(out) as { path: string; steps: Record<string, unknown>[] }[];
  assert.equal(listed.length, 3);
  for (const rb of listed) {
    assert.ok(rb.steps.length > 0, rb.path);
    for (const s of rb.steps) {
      for (const key of ['name', 'line', 'endLine', 'lang', 'runnable', 'section', 'placeholders', 'uses', 'defines', 'risk', 'attributes']) {
        assert.ok(key in s, `${rb.path}: ${key}`);
      }
      assert.ok(['none', 'caution', 'destructive'].includes((s['risk'] as { level: string }).level));
      assert.ok((s['line'] as number) >= 1 && (s['endLine'] as number) >= (s['line'] as number));
    }
  }
});

test('a missing file: clear error naming it, exit 2, the other files still listed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsdoc-cli-'));
  const good = join(dir, 'good.md');
  writeFileSync(good, '# A\n```bash\necho hi\n```\n');
  const missing = join(dir, 'missing.md');
  const { code, out, err } = capture(['list', '--json', missing, good]);
  assert.equal(code, 2);
  assert.match(err, new RegExp(`cannot read ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such file`));
  const listed = JSON.parse(out) as { path: string }[];
  assert.deepEqual(listed.map((r) => r.path), [good]);
});

test('readable output shows steps, placeholders and risk', () => {
  const { code, out } = capture(['list', resolve(__dirname, '../../fixtures/runbooks/BACKEND_ACCESS.md')]);
  assert.equal(code, 0);
  assert.match(out, /reset-database-full-wipe/);
  assert.match(out, /fill in: <cassandra-node-ip>/);
  assert.match(out, /destructive/);
});

test('usage errors exit 2', () => {
  assert.equal(capture([]).code, 2);
  assert.equal(capture(['frobnicate']).code, 2);
  assert.equal(capture(['list']).code, 2);
  assert.equal(capture(['list', '--parser', 'nope', 'x.md']).code, 2);
});

test('the bundled CLI runs as a program (after npm run build)', (t) => {
  if (!existsSync(resolve(__dirname, '../../../dist/cli.js'))) return skipOutsideCi(t, 'dist/cli.js (npm run build)');
  const result = spawnSync(process.execPath, [resolve(__dirname, '../../../dist/cli.js'), 'list', '--json', resolve(__dirname, '../../../examples')], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const listed = JSON.parse(result.stdout) as { path: string }[];
  assert.deepEqual(listed.map((r) => r.path.replace(/^.*examples\//, '')), ['database-checks.md', 'deploy.mdx', 'local-workspace.md', 'service-smoke.md']);
});

test('on a real terminal (script(1) pty) `opsdoc check` draws a live line; under CI=true it does not', { skip: !existsSync(resolve(__dirname, '../../../dist/cli.js')) && 'dist/cli.js not built' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsdoc-tty-'));
  const file = join(dir, 'two.md');
  writeFileSync(file, '# Two\n## One\n```bash\nsleep 0.3\n```\n## Two\n```bash\ntrue\n```\n');
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(resolve(__dirname, '../../../dist/cli.js'))} check ${JSON.stringify(file)} --no-history`;
  const onTty = (env: NodeJS.ProcessEnv) => spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', env: { ...env, TERM: 'xterm' } });
  const { CI: _ci, ...notCi } = process.env;
  const person = onTty(notCi);
  assert.equal(person.status, 0, person.stderr);
  assert.match(person.stdout, /\r\x1b\[2K⠋ \[1\/2\] [^\r]*two\.md › one \(local\)/);
  const ci = onTty({ ...notCi, CI: 'true' });
  assert.equal(ci.status, 0, ci.stderr);
  assert.doesNotMatch(ci.stdout, /\x1b\[2K/);
  assert.match(ci.stdout, /✓ [^\n]*two\.md › one/);
});

/** A folder with runbooks, and entries named like runbooks that are not: a FIFO, a dangling symlink, a loop. */
function awkwardFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'opsdoc-awkward-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'a.md'), '# A\n```bash\necho a\n```\n');
  writeFileSync(join(dir, 'sub', 'b.md'), '# B\n```bash\necho b\n```\n');
  execFileSync('mkfifo', [join(dir, 'x.md')]);
  symlinkSync('nowhere.md', join(dir, 'dangling.md'));
  symlinkSync('loop2.md', join(dir, 'loop1.md'));
  symlinkSync('loop1.md', join(dir, 'loop2.md'));
  symlinkSync('..', join(dir, 'sub', 'up'));
  return dir;
}

test('list DIR: a FIFO, a dangling symlink or a symlink loop named .md is reported alone and skipped; the rest is listed', { skip: process.platform === 'win32' && 'no FIFOs' }, () => {
  const dir = awkwardFolder();
  // A FIFO opened for reading blocks for good: the CLI runs in a child with a time limit.
  const result = JSON.parse(bounded(`
    const { main } = load('src/cli/index.ts');
    let out = '', err = '';
    const code = main(['list', '--json', ${JSON.stringify(dir)}], { out: (s) => (out += s), err: (s) => (err += s) });
    const fifo = main(['list', ${JSON.stringify(join(dir, 'x.md'))}], { out: () => {}, err: (s) => (err += s) });
    console.log(JSON.stringify({ code, fifo, out, err }));
  `)) as { code: number; fifo: number; out: string; err: string };
  assert.equal(result.code, 2);
  assert.deepEqual((JSON.parse(result.out) as { path: string }[]).map((r) => r.path.slice(dir.length + 1)), ['a.md', 'sub/b.md']);
  assert.deepEqual(result.err.trim().split('\n').map((l) => l.replace(dir, 'DIR')), [
    'opsdoc: cannot read DIR/dangling.md: a dangling symlink (its target does not exist)',
    'opsdoc: cannot read DIR/loop1.md: a symlink loop',
    'opsdoc: cannot read DIR/loop2.md: a symlink loop',
    'opsdoc: cannot read DIR/x.md: not a regular file (a FIFO)',
    'opsdoc: cannot read DIR/x.md: not a regular file (a FIFO)',
  ]);
  assert.equal(result.fifo, 2);
});

test('check DIR skips the same entries with a message, and checks the rest', { skip: process.platform === 'win32' && 'no FIFOs' }, () => {
  const dir = awkwardFolder();
  const result = JSON.parse(bounded(`
    const { run } = load('src/cli/index.ts');
    let out = '', err = '';
    const code = await run(['check', ${JSON.stringify(dir)}, '--no-history'], { out: (s) => (out += s), err: (s) => (err += s) });
    console.log(JSON.stringify({ code, out, err }));
  `)) as { code: number; out: string; err: string };
  assert.equal(result.code, 0, result.err);
  assert.match(result.out, /2 passed, 0 failed, 0 skipped/);
  assert.match(result.err, /skipping [^\n]*x\.md: not a regular file \(a FIFO\)/);
  assert.match(result.err, /skipping [^\n]*dangling\.md: a dangling symlink/);
});
