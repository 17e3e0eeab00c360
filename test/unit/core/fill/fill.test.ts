import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { parseRunbook } from '../../../../src/core/model/runbook';
import { fillPlaceholders } from '../../../../src/core/fill';
import { splitHops } from '../../../../src/core/shell/hops';

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

test('hops: ssh without a command takes the following lines, exit comes back', () => {
  const segments = splitHops([
    '# Find which worker runs the service:',
    'ssh dockeradmin@10.0.0.1',
    'docker service ps maplefile_backend',
    'exit',
    'echo back',
    'ssh -p 2222 dockeradmin@10.0.0.2',
    'docker pull x',
  ].join('\n'));
  assert.deepEqual(segments.map((s) => [s.ssh?.join(' '), s.code, s.firstLine, s.lastLine]), [
    [undefined, '# Find which worker runs the service:', 0, 0],
    ['ssh dockeradmin@10.0.0.1', 'docker service ps maplefile_backend', 1, 3],
    [undefined, 'echo back', 4, 4],
    ['ssh -p 2222 dockeradmin@10.0.0.2', 'docker pull x', 5, 6],
  ]);
  assert.equal(splitHops('ssh host uptime\necho x').length, 1);
  assert.equal(splitHops('echo only').length, 1);
  // The doc's own placeholder host (BACKEND_ACCESS.md): a hop; a real redirection is not one.
  assert.deepEqual(splitHops('ssh dockeradmin@<manager-ip>\ndocker service ps api').map((s) => s.ssh?.join(' ')), ['ssh dockeradmin@<manager-ip>']);
  assert.equal(splitHops('ssh host < script.sh\necho x').length, 1);
});
