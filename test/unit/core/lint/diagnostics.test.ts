import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIAGNOSTIC_CODES, editorDiagnostics, type DiagnosticInput } from '../../../../src/core/lint/diagnostics';
import { applyEdit, upsertNote } from '../../../../src/core/notes/notes';
import { parseRunbook } from '../../../../src/core/model/runbook';
import { notesOfSteps } from '../../../../src/core/notes/stepNotes';
import { analyzeVariables } from '../../../../src/core/shell/variables';

const NOW = Date.parse('2026-11-25T12:00:00.000Z');

function diagnose(text: string, over: Partial<DiagnosticInput> = {}) {
  const runbook = parseRunbook(text, { path: 'x.md' });
  return editorDiagnostics({
    text,
    runbook,
    variables: analyzeVariables(runbook),
    profile: { name: 'local', environment: new Set(), values: new Set() },
    notes: notesOfSteps(text, runbook),
    now: NOW,
    staleAfterDays: 30,
    ...over,
  });
}

test('malformed attributes are errors, with the model’s own code', () => {
  const found = diagnose('```bash {"name": oops}\nls\n```\n');
  const d = found.find((x) => x.code === 'attributes-malformed');
  assert.ok(d);
  assert.equal(d.severity, 'error');
  assert.equal(d.line, 0);
});

test('a variable used but defined nowhere is a warning on the `$NAME` itself, unless the profile sets it', () => {
  const text = '## A\n\n```bash\nexport DIR=/tmp\n```\n\n## B\n\n```bash\necho "$DIR" "${BACKEND_CONTAINER}" $HOME\n```\n';
  const found = diagnose(text).filter((d) => d.code === DIAGNOSTIC_CODES.variableUndefined);
  assert.deepEqual(found.map((d) => [d.severity, d.data?.variable, d.line]), [['warning', 'BACKEND_CONTAINER', 9]]);
  assert.equal(text.slice(found[0]!.span!.start, found[0]!.span!.end), '${BACKEND_CONTAINER');
  assert.match(found[0]!.message, /\$BACKEND_CONTAINER is used here, but no earlier step/);
  const withEnv = diagnose(text, { profile: { name: 'prod', environment: new Set(['BACKEND_CONTAINER']), values: new Set() } });
  assert.equal(withEnv.filter((d) => d.code === DIAGNOSTIC_CODES.variableUndefined).length, 0);
});

test('placeholders with no value on the active profile are information, on the placeholder', () => {
  const text = 'Replace `<manager-ip>` with the address of the manager node.\n\n```bash\nssh admin@<manager-ip> uptime\n```\n';
  const found = diagnose(text).filter((d) => d.code === DIAGNOSTIC_CODES.placeholderNoValue);
  assert.equal(found.length, 1);
  assert.equal(found[0]!.severity, 'information');
  assert.equal(text.slice(found[0]!.span!.start, found[0]!.span!.end), '<manager-ip>');
  assert.match(found[0]!.message, /<manager-ip> has no value on profile "local".*The doc says: Replace/);
  assert.deepEqual(found[0]!.data, { placeholder: 'manager-ip', profile: 'local' });
  const withValue = diagnose(text, { profile: { name: 'staging', environment: new Set(), values: new Set(['manager-ip']) } });
  assert.equal(withValue.filter((d) => d.code === DIAGNOSTIC_CODES.placeholderNoValue).length, 0);
});

test('a risky step the doc does not warn about is a hint; one it warns about is not', () => {
  const silent = diagnose('## Tidy\n\n```bash\nrm -rf /var/cache/app\n```\n').filter((d) => d.code === DIAGNOSTIC_CODES.riskUnannounced);
  assert.equal(silent.length, 1);
  assert.equal(silent[0]!.severity, 'hint');
  assert.equal(silent[0]!.line, 2);
  assert.match(silent[0]!.message, /destructive \(rm -rf \/var\/cache\/app\)/);
  const warned = diagnose('## Tidy\n\n> [!WARNING]\n> This deletes the cache.\n\n```bash\nrm -rf /var/cache/app\n```\n');
  assert.equal(warned.filter((d) => d.code === DIAGNOSTIC_CODES.riskUnannounced).length, 0);
});

test('runs older than staleAfterDays are information on their own note line; 0 turns it off', () => {
  let text = '## A\n\n```bash\necho a\n```\n';
  for (const [profile, at] of [['local', '2026-11-24T10:00:00.000Z'], ['staging', '2026-09-01T10:00:00.000Z']] as const) {
    const rb = parseRunbook(text, { path: 'x.md' });
    text = applyEdit(text, upsertNote(text, rb, 0, { status: 'passed', exitCode: 0, durationMs: 5, profile, at, by: 'me', codeHash: 'x', step: rb.steps[0]!.name }).edit);
  }
  const found = diagnose(text).filter((d) => d.code === DIAGNOSTIC_CODES.noteStale);
  assert.equal(found.length, 1);
  assert.equal(found[0]!.data?.profile, 'staging');
  assert.match(text.split('\n')[found[0]!.line]!, /^> - ✅ \*\*passed\*\* on `staging`/);
  assert.match(found[0]!.message, /85 days ago/);
  assert.equal(diagnose(text, { staleAfterDays: 0 }).filter((d) => d.code === DIAGNOSTIC_CODES.noteStale).length, 0);
});

test('diagnostics come in line order and never for blocks that do not run', () => {
  const found = diagnose('```text\nrm -rf / <x> $NOPE\n```\n\n```bash\nrm -rf /tmp/<x>\n```\n');
  assert.ok(found.every((d) => d.line >= 4));
  const lines = found.map((d) => d.line);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
});

test('a variable set on a host the session has left is a warning on the use; where it stays, none', () => {
  const doc = [
    '```bash', 'ssh admin@<worker-ip>', 'export C=$(docker ps -q | head -1)', '```',
    '```bash', 'docker logs $C', '```',
    '```bash', 'ssh admin@<manager-ip>', 'docker service ps api', '```',
    '```bash', 'docker exec $C ls', '```',
    '```bash', 'exit', '```',
    '```bash', 'echo "[$C]"', '```', '',
  ].join('\n');
  const found = diagnose(doc).filter((d) => d.code === DIAGNOSTIC_CODES.variableElsewhere);
  assert.deepEqual(found.map((d) => d.line), [12, 18], 'not on line 5, which still runs on the worker');
  assert.match(found[0]!.message, /^\$C is set on admin@<worker-ip> by step "step" \(line 1\), but this step runs on admin@<manager-ip>: the session left admin@<worker-ip> at line 9, where \$C has no value\.$/);
  assert.match(found[1]!.message, /but this step runs on the profile's target \(local\)/);
  assert.equal(diagnose('```bash\nexport C=1\n```\n```bash\necho $C\n```\n').filter((d) => d.code === DIAGNOSTIC_CODES.variableElsewhere).length, 0);
});
