import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lintCommand, type LintProblem } from '../../../src/cli/lint';

const capture = (argv: string[], now?: number) => {
  let out = '';
  let err = '';
  const code = lintCommand(argv, { out: (s) => (out += s), err: (s) => (err += s) }, now);
  return { code, out, err };
};

function doc(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'opsdoc-lint-'));
  const file = join(dir, 'runbook.md');
  writeFileSync(file, text);
  return file;
}

test('errors exit 1 with file:line and a stable code; warnings alone exit 0', () => {
  const broken = doc('# T\n```sh { name="x }\necho $NOWHERE\n```\n');
  const r = capture([broken]);
  assert.equal(r.code, 1);
  assert.match(r.out, /runbook\.md:2: error: .* \[attributes-malformed\]/);
  assert.match(r.out, /runbook\.md:3: warning: \$NOWHERE .* \[variable-undefined\]/);
  const fine = doc('# T\n```sh\necho $NOWHERE\n```\n');
  assert.equal(capture([fine]).code, 0);
});

test('--format json gives the problems with 1-based lines and step names', () => {
  const file = doc('# Deploy\n```bash\nssh admin@<host> uptime\n```\n');
  const r = capture(['--format', 'json', file]);
  assert.equal(r.code, 0);
  const problems = JSON.parse(r.out) as LintProblem[];
  assert.deepEqual(problems.map((p) => [p.line, p.code, p.step]), [[3, 'placeholder-no-value', 'deploy']]);
});

test('--max-age flags steps that never passed or passed too long ago', () => {
  const note = (at: string) => `<!-- opsdoc:note step=a -->\n\n> - ✅ **passed** on \`local\` <!-- opsdoc:outcome profile=local status=passed exit=0 ms=5 at=${at} by=me code=0000000000000000 -->\n\n<!-- /opsdoc:note -->\n`;
  const now = Date.parse('2026-11-25T00:00:00Z');
  const file = doc(`# T\n## A\n\`\`\`bash\necho a\n\`\`\`\n\n${note('2026-11-20T00:00:00.000Z')}\n## B\n\`\`\`bash\necho b\n\`\`\`\n`);
  let problems = JSON.parse(capture(['--format=json', '--max-age', '90d', file], now).out) as LintProblem[];
  assert.deepEqual(problems.map((p) => [p.code, p.step]), [['never-passed', 'b']]);
  problems = JSON.parse(capture(['--format=json', '--max-age', '2d', file], now).out) as LintProblem[];
  assert.deepEqual(problems.map((p) => [p.code, p.step, p.message]), [['pass-too-old', 'a', 'Step "a" last passed 5 days ago.'], ['never-passed', 'b', 'Step "b" has no passing run recorded.']]);
});

test('usage errors and unreadable paths exit 2', () => {
  assert.equal(capture(['--format', 'xml']).code, 2);
  assert.equal(capture(['--max-age', 'soon']).code, 2);
  const r = capture([join(tmpdir(), 'no-such-runbook.md')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot read .*no-such-runbook\.md: no such file/);
});
