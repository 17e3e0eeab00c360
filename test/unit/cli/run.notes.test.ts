// `opsdoc run --write-notes` from several real processes at once (the built CLI), as in the
// security report: ten runs on ten profiles into one doc must leave ten notes and the doc intact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseNotes } from '../../../src/core/notes/notes';
import { skipOutsideCi } from '../../support/testEnv';

const CLI = resolve(__dirname, '../../../dist/cli.js');

function runCli(args: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const proc = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
    proc.on('close', (code) => done({ code, out, err }));
  });
}

test('10 `opsdoc run --write-notes` at once on 10 profiles: 10 notes, 10 history lines, every other byte intact', { timeout: 120_000 }, async (t) => {
  if (!existsSync(CLI)) return skipOutsideCi(t, 'dist/cli.js (npm run build)');
  const root = mkdtempSync(join(tmpdir(), 'opsdoc-run-notes-'));
  mkdirSync(join(root, '.opsdoc'));
  const profiles = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`p${i}`, { target: { type: 'local' } }]));
  writeFileSync(join(root, '.opsdoc', 'profiles.json'), JSON.stringify({ profiles }));
  const sections = Array.from({ length: 4000 }, (_, i) => `## Section ${i}\n\n${'Prose that makes the doc big. '.repeat(6)}\n\n\`\`\`bash\necho step ${i}\n\`\`\`\n\n`);
  const original = `# Big\n\n${sections.join('')}`;
  const file = join(root, 'doc.md');
  writeFileSync(file, original);
  const runs = await Promise.all(Array.from({ length: 10 }, (_, i) => runCli(['run', 'doc.md', '--step', 'section-7', '--write-notes', '--profile', `p${i}`], root)));
  for (const r of runs) {
    assert.equal(r.code, 0, r.err + r.out);
    assert.equal(r.err, '', 'no "note not written", no "no longer in the doc"');
  }
  const after = readFileSync(file, 'utf8');
  const notes = parseNotes(after);
  assert.equal(notes.length, 1);
  assert.deepEqual(notes[0]!.outcomes.map((o) => o.profile).sort(), Array.from({ length: 10 }, (_, i) => `p${i}`));
  assert.equal(after.replace(/\n\n<!-- opsdoc:note[^]*?<!-- \/opsdoc:note -->/, ''), original);
  const history = readFileSync(join(root, '.opsdoc', 'history.jsonl'), 'utf8').trim().split('\n');
  assert.equal(history.length, 10);
  assert.deepEqual(history.map((l) => (JSON.parse(l) as { profile: string }).profile).sort(), Array.from({ length: 10 }, (_, i) => `p${i}`));
  assert.deepEqual(readdirSync(root).sort(), ['.opsdoc', 'doc.md'], 'no temporary file and no lock left behind');
});
