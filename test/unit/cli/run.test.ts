// `opsdoc run` end to end against a real bash: selection, state across steps, notes,
// history, exit codes, and the gates that refuse before anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '../../../src/cli';
import { parseNotes } from '../../../src/core/notes/notes';

const capture = async (argv: string[]) => {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => (out += s), err: (s) => (err += s) });
  return { code, out, err };
};

/** A workspace folder with a runbook and optional profiles. */
function workspace(doc: string, profiles?: string): { root: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-run-'));
  mkdirSync(join(root, '.opsdoc'));
  if (profiles) writeFileSync(join(root, '.opsdoc', 'profiles.json'), profiles);
  const file = join(root, 'runbook.md');
  writeFileSync(file, doc);
  return { root, file };
}

test('the example runbook runs on local, state carries over, notes land and are replaced, not duplicated', async () => {
  const original = readFileSync(resolve(__dirname, '../../../examples/local-workspace.md'), 'utf8');
  const { root, file } = workspace(original);
  const first = await capture(['run', file, '--all', '--var', 'release-tag=v1.2.3', '--yes', '--write-notes']);
  assert.equal(first.code, 0, first.err + first.out);
  assert.match(first.out, /release v1\.2\.3 prepared by/);
  assert.match(first.out, /RELEASE/, 'the step after the export saw $WORKDIR');
  const afterFirst = readFileSync(file, 'utf8');
  assert.equal(parseNotes(afterFirst).length, 5);
  const second = await capture(['run', file, '--all', '--var', 'release-tag=v1.2.4', '--yes', '--write-notes']);
  assert.equal(second.code, 0, second.err);
  const afterSecond = readFileSync(file, 'utf8');
  const notes = parseNotes(afterSecond);
  assert.equal(notes.length, 5);
  assert.ok(notes.every((n) => n.outcomes.length === 1 && n.outcomes[0]!.profile === 'local' && n.outcomes[0]!.status === 'passed'));
  // Outside the notes, every byte is the original's.
  const rebuilt = afterSecond.replace(/\n\n<!-- opsdoc:note[\s\S]*?<!-- \/opsdoc:note -->/g, '');
  assert.equal(rebuilt, original);
  const history = readFileSync(join(root, '.opsdoc', 'history.jsonl'), 'utf8').trim().split('\n');
  assert.equal(history.length, 10);
  assert.equal(JSON.parse(history[0]!).doc, 'runbook.md');
  assert.match(readFileSync(join(root, '.opsdoc', '.gitignore'), 'utf8'), /^history\.jsonl$/m);
});

test('a failing step stops the run with its exit code; later steps do not run', async () => {
  const { file } = workspace('# T\n## A\n```bash\necho one\n```\n## B\n```bash\necho two; exit 7\n```\n## C\n```bash\necho three\n```\n');
  const r = await capture(['run', file, '--all', '--no-history']);
  assert.equal(r.code, 7);
  assert.match(r.out, /one/);
  assert.doesNotMatch(r.out, /three/);
});

test('a step over its timeout stops the run with 124 (as timeout(1)), not the 130 of Ctrl-C', { timeout: 30_000 }, async () => {
  const { file } = workspace('# T\n## Slow\n```bash { timeout=1s }\nsleep 30\n```\n## Never\n```bash\necho never\n```\n');
  const r = await capture(['run', file, '--all', '--no-history']);
  assert.equal(r.code, 124, r.err + r.out);
  assert.match(r.out, /✗ timed-out · exit - · [\d.]+ s · timed out after 1\.0 s\n/);
  assert.doesNotMatch(r.out, /never/);
});

test('missing placeholder values without a terminal: refused before anything runs, listing them', async () => {
  const { file } = workspace('# T\n```bash\ntouch ran.txt\nssh admin@<manager-ip> uptime\n```\n');
  const r = await capture(['run', file, '--all', '--no-history']);
  assert.equal(r.code, 2);
  assert.match(r.err, /no value for <manager-ip>/);
  assert.equal(existsSync(join(file, '..', 'ran.txt')), false);
});

test('risky steps need --yes without a terminal; protected profiles need their name; the doc can forbid production', async () => {
  const doc = '# T\n## Wipe (Destructive)\n```bash\necho wiping\n```\n## Seed\n> **Never** run this against production.\n\n```bash\necho seeding\n```\n';
  const profiles = '{ "profiles": { "prod": { "target": { "type": "local" }, "protected": true } } }';
  const { file } = workspace(doc, profiles);
  let r = await capture(['run', file, '--step', 'wipe-destructive', '--no-history']);
  assert.equal(r.code, 2);
  assert.match(r.err, /needs confirmation[\s\S]*Destructive/);
  r = await capture(['run', file, '--step', 'wipe-destructive', '--yes', '--no-history']);
  assert.equal(r.code, 0);
  r = await capture(['run', file, '--step', 'wipe-destructive', '--profile', 'prod', '--yes', '--no-history']);
  assert.equal(r.code, 2);
  assert.match(r.err, /protected profile: pass --confirm-profile=prod/);
  r = await capture(['run', file, '--step', 'wipe-destructive', '--profile', 'prod', '--yes', '--confirm-profile=prod', '--no-history']);
  assert.equal(r.code, 0, r.err);
  r = await capture(['run', file, '--step', 'seed', '--profile', 'prod', '--yes', '--confirm-profile=prod', '--no-history']);
  assert.equal(r.code, 2);
  assert.match(r.err, /blocked on protected profile "prod": the doc says "\*\*Never\*\* run this against production\."/);
});

test('sql steps run through the profile\'s client for their language on the same target', async () => {
  const profiles = '{ "profiles": { "local": { "target": { "type": "local" }, "languages": { "sql": "tr a-z A-Z" } } } }';
  const { file } = workspace('# T\n```sql\nselect 1;\n```\n', profiles);
  const r = await capture(['run', file, '--all', '--no-history']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /SELECT 1;/);
});

test('usage and profile errors exit 2 with a clear message', async () => {
  const { file } = workspace('# T\n```bash\necho x\n```\n', '{ "profiles": { "broken": { "target": { "type": "ssh" } } } }');
  let r = await capture(['run', file]);
  assert.equal(r.code, 2);
  assert.match(r.err, /say which steps/);
  r = await capture(['run', file, '--all']);
  assert.equal(r.code, 2);
  assert.match(r.err, /profiles\.json:\d+:\d+: error/);
  r = await capture(['run', join(file, '..', 'nope.md'), '--all']);
  assert.equal(r.code, 2);
  assert.match(r.err, /cannot read .*nope\.md: no such file/);
});

test('secret values never reach the output, the note or the history', async () => {
  const profiles = '{ "profiles": { "local": { "target": { "type": "local" }, "secrets": { "API_TOKEN": { "env": "OPSDOC_TEST_SECRET" } } } } }';
  const { root, file } = workspace('# T\n```bash\necho "token is $API_TOKEN and pw is <db-password>"\nfalse\n```\n', profiles);
  process.env['OPSDOC_TEST_SECRET'] = 's3cr3t-value-123';
  try {
    const r = await capture(['run', file, '--all', '--var', 'db-password=hunter2-pw', '--write-notes']);
    assert.equal(r.code, 1);
    for (const where of [r.out, readFileSync(file, 'utf8'), readFileSync(join(root, '.opsdoc', 'history.jsonl'), 'utf8')]) {
      assert.doesNotMatch(where, /s3cr3t-value-123|hunter2-pw/);
    }
    assert.match(r.out, /token is •+ and pw is •+/);
  } finally {
    delete process.env['OPSDOC_TEST_SECRET'];
  }
});

test('a block split by environment: the part for the profile runs; on a profile for no part it is refused by name and skipped by --all', async () => {
  const doc = '# Roll back\n\n```bash\n# for staging\necho staging-part\n# production:\necho production-part\n```\n\n## After\n\n```bash\necho after\n```\n';
  const { file } = workspace(doc, JSON.stringify({ profiles: { local: { target: { type: 'local' } }, staging: { target: { type: 'local' } } } }));
  const staging = await capture(['run', file, '--step', 'roll-back', '--profile', 'staging', '--no-history']);
  assert.equal(staging.code, 0, staging.err);
  assert.match(staging.out, /staging-part/);
  assert.doesNotMatch(staging.out, /production-part/);
  assert.match(staging.out, /lines 6-7 left out: for production \(“# production:”\)/);
  const byName = await capture(['run', file, '--step', 'roll-back', '--profile', 'local', '--no-history']);
  assert.equal(byName.code, 2);
  assert.match(byName.err, /does not run on local: its lines are meant for staging .*production .*none for local/);
  assert.doesNotMatch(byName.out, /-part/);
  const all = await capture(['run', file, '--all', '--profile', 'local', '--no-history']);
  assert.equal(all.code, 0, all.err);
  assert.match(all.err, /skipping "roll-back"/);
  assert.match(all.out, /after/);
  assert.doesNotMatch(all.out, /-part\n/);
});

test('the cwd attribute: the step runs there (relative to the doc), and the next step is back where the session was', async () => {
  const { root, file } = workspace('# T\n## In sub\n```bash {cwd=sub}\npwd\ncd /\n```\n## After\n```bash\npwd\n```\n## Missing\n```bash {cwd=nowhere}\necho ran\n```\n');
  mkdirSync(join(root, 'sub'));
  const r = await capture(['run', file, '--step', 'in-sub', '--step', 'after', '--no-history']);
  assert.equal(r.code, 0, r.err + r.out);
  const lines = r.out.split('\n');
  assert.ok(lines.includes(join(root, 'sub')), r.out);
  assert.ok(lines.includes(root), 'the next step is back where the session started: the runbook\'s tree');
  const missing = await capture(['run', file, '--step', 'missing', '--no-history']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.out, /cannot enter .*nowhere \(the step's cwd\)/);
  assert.doesNotMatch(missing.out, /^ran$/m);
});

test('a local session starts in the runbook\'s tree, wherever opsdoc was started; the profile\'s cwd is taken from there; the first line says where', async () => {
  const { root, file } = workspace('# T\n```bash\npwd\n```\n');
  mkdirSync(join(root, 'docs'));
  const nested = join(root, 'docs', 'nested.md');
  writeFileSync(nested, '# N\n```bash\npwd\n```\n');
  assert.notEqual(process.cwd(), root, 'this test runs opsdoc from another folder');
  const r = await capture(['run', nested, '--all', '--no-history']);
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.split('\n').includes(root), `the step ran in ${root}, the folder of .opsdoc/: ${r.out}`);
  assert.match(r.out.split('\n')[0]!, new RegExp(`^── session: local: .*, in ${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  writeFileSync(join(root, '.opsdoc', 'profiles.json'), '{ "profiles": { "local": { "target": { "type": "local", "cwd": "docs" } } } }');
  const own = await capture(['run', file, '--all', '--no-history']);
  assert.ok(own.out.split('\n').includes(join(root, 'docs')), own.out);
});
