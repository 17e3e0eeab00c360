// `opsdoc check` against a real bash: order, skips after a failure, expect, JUnit, notes.
/* eslint-disable no-control-regex -- the live progress line is made of terminal control sequences */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../../src/cli';
import { parseNotes } from '../../../src/core/notes/notes';

const capture = async (argv: string[]) => {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
};

const GOOD = ['# Good', '## Set', '```bash', 'export GREETING=hello', '```', '## Use', '```bash', 'echo "$GREETING world"', '```', '## Refused', '```bash { expect=exit:1 }', 'false', '```', ''].join('\n');
const BAD = ['# Bad', '## First', '```bash', 'echo first', '```', '## Breaks', '```bash', 'echo breaking; false', '```', '## Never runs', '```bash', 'echo never', '```', ''].join('\n');

function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-check-'));
  mkdirSync(join(root, '.opsdoc'));
  writeFileSync(join(root, 'a-good.md'), GOOD);
  writeFileSync(join(root, 'b-bad.md'), BAD);
  return root;
}

test('a failing step is a JUnit failure at its file and line; the rest of its runbook is skipped', async () => {
  const root = workspace();
  const junit = join(root, 'out', 'junit.xml');
  const r = await capture(['check', root, '--junit', junit, '--no-history']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /4 passed, 1 failed, 1 skipped/);
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="opsdoc check" tests="6" failures="1" errors="0" skipped="1"/);
  assert.match(xml, /<testcase name="refused" classname="[^"]*a-good\.md" file="[^"]*a-good\.md" line="11"/);
  assert.match(xml, /<testcase name="breaks" classname="[^"]*b-bad\.md" file="[^"]*b-bad\.md" line="7" time="[\d.]+">\n {6}<failure message="failed \(exit 1\): line 8: breaking" type="StepFailed">/);
  assert.match(xml, /<testcase name="never-runs"[^>]*>\n {6}<skipped message="skipped after &quot;breaks&quot; failed"\/>/);
  assert.match(xml, /hello world/);
  // Every element that opens closes (well-formed at the level CI viewers need).
  for (const tag of ['testsuites', 'testsuite', 'testcase']) {
    const opens = (xml.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length;
    const selfClosed = (xml.match(new RegExp(`<${tag} [^>]*/>`, 'g')) ?? []).length;
    assert.equal((xml.match(new RegExp(`</${tag}>`, 'g')) ?? []).length, opens - selfClosed, tag);
  }
});

test('--fail-fast skips every later runbook; --json gives the results', async () => {
  const root = workspace();
  writeFileSync(join(root, 'c-later.md'), '# Later\n```bash\necho later\n```\n');
  const r = await capture(['check', root, '--fail-fast', '--json', '--no-history']);
  assert.equal(r.code, 1);
  const suites = JSON.parse(r.out) as { path: string; cases: { name: string; status: string }[] }[];
  assert.deepEqual(suites.map((s) => s.cases.map((c) => c.status)), [['passed', 'passed', 'passed'], ['passed', 'failed', 'skipped'], ['skipped']]);
});

test('two checks with --write-notes: one line per profile, updated, nothing else changed', async () => {
  const root = workspace();
  const file = join(root, 'a-good.md');
  assert.equal((await capture(['check', file, '--write-notes', '--no-history'])).code, 0);
  const once = readFileSync(file, 'utf8');
  assert.equal((await capture(['check', file, '--write-notes', '--no-history'])).code, 0);
  const twice = readFileSync(file, 'utf8');
  const notes = parseNotes(twice);
  assert.equal(notes.length, 3);
  assert.ok(notes.every((n) => n.outcomes.length === 1 && n.outcomes[0]!.status === 'passed'));
  const strip = (t: string) => t.replace(/\n\n<!-- opsdoc:note[\s\S]*?<!-- \/opsdoc:note -->/g, '');
  assert.equal(strip(once), GOOD);
  assert.equal(strip(twice), GOOD);
});

test('--dry-run prints what would run with values filled, and fails on unresolved placeholders', async () => {
  const root = workspace();
  const file = join(root, 'd-deploy.md');
  writeFileSync(file, '# Deploy\n```bash\nssh admin@<host> uptime\n```\n');
  let r = await capture(['check', file, '--dry-run']);
  assert.equal(r.code, 1);
  assert.match(r.out, /no value for <host>/);
  r = await capture(['check', file, '--dry-run', '--var', 'host=10.0.0.9']);
  assert.equal(r.code, 0);
  assert.match(r.out, /ssh admin@10\.0\.0\.9 uptime/);
});

test('unattended gates: risky steps need --yes, protected profiles need their name', async () => {
  const root = workspace();
  const file = join(root, 'e-wipe.md');
  writeFileSync(file, '# T\n## Wipe (Destructive)\n```bash\necho wiped\n```\n');
  let r = await capture(['check', file, '--no-history']);
  assert.match(r.out, /needs confirmation \(destructive\): pass --yes/);
  r = await capture(['check', file, '--yes', '--no-history']);
  assert.equal(r.code, 0);
  writeFileSync(join(root, '.opsdoc', 'profiles.json'), '{ "profiles": { "prod": { "target": { "type": "local" }, "protected": true } } }');
  r = await capture(['check', file, '--profile', 'prod', '--yes']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--confirm-profile=prod/);
});

test('a terminal gets a live progress line redrawn in place; pipes and CI get plain lines', async () => {
  const root = workspace();
  const file = join(root, 'slow.md');
  writeFileSync(file, '# Slow\n## Wait\n```bash\nsleep 0.4\n```\n## Then\n```bash\necho then\n```\n');
  let live = '';
  const code = await run(['check', file, '--no-history'], { out: (s) => (live += s), err: () => undefined, tty: { out: true } });
  assert.equal(code, 0);
  // Drawn, redrawn while the step runs (the timer ticks every 100 ms), then cleared for the result.
  const draws = live.split('\r\x1b[2K').filter((s) => s.includes('[1/2]') && s.includes('slow.md › wait'));
  assert.ok(draws.length >= 3, `the live line was redrawn while sleeping (${draws.length} draws)`);
  assert.match(live, /\[2\/2\] [^\n]*slow\.md › then \(local\)/);
  assert.match(live, /\r\x1b\[2K✓ [^\n]*slow\.md › wait \(\d+ ms\)\n/);
  const plain = await capture(['check', file, '--no-history']);
  assert.equal(plain.code, 0);
  assert.doesNotMatch(plain.out, /[\r\x1b]/, 'no control characters without a terminal');
  assert.match(plain.out, /✓ [^\n]*slow\.md › wait/);
});

test('a block split by environment: the part for the profile runs, none on a profile for no part; dry runs show it', async () => {
  const root = workspace();
  writeFileSync(join(root, '.opsdoc', 'profiles.json'), JSON.stringify({ profiles: { local: { target: { type: 'local' } }, staging: { target: { type: 'local' } } } }));
  const file = join(root, 'rollback.md');
  writeFileSync(file, '# Roll back\n```bash\n# for staging\necho staging-part\n# production:\necho production-part\n```\n');
  const onStaging = await capture(['check', file, '--profile', 'staging', '--json', '--no-history']);
  assert.equal(onStaging.code, 0, onStaging.err);
  const [suite] = JSON.parse(onStaging.out) as { cases: { status: string; output?: string }[] }[];
  assert.equal(suite!.cases[0]!.status, 'passed');
  assert.match(suite!.cases[0]!.output ?? '', /staging-part/);
  assert.doesNotMatch(suite!.cases[0]!.output ?? '', /production-part/);
  const onLocal = await capture(['check', file, '--profile', 'local', '--no-history']);
  assert.equal(onLocal.code, 0);
  assert.match(onLocal.out, /↷ [^\n]*roll-back: its lines are meant for staging \(“# for staging”, line 3\), production \(“# production:”, line 5\), none for local/);
  const dry = await capture(['check', file, '--profile', 'staging', '--dry-run']);
  assert.match(dry.out, / {4}echo staging-part\n/);
  assert.match(dry.out, / {4}· echo production-part {3}\(left out on this profile\)/);
});

test('secrets: env ones are given to the steps and hidden; a step needing an "ask" one could not run (an error, exit 1), with the reason', async () => {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-check-'));
  mkdirSync(join(root, '.opsdoc'));
  writeFileSync(join(root, '.opsdoc', 'profiles.json'), JSON.stringify({
    profiles: { local: {
      target: { type: 'local' },
      secrets: { DB_PASS: { env: 'OPSDOC_CHECK_DB_PASS' }, API_TOKEN: 'ask' },
      // A client whose command line reads the asked secret, and one that does not.
      languages: { sql: 'cat', redis: 'env AUTH="$API_TOKEN" cat' },
    } },
  }));
  const file = join(root, 'secrets.md');
  writeFileSync(file, [
    '# S', '## Env', '```bash', 'echo "len ${#DB_PASS} value $DB_PASS"', '```',
    '## Asked', '```bash {continueOnError=true}', 'curl -fsS -H "Authorization: Bearer ${API_TOKEN}" http://127.0.0.1:9/ || echo "token length ${#API_TOKEN}"', '```',
    '## Quoted', '```bash', "echo 'the $API_TOKEN text is not read'", '```',
    '## Sql', '```sql', 'select 1;', '```',
    '## Redis', '```redis', 'PING', '```', '',
  ].join('\n'));
  process.env['OPSDOC_CHECK_DB_PASS'] = 'abcdefghijklmnopq';
  try {
    const r = await capture(['check', file, '--json', '--no-history']);
    assert.equal(r.code, 1, r.err);
    const cases = (JSON.parse(r.out) as { cases: { name: string; status: string; message?: string; output?: string }[] }[])[0]!.cases;
    assert.deepEqual(cases.map((c) => [c.name, c.status]), [['env', 'passed'], ['asked', 'error'], ['quoted', 'passed'], ['sql', 'passed'], ['redis', 'error']]);
    assert.equal(cases[0]!.output, 'len 17 value ••••••\n', 'the env secret is provided (length 17), and hidden');
    assert.equal(cases[1]!.message, 'could not run: needs the secret API_TOKEN, which this profile asks for and no one can type here');
    const dry = await capture(['check', file, '--dry-run']);
    assert.match(dry.out, /asked \(line \d+\)\s+✗ cannot run: needs the secret API_TOKEN/);
    // A missing env secret is a configuration error, as for run.
    delete process.env['OPSDOC_CHECK_DB_PASS'];
    const missing = await capture(['check', file, '--no-history']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /profile "local" takes the secret DB_PASS from \$OPSDOC_CHECK_DB_PASS, which is not set/);
  } finally {
    delete process.env['OPSDOC_CHECK_DB_PASS'];
  }
});

test('--dry-run masks secret-named placeholder values and token shapes in the values it fills', async () => {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-check-'));
  const file = join(root, 'fill.md');
  writeFileSync(file, '# F\n```bash\nPGPASSWORD=<db-password> psql "<db-url>" -c "select 1"\necho <release-tag>\n```\n');
  const r = await capture(['check', file, '--dry-run', '--var', 'db-password=hunter2-pw', '--var', 'db-url=postgres://app:s3cr3t-in-url@db/app', '--var', 'release-tag=v1.2.3']);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /hunter2-pw|s3cr3t-in-url/);
  assert.match(r.out, /PGPASSWORD=•+ psql "postgres:\/\/app:•+@db\/app" -c "select 1"/);
  assert.match(r.out, /echo v1\.2\.3/);
});

test('a step over its time limit is a timeout, not a Ctrl-C: --timeout (default 10 min) unless the step or the profile sets one', { timeout: 60_000 }, async () => {
  const root = workspace();
  writeFileSync(join(root, '.opsdoc', 'profiles.json'), JSON.stringify({ profiles: { local: { target: { type: 'local' } }, patient: { target: { type: 'local' }, timeout: '3s' } } }));
  const file = join(root, 'slow.md');
  writeFileSync(file, '# Slow\n## Hang\n```bash\nsleep 30\n```\n## Own limit\n```bash { timeout=2s continueOnError=true }\nsleep 1; echo own\n```\n');
  const junit = join(root, 'junit.xml');
  const r = await capture(['check', file, '--timeout', '1s', '--junit', junit, '--no-history']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /✗ [^\n]*slow\.md › hang \([\d.]+ s\): timed out after 1\.0 s \(the default limit; a `timeout` on the step or the profile sets another\)\n/);
  assert.doesNotMatch(r.out, /130/);
  assert.match(readFileSync(junit, 'utf8'), /<testcase name="hang"[^>]*>\n {6}<failure message="timed out after 1\.0 s \(the default limit; [^"]*\)" type="StepFailed">/);
  // The profile's timeout wins over --timeout; the step's own wins over both.
  const patient = await capture(['check', file, '--profile', 'patient', '--timeout', '1s', '--json', '--no-history']);
  const [suite] = JSON.parse(patient.out) as { cases: { name: string; status: string; message?: string; output?: string }[] }[];
  assert.equal(suite!.cases[0]!.message, 'timed out after 3.0 s');
  const own = await capture(['check', file, '--step', 'own-limit', '--timeout', '500ms', '--json', '--no-history']);
  assert.equal(own.code, 0, own.err);
  const bad = await capture(['check', file, '--timeout', 'soon']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--timeout takes a duration such as 90s, 5m or 1h \(0 for none\), got "soon"/);
});
