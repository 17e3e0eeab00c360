// The pure helpers behind the editor's lenses, Copy, section runs, typed commands and targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { adHocStep } from '../../../../src/core/model/adHoc';
import { copyCommand } from '../../../../src/core/fill/copyText';
import { fillPlaceholders } from '../../../../src/core/fill';
import { isSecretName } from '../../../../src/core/secrets/names';
import { applyEdit, upsertNote } from '../../../../src/core/notes/notes';
import type { Outcome } from '../../../../src/core/outcome/outcome';
import { parseRunbook } from '../../../../src/core/model/runbook';
import { runnableSections, sectionAt } from '../../../../src/core/model/sections';
import { notesOfSteps } from '../../../../src/core/notes/stepNotes';
import { describeTarget } from '../../../../src/core/profiles/targetText';

const doc = (text: string) => parseRunbook(text, { path: 'x.md' });

test('Copy fills placeholders shell-safely and masks secret values', () => {
  const step = doc('```bash\nPGPASSWORD=<db-password> psql -h <host> -c "select \'<name>\'"\necho <unfilled>\n```\n').steps[0]!;
  const text = copyCommand(step, { 'db-password': 'hunter22', host: '10.0.0.5', name: "o'k" }, isSecretName);
  // psql -c's string is SQL: the value's quote is doubled inside the SQL literal.
  assert.equal(text.split('\n')[0], `PGPASSWORD=•••••• psql -h 10.0.0.5 -c "select 'o''k'"`);
  assert.ok(!text.includes('hunter22'));
  assert.equal(text.split('\n')[1], 'echo <unfilled>', 'placeholders without a value stay as written');
});

test('Copy masks profile secrets wherever they appear, and nothing else', () => {
  const step = doc('```bash\ncurl -H "Authorization: Bearer abcd1234token" https://x/<path>\n```\n').steps[0]!;
  assert.equal(copyCommand(step, { path: 'api' }, isSecretName, ['abcd1234token', 'xy']), 'curl -H "Authorization: Bearer ••••••" https://x/api');
  assert.equal(copyCommand(step, { path: 'api' }, isSecretName), 'curl -H "Authorization: Bearer abcd1234token" https://x/api', 'the doc\'s own text is not redacted');
});

test('Copy gives what a run would run, when nothing is secret', () => {
  const step = doc('```bash\nprintf "%s\\n" <value> \'<value>\'\n```\n').steps[0]!;
  const values = { value: 'a b$c' };
  assert.equal(copyCommand(step, values, () => false), fillPlaceholders(step, values).code);
  assert.equal(execFileSync('bash', ['-c', copyCommand(step, values, () => false)], { encoding: 'utf8' }), 'a b$c\na b$c\n');
});

test('sections: the runnable steps under each heading, subsections included, excludeFromRunAll left out', () => {
  const rb = doc([
    '# Ops', '', '## Database', '', '```bash', 'a', '```', '', '### Reset', '', '```bash {"excludeFromRunAll":true}', 'b', '```', '',
    '```bash', 'c', '```', '', '```text', 'not run', '```', '', '## Empty', '', 'nothing here', '', '## Logs', '', '```sh', 'd', '```', '',
  ].join('\n'));
  const sections = runnableSections(rb).map((s) => [s.heading.text, s.steps.map((i) => rb.steps[i]!.code)]);
  assert.deepEqual(sections, [
    ['Ops', ['a', 'c', 'd']],
    ['Database', ['a', 'c']],
    ['Reset', ['c']],
    ['Logs', ['d']],
  ]);
  assert.equal(sectionAt(rb, 2)?.heading.text, 'Database');
  assert.equal(sectionAt(rb, 22), undefined, 'a heading without steps has no section run');
});

test('sections of a doc without headings', () => {
  assert.deepEqual(runnableSections(doc('```bash\nls\n```\n')), []);
});

const outcome = (step: string, profile: string, over: Partial<Outcome> = {}): Outcome => ({
  status: 'passed', exitCode: 0, durationMs: 10, profile, at: '2026-11-25T10:00:00.000Z', by: 'me', codeHash: 'abc', step, ...over,
});

test('notes belong to the step above them with their name; orphans are told apart', () => {
  let text = '## A\n\n```bash\necho a\n```\n\n## B\n\n```bash\necho b\n```\n';
  for (const [i, profile] of [[0, 'local'], [1, 'local'], [1, 'staging']] as const) {
    const rb = doc(text);
    text = applyEdit(text, upsertNote(text, rb, i, outcome(rb.steps[i]!.name, profile)).edit);
  }
  // A note whose step was renamed stays, unowned.
  text = text.replace('## A', '## Renamed');
  const rb = doc(text);
  const notes = notesOfSteps(text, rb);
  assert.equal(notes.all.length, 2);
  assert.equal(notes.byStep.get(0), undefined);
  assert.deepEqual(notes.byStep.get(1)?.outcomes.map((o) => o.profile), ['local', 'staging']);
  assert.deepEqual(notes.orphans.map((n) => n.step), ['a']);
  assert.equal(notesOfSteps('# no notes\n', doc('# no notes\n')).all.length, 0);
});

test('a typed command is a step that runs as written and does not stop at a failure', () => {
  const step = adHocStep('cd /tmp && echo <not-a-placeholder> > /dev/null; false; echo still', 3);
  assert.equal(step.runnable, true);
  assert.equal(step.runAs, 'shell');
  assert.deepEqual(step.placeholders, []);
  assert.equal(step.attributes['continueOnError'], true);
  assert.equal(step.name, 'typed-3');
  assert.equal(fillPlaceholders(step, {}).code, step.code);
  assert.equal(adHocStep('   ', 1).runnable, false);
});

test('targets in words', () => {
  assert.equal(describeTarget({ type: 'local' }), 'this machine');
  assert.equal(describeTarget({ type: 'local', shell: 'bash' }), 'this machine (bash)');
  assert.equal(describeTarget({ type: 'ssh', host: 'staging-api.internal', user: 'deploy', jump: 'ops@bastion:22' }), 'ssh deploy@staging-api.internal via ops@bastion:22');
  assert.equal(describeTarget({ type: 'ssh', host: '127.0.0.1', port: 2222, user: 'opsdoc' }), 'ssh opsdoc@127.0.0.1:2222');
  assert.equal(
    describeTarget({ type: 'container', engine: 'docker', filter: 'name=backend', via: { type: 'ssh', host: 'worker-1', user: 'admin', jump: ['a', 'b'] } }),
    'docker exec name=backend, via ssh admin@worker-1 via a, b',
  );
  assert.equal(describeTarget({ type: 'container', engine: 'kubectl', deployment: 'api', namespace: 'prod' }), 'kubectl exec deploy/api -n prod');
});
