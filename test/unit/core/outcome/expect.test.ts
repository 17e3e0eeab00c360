import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge, parseExpect } from '../../../../src/core/outcome/expect';
import { parseAttributes } from '../../../../src/core/model/attributes';
import { parseRunbook } from '../../../../src/core/model/runbook';
import { resolveProfile } from '../../../../src/core/profiles/profiles';
import { RunbookRunner } from '../../../../src/runners/runbookRunner';

test('expect: exit:N, output:/regex/flags, no-output; anything else is a clear error', () => {
  assert.deepEqual(parseExpect('exit:1').expectation, { kind: 'exit', code: 1 });
  assert.equal(parseExpect('output:/Denied/i').expectation?.kind, 'output');
  assert.deepEqual(parseExpect('no-output').expectation, { kind: 'no-output' });
  assert.match(parseExpect('exit:one').error!, /exit:N/);
  assert.match(parseExpect('output:/(/').error!, /invalid regex/);
  assert.deepEqual(judge({ kind: 'exit', code: 1 }, { exitCode: 1, output: '' }), { passed: true });
  assert.deepEqual(judge({ kind: 'exit', code: 1 }, { exitCode: 0, output: '' }), { passed: false, reason: 'expected exit 1, got 0' });
  assert.equal(judge({ kind: 'output', pattern: /denied/i }, { exitCode: 2, output: 'Permission DENIED' }).passed, true);
  assert.equal(judge({ kind: 'no-output' }, { exitCode: 0, output: ' \n' }).passed, true);
  assert.match(parseAttributes('{ expect=exit:x }').problems[0]!, /exit:N/);
});

test('a step with expect passes or fails by its expectation (real bash)', async () => {
  const steps = parseRunbook([
    '```bash { expect=exit:1 }', 'false', '```',
    '```bash { expect=exit:1 }', 'true', '```',
    '```bash { expect="output:/ready/" }', 'echo "service ready"; false', '```',
    '```bash { expect=no-output }', 'echo noisy', '```',
  ].join('\n'), { path: 'x.md' }).steps;
  const runner = new RunbookRunner({ profile: resolveProfile(undefined, 'local'), who: 'tester' });
  try {
    const outcomes = [];
    for (const step of steps) outcomes.push(await runner.run(step));
    assert.deepEqual(outcomes.map((o) => [o.status, o.exitCode]), [['passed', 1], ['failed', 0], ['passed', 1], ['failed', 0]]);
    assert.equal(outcomes[1]!.reason, 'expected exit 1, got 0');
    assert.equal(outcomes[3]!.reason, 'expected no output');
  } finally {
    await runner.close();
  }
});
