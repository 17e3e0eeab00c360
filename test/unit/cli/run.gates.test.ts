// `opsdoc run` answers the same gate plan as the editor: a variable an unrun step sets, a
// forbid that names another command, a forbid overridden on purpose (and recorded), a forbid
// that covers a whole section. Real bash; the CLI in process.
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

const PROFILES = JSON.stringify({ default: 'local', profiles: { local: { target: { type: 'local' } }, prod: { target: { type: 'local' }, protected: true } } });

function workspace(doc: string): { root: string; file: string } {
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-gates-'));
  mkdirSync(join(root, '.opsdoc'));
  writeFileSync(join(root, '.opsdoc', 'profiles.json'), PROFILES);
  const file = join(root, 'ops.md');
  writeFileSync(file, doc);
  return { root, file };
}

const DOC = [
  '# Ops', '',
  '## Make the dir', '', '```bash', 'export WORK_DIR=/tmp', '```', '',
  '## Use the dir', '', '```bash', 'echo "dir=[$WORK_DIR]"', '```', '',
  '## Roll back', '', 'Never `prisma migrate reset` on staging or production.', '',
  '```bash', 'echo "rolled back"', '```', '',
  '```bash {name=reset}', 'echo prisma migrate reset --force', '```', '',
  '## Legacy', '', 'Do not use these procedures against the live application.', '',
  '### Inspect', '', '```bash', 'echo inspecting', '```', '',
].join('\n');

test('a step whose variable an unrun earlier step sets is refused, naming that step; run with it, it sees the value', async () => {
  const { file } = workspace(DOC);
  const alone = await capture(['run', file, '--step', 'use-the-dir', '--no-history']);
  assert.equal(alone.code, 2);
  assert.match(alone.err, /step "use-the-dir": needs \$WORK_DIR, which "make-the-dir" \(line 5\) sets, and it has not run; nothing ran/);
  assert.equal(alone.out, '', 'nothing ran (it used to run with the variable empty and pass)');
  const both = await capture(['run', file, '--step', 'make-the-dir', '--step', 'use-the-dir', '--no-history']);
  assert.equal(both.code, 0, both.err);
  assert.match(both.out, /dir=\[\/tmp\]/);
});

test('a forbid that names a command blocks only the step that runs it; an override is deliberate and recorded', async () => {
  const { root, file } = workspace(DOC);
  const rollback = await capture(['run', file, '--step', 'roll-back', '--profile', 'prod', '--confirm-profile=prod', '--no-history']);
  assert.equal(rollback.code, 0, rollback.err);
  assert.match(rollback.out, /rolled back/);
  const reset = await capture(['run', file, '--step', 'reset', '--profile', 'prod', '--confirm-profile=prod', '--yes', '--no-history']);
  assert.equal(reset.code, 2);
  assert.match(reset.err, /step "reset": blocked on protected profile "prod": the doc says "Never `prisma migrate reset` on staging or production\." \(line 17\); pass --override-forbid=reset to run it anyway/);
  const overridden = await capture(['run', file, '--step', 'reset', '--profile', 'prod', '--confirm-profile=prod', '--yes', '--override-forbid=reset', '--write-notes']);
  assert.equal(overridden.code, 0, overridden.err);
  const note = parseNotes(readFileSync(file, 'utf8')).find((n) => n.step === 'reset');
  assert.match(note?.outcomes[0]?.override ?? '', /^“Never `prisma migrate reset` on staging or production\.” \(line 17\)$/);
  assert.match(readFileSync(file, 'utf8'), /the doc's forbid overridden: “Never \\?`prisma migrate reset\\?`/);
  const history = readFileSync(join(root, '.opsdoc', 'history.jsonl'), 'utf8');
  assert.match(history, /"override":"“Never `prisma migrate reset` on staging or production\.” \(line 17\)"/);
});

test('a forbid over a whole section blocks each of its steps', async () => {
  const { file } = workspace(DOC);
  const r = await capture(['run', file, '--step', 'inspect', '--profile', 'prod', '--confirm-profile=prod', '--no-history']);
  assert.equal(r.code, 2);
  assert.match(r.err, /blocked on protected profile "prod": the doc says "Do not use these procedures against the live application\."/);
  const local = await capture(['run', file, '--step', 'inspect', '--yes', '--no-history']);
  assert.equal(local.code, 0, 'not protected: the step runs');
});
