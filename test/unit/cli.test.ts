/* eslint-disable no-control-regex -- the live progress line is made of terminal control sequences */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../src/cli';
import { RUNBOOK_FIXTURES, realRunbooks } from '../support/fixtures';

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
  const { code, out } = capture(['list', resolve(__dirname, '../fixtures/runbooks/BACKEND_ACCESS.md')]);
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

test('the bundled CLI runs as a program (after npm run build)', { skip: !existsSync(resolve(__dirname, '../../dist/cli.js')) && 'dist/cli.js not built' }, () => {
  const result = spawnSync(process.execPath, [resolve(__dirname, '../../dist/cli.js'), 'list', '--json', resolve(__dirname, '../../examples')], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  const listed = JSON.parse(result.stdout) as { path: string }[];
  assert.deepEqual(listed.map((r) => r.path.replace(/^.*examples\//, '')), ['database-checks.md', 'deploy.mdx', 'local-workspace.md', 'service-smoke.md']);
});

test('on a real terminal (script(1) pty) `opsdoc check` draws a live line; under CI=true it does not', { skip: !existsSync(resolve(__dirname, '../../dist/cli.js')) && 'dist/cli.js not built' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'opsdoc-tty-'));
  const file = join(dir, 'two.md');
  writeFileSync(file, '# Two\n## One\n```bash\nsleep 0.3\n```\n## Two\n```bash\ntrue\n```\n');
  const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(resolve(__dirname, '../../dist/cli.js'))} check ${JSON.stringify(file)} --no-history`;
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
