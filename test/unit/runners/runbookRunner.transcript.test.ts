// A shell step's transcript: each statement is announced, at its own doc lines, as it starts;
// a failure names the doc line it stopped at and the lines that did not run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunbook } from '../../../src/core/model/runbook';
import { resolveProfile } from '../../../src/core/profiles/profiles';
import { failureReason, RunbookRunner, type RunEvent } from '../../../src/runners/runbookRunner';

const local = resolveProfile(undefined, 'local');
const steps = (doc: string) => parseRunbook(doc, { path: 'x.md' }).steps;

/** The events of one run, in order, as `command <line>: text`, `output: text`, `end`. */
function story(events: RunEvent[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (e.type === 'command') out.push(`command ${e.line + 1}-${e.endLine + 1}: ${e.text}`);
    else if (e.type === 'output') out.push(`output: ${e.chunk.trim()}`);
    else if (e.type === 'step-end') out.push(`end ${e.outcome.status}${e.notRun ? ` not-run ${e.notRun.line + 1}-${e.notRun.endLine + 1}` : ''}`);
  }
  return out;
}

test('each statement is announced at its doc lines before its output; a multi-line statement spans its lines', async () => {
  const events: RunEvent[] = [];
  const runner = new RunbookRunner({ profile: local, who: 'tester', onEvent: (e) => events.push(e) });
  try {
    // Lines: 1 heading, 2 fence, 3 echo, 4 blank, 5-7 an if, 8 a comment, 9 echo, 10 fence.
    const [step] = steps('# T\n```bash\necho one\n\nif true; then\n  echo two\nfi\n# a comment\necho three\n```\n');
    const outcome = await runner.run(step!);
    assert.equal(outcome.status, 'passed');
    assert.equal((events.find((e) => e.type === 'step-start') as { commands: boolean }).commands, true);
    assert.deepEqual(story(events), [
      'command 3-3: echo one',
      'output: one',
      'command 5-7: if true; then\n  echo two\nfi',
      'output: two',
      'command 9-9: echo three',
      'output: three',
      'end passed',
    ]);
  } finally {
    await runner.close();
  }
});

test('a failure says the doc line it stopped at and why; the lines after it are reported as not run', async () => {
  const events: RunEvent[] = [];
  const runner = new RunbookRunner({ profile: local, who: 'tester', onEvent: (e) => events.push(e) });
  try {
    // Lines: 1 heading, 2 fence, 3 echo, 4 the missing command, 5-6 not run, 7 fence.
    const [step] = steps('# T\n```bash\necho start\nopsdoc-no-such-command --now\necho after\necho later\n```\n');
    const outcome = await runner.run(step!);
    assert.equal(outcome.status, 'failed');
    assert.equal(outcome.exitCode, 127);
    assert.equal(outcome.reason, 'line 4: opsdoc-no-such-command: command not found');
    assert.deepEqual(story(events).slice(-1), ['end failed not-run 5-6']);
    assert.ok(!story(events).some((s) => s.includes('echo after')), 'nothing after the failure was announced');
  } finally {
    await runner.close();
  }
});

test('a placeholder value shows filled in the announced command; a secret-named one and a profile secret are masked', async () => {
  const events: RunEvent[] = [];
  const runner = new RunbookRunner({
    profile: local,
    who: 'tester',
    values: { app: 'web-one', 'api-token': 'tok-4419-zz' },
    secrets: { DB_PASSWORD: 'pw-7781-qq' },
    onEvent: (e) => events.push(e),
  });
  try {
    const [step] = steps('# T\n```bash\necho deploying <app>\ncurl -sS -H "Authorization: <api-token>" http://127.0.0.1:9 || true\necho pw-7781-qq >/dev/null\n```\n');
    await runner.run(step!);
    const commands = events.filter((e) => e.type === 'command').map((e) => (e as { text: string }).text);
    assert.equal(commands[0], 'echo deploying web-one');
    assert.ok(commands.join('\n').includes('Authorization:'), commands.join('\n'));
    assert.ok(!commands.join('\n').includes('tok-4419-zz'), 'the secret-named value is masked');
    assert.ok(!commands.join('\n').includes('pw-7781-qq'), 'the profile secret is masked');
  } finally {
    await runner.close();
  }
});

test('a step with a hop shows its commands at their doc lines up to the hop; a hop that fails names its line and leaves the rest unrun', async () => {
  const events: RunEvent[] = [];
  const runner = new RunbookRunner({ profile: local, who: 'tester', onEvent: (e) => events.push(e) });
  try {
    const [hop] = steps('# T\n```bash\necho here\nssh -p 1 -o ConnectTimeout=5 127.0.0.1\necho never\n```\n');
    const outcome = await runner.run(hop!);
    const start = events.find((e) => e.type === 'step-start') as { commands: boolean; hops: string[] };
    assert.deepEqual(start.hops, ['127.0.0.1']);
    assert.deepEqual(events.filter((e) => e.type === 'command').map((e) => (e.type === 'command' ? [e.text, e.line] : [])), [['echo here', 2]]);
    assert.equal(outcome.status, 'failed');
    assert.match(outcome.reason ?? '', /^line 4: cannot reach 127\.0\.0\.1: ssh: connect to host 127\.0\.0\.1 port 1: Connection refused$/);
    const end = events.find((e) => e.type === 'step-end') as { notRun?: { line: number; endLine: number } };
    assert.deepEqual(end.notRun, { line: 4, endLine: 4 });
    assert.doesNotMatch(outcome.tail ?? '', /never/);
  } finally {
    await runner.close();
  }
});

test('failureReason: the last line that says something, without the shell\'s own line prefix or colours', () => {
  assert.equal(failureReason('out\nbash: line 3: ssh: command not found\n', 127, 72), 'line 73: ssh: command not found');
  assert.equal(failureReason('\x1b[31mError:\x1b[0m disk full\n\n', 1), 'Error: disk full');
  assert.equal(failureReason('', 3, 0), 'line 1: exit 3, with no output');
  assert.equal(failureReason('', 3), 'exit 3');
  assert.equal(failureReason('', null), 'no exit code');
  assert.equal(failureReason(`${'x'.repeat(300)}\n`, 1).length, 200);
});

test('failureReason: the line that says it is the error, not a caret or a rule under it', () => {
  assert.equal(failureReason('ERROR:  relation "x" does not exist\nLINE 2: FROM x\n        ^\n', 3), 'ERROR:  relation "x" does not exist');
  assert.equal(failureReason('12 passed, 0 failed\nSegmentation fault\n', 139), 'Segmentation fault');
  assert.equal(failureReason('-----\n', 1, 4), 'line 5: exit 1, with no output');
});
