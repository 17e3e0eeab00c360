// `opsdoc run` on the example runbook against every kind of target, for real: local bash,
// the test sshd, the podman container through the docker CLI, and the chain (ssh, then
// docker exec). Notes for all four profiles land in the one doc, one line each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '../../../src/cli';
import { parseNotes } from '../../../src/core/notes/notes';
import { testEnv } from '../../support/testEnv';

const EXAMPLES = resolve(__dirname, '../../../examples');

test('the smoke runbook runs on local, SSH, a container and the ssh→container chain', async (t) => {
  const env = await testEnv(t, 'ssh', 'container');
  if (!env) return;
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-targets-'));
  cpSync(join(EXAMPLES, '.opsdoc'), join(root, '.opsdoc'), { recursive: true });
  const file = join(root, 'service-smoke.md');
  cpSync(join(EXAMPLES, 'service-smoke.md'), file);
  const original = readFileSync(file, 'utf8');
  const outputs: Record<string, string> = {};
  for (const profile of ['local', 'test-ssh', 'test-container', 'test-chain']) {
    let out = '';
    let err = '';
    const code = await run(['run', file, '--all', '--profile', profile, '--var', `release-tag=v9-${profile}`, '--yes', '--write-notes'], {
      out: (s) => (out += s),
      err: (s) => (err += s),
    });
    assert.equal(code, 0, `${profile}: ${err}\n${out}`);
    assert.match(out, new RegExp(`checking v9-${profile}`), profile);
    assert.match(out, new RegExp(`v9-${profile} checked at`), `${profile}: the marker step saw the exported variables`);
    assert.match(out, /^clean$/m, profile);
    outputs[profile] = out;
  }
  assert.match(outputs['test-ssh']!, /as opsdoc/, 'ran as the SSH user');
  assert.match(outputs['test-chain']!, /session: .*docker.*opsdoc-test/i, 'the chain session says where it runs');
  const text = readFileSync(file, 'utf8');
  const notes = parseNotes(text);
  assert.equal(notes.length, 5);
  for (const note of notes) {
    assert.deepEqual(note.outcomes.map((o) => [o.profile, o.status]), [['local', 'passed'], ['test-ssh', 'passed'], ['test-container', 'passed'], ['test-chain', 'passed']]);
  }
  assert.equal(text.replace(/\n\n<!-- opsdoc:note[\s\S]*?<!-- \/opsdoc:note -->/g, ''), original, 'nothing but the notes changed');
});

test('sql steps run through psql against a real PostgreSQL; a failing query fails its step', async (t) => {
  const env = await testEnv(t, 'pg');
  if (!env) return;
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-pg-'));
  cpSync(join(EXAMPLES, 'database-checks.md'), join(root, 'database-checks.md'));
  const profiles = JSON.stringify({ profiles: { pg: { target: { type: 'local' }, env: { PG_URL: '${env:OPSDOC_TEST_PG_URL}' } } } });
  cpSync(join(EXAMPLES, '.opsdoc'), join(root, '.opsdoc'), { recursive: true });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(root, '.opsdoc', 'profiles.json'), profiles);
  const file = join(root, 'database-checks.md');
  let out = '';
  let err = '';
  const io = { out: (s: string) => (out += s), err: (s: string) => (err += s) };
  let code = await run(['run', file, '--step', 'connection', '--step', 'largest-tables', '--profile', 'pg', '--write-notes'], io);
  assert.equal(code, 0, err + out);
  assert.match(out, /PostgreSQL 1\d/);
  assert.match(out, /\(0 rows\)|relname/);
  writeFileSync(file, readFileSync(file, 'utf8') + '\n## Broken query\n\n```sql\nSELECT * FROM no_such_table;\n```\n');
  out = '';
  code = await run(['run', file, '--step', 'broken-query', '--profile', 'pg'], io);
  assert.equal(code, 3, 'psql stops at the error with ON_ERROR_STOP and exits 3');
  assert.match(out, /relation "no_such_table" does not exist/);
});

test('hostile values in a here-document, backquotes and nested quotes arrive whole on every target (no code runs there)', async (t) => {
  const env = await testEnv(t, 'ssh', 'container');
  if (!env) return;
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-targets-fill-'));
  cpSync(join(EXAMPLES, '.opsdoc'), join(root, '.opsdoc'), { recursive: true });
  const file = join(root, 'attacks.md');
  const { writeFileSync } = await import('node:fs');
  // Each step prints the value and then whether the canary (in the session's own folder) exists.
  const check = 'if [ -e opsdoc-canary ]; then echo CANARY; fi';
  writeFileSync(file, [
    '# Attacks', '',
    '## Heredoc', '', '```sh', 'cd /tmp', 'cat <<EOT', '[<val>]', 'EOT', check, '```', '',
    '## Nested', '', '```sh', 'cd /tmp', 'X="$(echo "[<val>]")"', 'echo "$X"', check, '```', '',
    '## Backquotes', '', '```sh', 'cd /tmp', 'echo "`echo [<val>]`"', check, '```', '',
  ].join('\n'));
  const value = '$(touch opsdoc-canary)`touch opsdoc-canary`;touch opsdoc-canary;\'"';
  for (const profile of ['local', 'test-ssh', 'test-container', 'test-chain']) {
    let out = '';
    let err = '';
    const code = await run(['run', file, '--all', '--profile', profile, '--var', `val=${value}`, '--no-history'], { out: (s) => (out += s), err: (s) => (err += s) });
    assert.equal(code, 0, `${profile}: ${err}\n${out}`);
    assert.equal(out.split('\n').filter((l) => l === `[${value}]`).length, 3, `${profile}: ${out}`);
    assert.doesNotMatch(out, /^CANARY$/m, `${profile} ran the value as code`);
  }
});
