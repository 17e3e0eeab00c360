// The JUnit XML of `opsdoc check --junit` against schemas/junit.xsd (the common Jenkins/Ant
// JUnit shape plus GitLab's file/line), validated by a real XML Schema validator: Debian's
// xmllint (package libxml2-utils, installed by scripts/test-env.sh). Without xmllint these
// tests skip with the reason, except under CI, where they fail.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { renderJUnit, type CheckSuite } from '../../../../src/core/outcome/junit';
import { checkCommand } from '../../../../src/cli/check';
import { skipOutsideCi } from '../../../support/testEnv';

const SCHEMA = resolve(__dirname, '../../../../schemas/junit.xsd');

let probed: string | undefined | null = null;
/** Why xmllint cannot be used here, or undefined when it can. */
function xmllintMissing(): string | undefined {
  if (probed === null) {
    const r = spawnSync('xmllint', ['--version'], { encoding: 'utf8' });
    probed = r.error ? `xmllint is not installed (${(r.error as NodeJS.ErrnoException).code}); install libxml2-utils (scripts/test-env.sh up does)` : undefined;
  }
  return probed;
}

/** True when xmllint is there; otherwise skips the test (fails it under CI). */
function needXmllint(t: TestContext): boolean {
  const missing = xmllintMissing();
  if (!missing) return true;
  skipOutsideCi(t, `xmllint: ${missing}`);
  return false;
}

function tempDir(t: TestContext, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Validates `xml` (written as UTF-8, as `opsdoc check` writes it) against the schema. */
function validate(t: TestContext, xml: string): { ok: boolean; messages: string } {
  const file = join(tempDir(t, 'opsdoc-junit-'), 'junit.xml');
  writeFileSync(file, xml);
  return validateFile(file);
}

function validateFile(file: string): { ok: boolean; messages: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', SCHEMA, file], { encoding: 'utf8' });
  return { ok: r.status === 0, messages: `${r.stdout}${r.stderr}`.trim() };
}

/** The string value of an XPath expression over `xml` (xmllint's own parser reads it back). */
function xpath(t: TestContext, xml: string, expression: string): string {
  const file = join(tempDir(t, 'opsdoc-junit-'), 'junit.xml');
  writeFileSync(file, xml);
  const r = spawnSync('xmllint', ['--xpath', expression, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `xmllint --xpath ${expression}: ${r.stderr}`);
  return r.stdout.replace(/\n$/, ''); // xmllint ends its answer with a newline
}

/** What XML 1.0 cannot hold: C0 controls but tab, LF and CR, and U+FFFE/U+FFFF. */
// eslint-disable-next-line no-control-regex
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

const NASTY = [
  'control \u0000\u0001\u0007\u0008\u000b\u000c\u001b[31mred\u001b[0m \u007f',
  'cdata end ]]> and ]] > and <![CDATA[ x ]]>',
  `quotes "double" 'single' & ampersand &amp; <tag attr="v">`,
  'tab\there, CRLF\r\nand LF\nend',
  'non-ASCII: é ß 日本語 🚀 \u2028 \uFFFE\uFFFF',
].join('\n');

const SUITES: CheckSuite[] = [
  {
    path: 'docs/Database Operations.md',
    cases: [
      { name: 'set-up', line: 5, status: 'passed', durationMs: 12.4 },
      { name: 'with-output', line: 9, status: 'passed', durationMs: 3, output: 'hello world\n' },
      { name: 'migrate', line: 14, status: 'failed', durationMs: 1530, message: 'failed (exit 3): "psql" <refused> & ]]>', output: NASTY },
      { name: 'after', line: 20, status: 'skipped', durationMs: 0, message: 'skipped after "migrate" failed' },
    ],
  },
  { path: 'ops/ünïcode & "quotes" <x>.md', cases: [{ name: 'näme-"q"', line: 1, status: 'skipped', durationMs: 0, message: NASTY }] },
  { path: 'empty.md', cases: [] },
];

test('renderJUnit: passed, failed, skipped and output with nasty characters validate against schemas/junit.xsd', (t) => {
  if (!needXmllint(t)) return;
  const xml = renderJUnit(SUITES, new Date('2026-11-25T10:00:00.123Z'));
  const v = validate(t, xml);
  assert.ok(v.ok, `${v.messages}\n${xml}`);
  assert.match(v.messages, /validates$/);
});

test('renderJUnit: what a parser reads back is what was rendered (control characters replaced, nothing else changed)', (t) => {
  if (!needXmllint(t)) return;
  const xml = renderJUnit(SUITES, new Date('2026-11-25T10:00:00.123Z'));
  // What XML cannot hold becomes U+FFFD; parsers normalise a CR LF line end to LF.
  const expected = NASTY.replace(XML_INVALID, '\uFFFD').replace(/\r\n/g, '\n');
  assert.equal(xpath(t, xml, 'string(//testcase[@name="migrate"]/system-out)'), expected);
  assert.equal(xpath(t, xml, 'string(//testcase[@name="migrate"]/failure/@message)'), 'failed (exit 3): "psql" <refused> & ]]>');
  assert.equal(xpath(t, xml, 'string(//testcase[@name="migrate"]/failure)'), `failed (exit 3): "psql" <refused> & ]]>\ndocs/Database Operations.md:14\n\n${expected}`);
  // In attributes, newlines and tabs are kept as character references (not normalised away).
  assert.equal(xpath(t, xml, 'string(//testsuite[2]/testcase/skipped/@message)'), NASTY.replace(XML_INVALID, '\uFFFD'));
  assert.equal(xpath(t, xml, 'string(//testsuite[2]/@name)'), 'ops/ünïcode & "quotes" <x>.md');
  assert.equal(xpath(t, xml, 'string(//testsuite[2]/testcase/@name)'), 'näme-"q"');
  assert.equal(xpath(t, xml, 'string(//testsuite[1]/@timestamp)'), '2026-11-25T10:00:00');
  assert.equal(xpath(t, xml, 'string(//testcase[@name="migrate"]/@time)'), '1.530');
  assert.equal(xpath(t, xml, 'string(/testsuites/@tests)'), '5');
});

test('renderJUnit: a lone surrogate, a negative or a NaN duration still give a valid file', (t) => {
  if (!needXmllint(t)) return;
  const xml = renderJUnit([{
    path: 'a.md',
    cases: [
      { name: 'clock-went-back', line: 2, status: 'failed', durationMs: -5, message: 'failed (exit 1)', output: 'cut in half: \uD83D' },
      { name: 'no-clock', line: 6, status: 'passed', durationMs: Number.NaN },
    ],
  }]);
  const v = validate(t, xml);
  assert.ok(v.ok, `${v.messages}\n${xml}`);
  assert.equal(xpath(t, xml, 'string(//testcase[@name="clock-went-back"]/@time)'), '0.000');
  assert.equal(xpath(t, xml, 'string(/testsuites/@time)'), '0.000');
});

test('a real `opsdoc check --profile local --junit` run writes a file that validates', async (t) => {
  if (!needXmllint(t)) return;
  const root = tempDir(t, 'opsdoc-check-junit-');
  mkdirSync(join(root, '.opsdoc'));
  const doc = join(root, 'deploy-check.md');
  writeFileSync(doc, [
    '# Deploy check', '',
    '## Greet', '```bash', 'echo "hello & \\"friends\\" ]]> 1 < 2"; printf \'bell:\\a esc:\\033[1m é\\n\'', '```', '',
    '## Not in run-all', '```bash { excludeFromRunAll=true }', 'echo never-in-check', '```', '',
    '## Break', '```bash', 'echo "about to fail" >&2; (exit 3)', '```', '',
    '## After', '```bash', 'echo after', '```', '',
  ].join('\n'));
  const junit = join(root, 'out', 'junit.xml');
  let out = '';
  let err = '';
  const code = await checkCommand([doc, '--profile', 'local', '--junit', junit, '--no-history'], { out: (s) => (out += s), err: (s) => (err += s) });
  assert.equal(code, 1, `${out}${err}`);
  assert.match(out, /1 passed, 1 failed, 1 skipped/);
  const v = validateFile(junit);
  const xml = readFileSync(junit, 'utf8');
  assert.ok(v.ok, `${v.messages}\n${xml}`);
  assert.equal(xpath(t, xml, 'count(//testcase)'), '3');
  assert.equal(xpath(t, xml, 'string(//testcase[@name="break"]/failure/@message)'), 'failed (exit 3): line 15: about to fail');
  assert.equal(xpath(t, xml, 'string(//testcase[@name="break"]/@line)'), '14');
  assert.equal(xpath(t, xml, 'string(//testcase[@name="after"]/skipped/@message)'), 'skipped after "break" failed');
  assert.equal(xpath(t, xml, 'count(//testcase[@name="not-in-run-all"])'), '0');
  assert.match(xpath(t, xml, 'string(//testcase[@name="greet"]/system-out)'), /^hello & "friends" \]\]> 1 < 2\nbell:\uFFFD esc:\uFFFD\[1m é\n$/);
});

// The schema is not a rubber stamp: each broken variant of a valid document is rejected.
const VALID = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="opsdoc check" tests="2" failures="1" errors="0" skipped="0" time="0.010">
  <testsuite name="a.md" tests="2" failures="1" errors="0" skipped="0" time="0.010" timestamp="2026-11-25T10:00:00">
    <testcase name="ok" classname="a.md" file="a.md" line="3" time="0.002"/>
    <testcase name="bad" classname="a.md" file="a.md" line="7" time="0.008">
      <failure message="failed (exit 1)" type="StepFailed">failed (exit 1)</failure>
      <system-out>out</system-out>
    </testcase>
  </testsuite>
</testsuites>
`;

const BROKEN: [string, (xml: string) => string, RegExp][] = [
  ['an unknown element', (x) => x.replace('<failure ', '<failed ').replace('</failure>', '</failed>'), /failed.*not expected/],
  ['a non-numeric time', (x) => x.replace('time="0.002"', 'time="2ms"'), /time.*'2ms' is not a valid value/],
  ['a testcase without a name', (x) => x.replace('<testcase name="ok" ', '<testcase '), /attribute 'name' is required/],
  ['a blank suite name', (x) => x.replace('<testsuite name="a.md"', '<testsuite name="  "'), /attribute 'name'.*underruns the allowed minimum length/],
  ['a negative count', (x) => x.replace('<testsuite name="a.md" tests="2" failures="1"', '<testsuite name="a.md" tests="2" failures="-1"'), /failures.*not a valid value/],
  ['line 0', (x) => x.replace('line="3"', 'line="0"'), /line.*not a valid value/],
  ['a timestamp with a zone', (x) => x.replace('timestamp="2026-11-25T10:00:00"', 'timestamp="2026-11-25T10:00:00Z"'), /attribute 'timestamp'.*not accepted by the pattern/],
  ['an unknown attribute', (x) => x.replace('<testcase name="ok" ', '<testcase name="ok" status2="x" '), /status2.*not allowed/],
  ['system-out before the failure', (x) => x.replace(/(<failure[^\n]*\n)(\s*<system-out>out<\/system-out>\n)/, '$2$1'), /failure.*not expected/],
  ['a testcase outside a testsuite', (x) => x.replace('  <testsuite name="a.md"', '  <testcase name="x"/>\n  <testsuite name="a.md"'), /Element 'testcase': This element is not expected/],
  ['a single <testsuite> root', (x) => x.replace(/<testsuites[^>]*>\n/, '').replace('</testsuites>\n', ''), /Element 'testsuite': No matching global declaration available for the validation root/],
  ['a raw control character (not even well-formed)', (x) => x.replace('<system-out>out', '<system-out>o\u0001ut'), /PCDATA invalid Char|invalid/i],
];

test('the schema rejects broken documents: wrong element, non-numeric time, missing name, …', async (t) => {
  if (!needXmllint(t)) return;
  const base = validate(t, VALID);
  assert.ok(base.ok, `the unbroken document must validate: ${base.messages}`);
  for (const [what, breakIt, expected] of BROKEN) {
    await t.test(what, (t) => {
      const xml = breakIt(VALID);
      assert.notEqual(xml, VALID, 'the change applied');
      const v = validate(t, xml);
      assert.equal(v.ok, false, `accepted:\n${xml}`);
      assert.match(v.messages, expected);
    });
  }
});
