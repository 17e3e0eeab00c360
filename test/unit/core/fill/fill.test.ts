import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseRunbook } from '../../../../src/core/model/runbook';
import { fillPlaceholders } from '../../../../src/core/fill';
import { hopWords, isLeaveLine } from '../../../../src/core/shell/hops';

const stepOf = (code: string, lang = 'bash') => parseRunbook('```' + lang + '\n' + code + '\n```\n', { path: 'x.md' }).steps[0]!;

test('values reach the shell as exactly one value, in every quoting context (checked with real bash)', () => {
  const hostile = `a b'c"d$HOME\`x\`;rm -rf /tmp/nothing\\`;
  const step = stepOf(`printf '%s\\n' <value> "<value>" '<value>' pre-<value>-post`);
  const { code, missing } = fillPlaceholders(step, { value: hostile });
  assert.deepEqual(missing, []);
  const out = execFileSync('bash', ['-c', code], { encoding: 'utf8' });
  assert.deepEqual(out.split('\n').slice(0, 4), [hostile, hostile, hostile, `pre-${hostile}-post`]);
});

test('safe values are written as they are; missing values are listed', () => {
  const step = stepOf('ssh dockeradmin@<manager-ip> uptime\ndocker exec THE_CONTAINER_NAME ls');
  const filled = fillPlaceholders(step, { 'manager-ip': '10.0.0.5' });
  assert.equal(filled.code.split('\n')[0], 'ssh dockeradmin@10.0.0.5 uptime');
  assert.deepEqual(filled.missing, ['THE_CONTAINER_NAME']);
});

test('sql steps: the value stays inside its string literal', () => {
  const step = stepOf("SELECT * FROM t WHERE id = '<id>';", 'sql');
  assert.equal(fillPlaceholders(step, { id: "o'k" }).code, "SELECT * FROM t WHERE id = 'o''k';");
});

test('hops: an ssh line with a host and no command goes there; exit alone comes back', () => {
  assert.deepEqual(hopWords('ssh -p 2222 dockeradmin@10.0.0.2  # the worker'), ['ssh', '-p', '2222', 'dockeradmin@10.0.0.2']);
  assert.equal(hopWords('ssh host uptime'), undefined, 'a remote command: not a hop');
  assert.equal(hopWords('echo ssh host'), undefined);
  // The doc's own placeholder host (BACKEND_ACCESS.md): a hop; a real redirection is not one.
  assert.deepEqual(hopWords('ssh dockeradmin@<manager-ip>'), ['ssh', 'dockeradmin@<manager-ip>']);
  assert.equal(hopWords('ssh host < script.sh'), undefined);
  assert.ok(isLeaveLine('exit') && isLeaveLine('  exit 0  # back to the laptop'));
  assert.ok(!isLeaveLine('exit 3') && !isLeaveLine('exit_code=1'));
});
