// `opsdoc run` with hostile placeholder values, end to end on real bash, psql and python3: the
// attacks that used to run code (each tries to create a canary file) now either deliver
// exactly the value or are refused before anything runs, naming the placeholder and its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/cli';
import { testEnv } from '../../support/testEnv';

const capture = async (argv: string[]) => {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
};

/** A workspace with one runbook (and profiles), and the canary path every attack aims at. */
function workspace(doc: (canary: string) => string, profiles?: string): { file: string; canary: string } {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-fill-run-'));
  mkdirSync(join(root, '.opsdoc'));
  if (profiles) writeFileSync(join(root, '.opsdoc', 'profiles.json'), profiles);
  const canary = join(root, 'pwned');
  const file = join(root, 'runbook.md');
  writeFileSync(file, doc(canary));
  return { file, canary };
}

const SHELL_DOC = () => [
  '# Attacks', '',
  '## Heredoc', '', '```bash', 'cat <<EOT', 'value: <val>', 'EOT', '```', '',
  '## Quoted heredoc', '', '```bash', "cat <<'EOT'", 'value: <val>', 'EOT', '```', '',
  '## Nested', '', '```bash', 'X="$(echo "<val>")"', 'echo "[$X]"', '```', '',
  '## Backticks', '', '```bash', 'echo "[`echo <val>`]"', '```', '',
  '## Arithmetic', '', '```bash', 'echo $(( <num> + 1 ))', '```', '',
  '## Remote', '', '```bash', 'ssh() { shift; sh -c "$*"; }', 'ssh admin@host "echo [<val>]"', '```', '',
].join('\n');

test('shell: a value in a here-document, nested quotes, backticks or an ssh command is exactly one value', async () => {
  const { file, canary } = workspace(SHELL_DOC);
  for (const [step, value, shown] of [
    ['heredoc', `$(touch ${canary})`, `value: $(touch ${canary})`],
    ['nested', `";touch ${canary};"`, `[";touch ${canary};"]`],
    ['backticks', `;touch ${canary};`, `[;touch ${canary};]`],
    ['remote', `x; touch ${canary}`, `[x; touch ${canary}]`],
  ] as const) {
    const r = await capture(['run', file, '--step', step, '--var', `val=${value}`, '--no-history']);
    assert.equal(r.code, 0, `${step}: ${r.err}${r.out}`);
    assert.ok(r.out.includes(`${shown}\n`), `${step}: ${r.out}`);
    assert.ok(!existsSync(canary), `${step} ran the value as code`);
  }
});

test('shell: a value with no safe form is refused before anything runs, naming the placeholder and the line', async () => {
  const { file, canary } = workspace(SHELL_DOC);
  const heredoc = await capture(['run', file, '--step', 'quoted-heredoc', '--var', `val=a\nEOT\ntouch ${canary}`, '--no-history']);
  assert.equal(heredoc.code, 2);
  assert.match(heredoc.err, /<val> on line 15: .*here-document/);
  assert.equal(heredoc.out, '', 'nothing ran');
  const arith = await capture(['run', file, '--step', 'arithmetic', '--var', `num=a[$(touch ${canary})]`, '--no-history']);
  assert.equal(arith.code, 2);
  assert.match(arith.err, /<num> on line 35: it is inside arithmetic/);
  assert.ok(!existsSync(canary));
});

test('python: a value closing the string stays inside it', async () => {
  const { file, canary } = workspace(() => ['# P', '', '```python', "print('[<val>]')", '```', ''].join('\n'));
  const value = `a'); __import__('os').system('touch ${canary}'); print('`;
  const r = await capture(['run', file, '--all', '--var', `val=${value}`, '--no-history']);
  assert.equal(r.code, 0, r.err + r.out);
  assert.ok(r.out.includes(`[${value}]\n`), r.out);
  assert.ok(!existsSync(canary));
});

test('sql through psql: neither \\! nor a second query runs; the value arrives whole', async (t) => {
  const env = await testEnv(t, 'pg');
  if (!env) return;
  const profiles = JSON.stringify({ default: 'db', profiles: { db: { target: { type: 'local' }, env: { PG_URL: env.pgUrl } } } });
  const { file, canary } = workspace(() => ['# Q', '', '```sql', "SELECT '<val>' AS v;", '```', ''].join('\n'), profiles);
  for (const value of [`a'; \\! touch ${canary} #`, "a' AS v; SELECT 'INJECTED' AS w; --"]) {
    const r = await capture(['run', file, '--all', '--var', `val=${value}`, '--no-history']);
    assert.equal(r.code, 0, r.err + r.out);
    assert.ok(r.out.includes(value), r.out);
    assert.doesNotMatch(r.out, /^\s*INJECTED\s*$/m, 'no second query ran');
    assert.doesNotMatch(r.out, /\(2 rows\)|\bw\b\s*\n-+/, 'one result only');
    assert.ok(!existsSync(canary), 'psql ran a shell command');
  }
});

test('ssh: a value in the remote command reaches the real sshd host as one word', async (t) => {
  const env = await testEnv(t, 'ssh');
  if (!env) return;
  // The remote user must be able to create the canary where the attack aims.
  const { file, canary } = workspace((c) => {
    const dir = join(c, '..');
    const ssh = `ssh -i ${env.sshKey} -p ${env.sshPort} -o UserKnownHostsFile=${env.knownHosts} -o StrictHostKeyChecking=yes -o BatchMode=yes -T ${env.sshUser}@${env.sshHost}`;
    return ['# R', '', '## Remote', '', '```bash', `${ssh} "cd ${dir} && printf '[%s]\\n' <val>"`, '```', '', '## Remote heredoc', '', '```bash', `${ssh} <<EOF`, `cd ${dir} && printf '[%s]\\n' "<val>"`, 'EOF', '```', ''].join('\n');
  });
  chmodSync(join(canary, '..'), 0o777);
  for (const value of [`x; touch ${canary}`, `$(touch ${canary})`, `\`touch ${canary}\``, `it's "quoted" $HOME`, `a\nb`]) {
    for (const step of ['remote', 'remote-heredoc']) {
      const r = await capture(['run', file, '--step', step, '--var', `val=${value}`, '--no-history']);
      assert.equal(r.code, 0, `${step} ${JSON.stringify(value)}: ${r.err}${r.out}`);
      assert.ok(r.out.includes(`[${value}]\n`), `${step} ${JSON.stringify(value)}: ${r.out}`);
      assert.ok(!existsSync(canary), `${step}: the remote shell ran ${JSON.stringify(value)} as code`);
    }
  }
});
