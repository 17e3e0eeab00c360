// Writing notes into a doc on disk: real processes racing on one doc, a writer killed while
// holding the lock, symlinks, hard links, mode and owner, docs that are not UTF-8, a BOM,
// mixed line endings, and the history appended by several processes at once.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import {
  chmodSync, chownSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync,
  readlinkSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { buildSync } from 'esbuild';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseNotes } from '../../../src/core/notes/notes';
import { hashCode, type Outcome } from '../../../src/core/outcome/outcome';
import { writeNote } from '../../../src/runners/records';
import { rewriteDoc } from '../../../src/runners/docFile';
import { skipOutsideCi } from '../../support/testEnv';

const ROOT = resolve(__dirname, '../../..');
const CHILD = join(ROOT, 'test/support/docWriterChild.ts');

function outcome(step: string, profile = 'local'): Outcome {
  return { status: 'passed', exitCode: 0, durationMs: 5, profile, at: '2026-11-25T10:00:00.000Z', by: 'tester', codeHash: hashCode(step), step };
}

function folder(): string {
  return mkdtempSync(join(tmpdir(), 'opsdoc-docfile-'));
}

/** Removes every note (each spliced in from its fence line's ending to its end marker). */
const withoutNotes = (text: string) => text.replace(/(?:\r\n|\r|\n){2}<!-- opsdoc:note[^]*?<!-- \/opsdoc:note -->/g, '');

let bundled: string | undefined;
/**
 * test/support/docWriterChild.ts bundled into one script in a folder anyone may read: the
 * tests that write as another user must not depend on that user reading the checkout
 * (a clone under a 0700 temp folder is out of nobody's reach).
 */
function childScript(): string {
  if (bundled) return bundled;
  const dir = mkdtempSync(join(tmpdir(), 'opsdoc-docwriter-'));
  chmodSync(dir, 0o755);
  const out = join(dir, 'docWriterChild.cjs');
  buildSync({ entryPoints: [CHILD], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'silent' });
  chmodSync(out, 0o644);
  // Removed when the file's tests are done (a hook would be scoped to whichever test asked first).
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return (bundled = out);
}

/** A child process running test/support/docWriterChild.ts, with its output lines as they come. */
function child(args: string[], options: { uid?: number; gid?: number } = {}) {
  const proc = spawn(process.execPath, [childScript(), ...args], { cwd: tmpdir(), ...options }) as ChildProcessWithoutNullStreams;
  let out = '';
  let err = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) {
      if (out.includes(w.text)) w.resolve();
      else waiters.push(w);
    }
  });
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((done) => proc.on('close', (code) => done(code)));
  return {
    proc,
    exited,
    output: () => out,
    errors: () => err,
    /** Resolves once `text` has appeared on stdout; rejects if the process ends first. */
    waitFor: (text: string) =>
      new Promise<void>((ok, fail) => {
        if (out.includes(text)) return ok();
        waiters.push({ text, resolve: ok });
        void exited.then((code) => fail(new Error(`child exited (${code}) before "${text}": ${err}`)));
      }),
  };
}

test('10 processes writing notes into one 2.4 MB doc at once: all 10 notes, every other byte intact', { timeout: 60_000 }, async () => {
  const dir = folder();
  const file = join(dir, 'big.md');
  const sections = Array.from({ length: 9000 }, (_, i) => `## Section ${i}\n\nSome prose for section ${i}, long enough to make the doc as big as the one that was cut short: ${'words and more words, '.repeat(8)}the end.\n\n\`\`\`bash\necho step ${i}\n\`\`\`\n\n`);
  const original = `# Big runbook\n\n${sections.join('')}`;
  writeFileSync(file, original);
  assert.ok(original.length > 2_000_000);
  // Half the writers on a step near the start, half near the end: each keeps every other's line.
  const steps = ['section-3', 'section-8990'];
  const writers = Array.from({ length: 10 }, (_, i) => child(['note', file, steps[i % 2]!, `profile-${i}`]));
  await Promise.all(writers.map((w) => w.waitFor('ready')));
  for (const w of writers) w.proc.stdin.end('go\n');
  const codes = await Promise.all(writers.map((w) => w.exited));
  for (const [i, w] of writers.entries()) {
    assert.equal(codes[i], 0, w.errors());
    assert.deepEqual(JSON.parse(w.output().trim().split('\n').pop()!), { written: true }, w.output());
  }
  const after = readFileSync(file, 'utf8');
  const notes = parseNotes(after);
  assert.deepEqual(notes.map((n) => n.step), steps);
  for (const [k, note] of notes.entries()) {
    assert.deepEqual(note.outcomes.map((o) => o.profile).sort(), [0, 2, 4, 6, 8].map((i) => `profile-${i + k}`));
  }
  assert.equal(withoutNotes(after), original, 'outside the notes every byte is the original');
  assert.deepEqual(readdirSync(dir), ['big.md'], 'no temporary file and no lock left behind');
});

test('a writer killed while holding the lock: its stale lock is taken over, the note is written', { timeout: 60_000 }, async () => {
  const dir = folder();
  const file = join(dir, 'doc.md');
  const doc = '# T\n\n## Step\n\n```bash\necho hi\n```\n';
  writeFileSync(file, doc);
  const holder = child(['hold', file]);
  await holder.waitFor('locked');
  const lock = `${file}.lock`;
  assert.ok(statSync(lock).isDirectory(), 'the lock is a folder next to the doc');
  holder.proc.kill('SIGKILL');
  await holder.exited;
  assert.ok(existsSync(lock), 'a killed process cannot clean up: its lock stays');
  // As if the lock's time to go stale had passed (a killed holder no longer refreshes it).
  const past = new Date(Date.now() - 60_000);
  utimesSync(lock, past, past);
  const result = await writeNote(file, outcome('step'));
  assert.deepEqual(result, { written: true });
  assert.equal(parseNotes(readFileSync(file, 'utf8'))[0]?.outcomes[0]?.profile, 'local');
  assert.equal(existsSync(lock), false, 'the lock is released after the write');
});

test('a live holder of the lock makes the writer wait; the note lands once it lets go', { timeout: 60_000 }, async () => {
  const dir = folder();
  const file = join(dir, 'doc.md');
  const doc = '# T\n\n## Step\n\n```bash\necho hi\n```\n';
  writeFileSync(file, doc);
  const holder = child(['hold', file]);
  await holder.waitFor('locked');
  let settled = false;
  const writing = writeNote(file, outcome('step')).finally(() => (settled = true));
  // While the other process holds the lock, the doc is not written.
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(settled, false);
  assert.equal(readFileSync(file, 'utf8'), doc);
  holder.proc.stdin.end();
  assert.equal(await holder.exited, 0, holder.errors());
  assert.deepEqual(await writing, { written: true });
  assert.equal(parseNotes(readFileSync(file, 'utf8')).length, 1);
});

test('through a symlink: the target gets the note, keeps its mode 0640, and the link stays a link', { timeout: 60_000 }, async () => {
  const dir = folder();
  mkdirSync(join(dir, 'real'));
  mkdirSync(join(dir, 'docs'));
  const target = join(dir, 'real', 'target.md');
  const doc = '# T\n\n## Step\n\n```bash\necho hi\n```\n\nMore.\n';
  writeFileSync(target, doc);
  chmodSync(target, 0o640);
  const link = join(dir, 'docs', 'doc.md');
  symlinkSync('../real/target.md', link);
  assert.deepEqual(await writeNote(link, outcome('step')), { written: true });
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readlinkSync(link), '../real/target.md');
  const text = readFileSync(target, 'utf8');
  assert.equal(parseNotes(text).length, 1);
  assert.equal(withoutNotes(text), doc);
  assert.equal(statSync(target).mode & 0o7777, 0o640);
  assert.deepEqual(readdirSync(join(dir, 'docs')), ['doc.md']);
  assert.deepEqual(readdirSync(join(dir, 'real')), ['target.md']);
});

/** Root is what makes other users' files here (CI runs as root: there it is never skipped). */
const asRoot = (t: TestContext): boolean => {
  if (process.getuid?.() === 0) return true;
  skipOutsideCi(t, 'root, to make files of other users and run a writer as one');
  return false;
};

test("as root: the doc keeps its owner and group (another user's doc stays theirs)", { timeout: 60_000 }, async (t) => {
  if (!asRoot(t)) return;
  const dir = folder();
  const file = join(dir, 'doc.md');
  writeFileSync(file, '# T\n\n## Step\n\n```bash\necho hi\n```\n');
  chownSync(file, 4321, 4322);
  chmodSync(file, 0o640);
  assert.deepEqual(await writeNote(file, outcome('step')), { written: true });
  const st = statSync(file);
  assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [4321, 4322, 0o640]);
  assert.equal(parseNotes(readFileSync(file, 'utf8')).length, 1);
});

test("a user who may write another user's doc but cannot give it away: written in place, owner kept", { timeout: 60_000 }, async (t) => {
  if (!asRoot(t)) return;
  const dir = folder();
  chmodSync(dir, 0o777);
  const file = join(dir, 'doc.md');
  const doc = '# T\n\n## Step\n\n```bash\necho hi\n```\n';
  writeFileSync(file, doc);
  chmodSync(file, 0o666);
  const before = statSync(file);
  // nobody:nogroup, a real other user, runs the writer.
  const writer = child(['note', file, 'step', 'nobody-profile'], { uid: 65534, gid: 65534 });
  await writer.waitFor('ready');
  writer.proc.stdin.end('go\n');
  assert.equal(await writer.exited, 0, writer.errors());
  assert.match(writer.output(), /"written":true/);
  const after = statSync(file);
  assert.deepEqual([after.uid, after.gid, after.ino, after.mode & 0o7777], [before.uid, before.gid, before.ino, 0o666]);
  assert.equal(withoutNotes(readFileSync(file, 'utf8')), doc);
});

test('a doc its owner made read-only is not replaced behind their back', { timeout: 60_000 }, async (t) => {
  if (!asRoot(t)) return;
  const dir = folder();
  chmodSync(dir, 0o777);
  const file = join(dir, 'doc.md');
  const doc = '# T\n\n## Step\n\n```bash\necho hi\n```\n';
  writeFileSync(file, doc);
  chownSync(file, 65534, 65534);
  chmodSync(file, 0o444);
  // Its owner (nobody) runs the writer: the folder would let a rename through, the mode says no.
  const writer = child(['note', file, 'step', 'p'], { uid: 65534, gid: 65534 });
  await writer.waitFor('ready');
  writer.proc.stdin.end('go\n');
  assert.equal(await writer.exited, 0, writer.errors());
  assert.match(writer.output(), /"written":false,"reason":"cannot write .*doc\.md: permission denied"/);
  assert.equal(readFileSync(file, 'utf8'), doc);
  assert.equal(statSync(file).mode & 0o7777, 0o444);
  assert.deepEqual(readdirSync(dir), ['doc.md']);
});

test('a doc with two hard links stays one file: both names show the note', { timeout: 60_000 }, async () => {
  const dir = folder();
  const file = join(dir, 'doc.md');
  const other = join(dir, 'same-doc.md');
  writeFileSync(file, '# T\n\n## Step\n\n```bash\necho hi\n```\n');
  linkSync(file, other);
  assert.deepEqual(await writeNote(file, outcome('step')), { written: true });
  assert.equal(statSync(file).ino, statSync(other).ino);
  assert.equal(statSync(file).nlink, 2);
  assert.equal(parseNotes(readFileSync(other, 'utf8')).length, 1);
});

test('a doc that is not UTF-8 is refused with one line and not one byte changes', { timeout: 60_000 }, async () => {
  const dir = folder();
  const file = join(dir, 'latin1.md');
  // "Café" in Latin-1: 0xE9 is not UTF-8.
  const bytes = Buffer.concat([Buffer.from('# Caf'), Buffer.from([0xe9]), Buffer.from('\n\n## Step\n\n```bash\necho hi\n```\n')]);
  writeFileSync(file, bytes);
  const result = await writeNote(file, outcome('step'));
  assert.equal(result.written, false);
  assert.ok(!result.written);
  assert.match(result.reason, /latin1\.md is not valid UTF-8 \(line 1, byte 0xE9\).*nothing was written/);
  assert.doesNotMatch(result.reason, /\n/);
  assert.deepEqual(readFileSync(file), bytes);
  // A truncated sequence at the very end and a lone continuation byte are caught too.
  for (const tail of [[0xe2, 0x82], [0x80], [0xed, 0xa0, 0x80]]) {
    const b = Buffer.concat([Buffer.from('# T\n\n## Step\n\n```bash\necho hi\n```\n'), Buffer.from(tail)]);
    writeFileSync(file, b);
    const r = await writeNote(file, outcome('step'));
    assert.ok(!r.written && /line 8/.test(r.reason), JSON.stringify(r));
    assert.deepEqual(readFileSync(file), b);
  }
});

test('a BOM survives, and so does every other byte', { timeout: 60_000 }, async () => {
  const dir = folder();
  const file = join(dir, 'bom.md');
  const doc = '\uFEFF# Café\n\n## Step\n\n```bash\necho “hi”\n```\n';
  writeFileSync(file, doc);
  assert.deepEqual(await writeNote(file, outcome('step')), { written: true });
  const bytes = readFileSync(file);
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const text = bytes.toString('utf8');
  assert.equal(parseNotes(text).length, 1);
  assert.equal(withoutNotes(text), doc);
});

test('a mixed-EOL doc: the CRLF fence line keeps its CRLF, every other line its own ending', { timeout: 60_000 }, async () => {
  const dir = folder();
  const file = join(dir, 'mixed.md');
  const doc = '# T\r\n\r\n## Step\n\n```bash\r\necho hi\n```\r\nAfter.\n';
  writeFileSync(file, doc);
  assert.deepEqual(await writeNote(file, outcome('step')), { written: true });
  const text = readFileSync(file, 'utf8');
  assert.match(text, /\n```\r\n\r\n<!-- opsdoc:note step=step @[^\r\n]* -->\r\n/);
  assert.equal(withoutNotes(text), doc);
});

test('nothing is written when the step is gone, the doc is missing, or the edit throws', { timeout: 60_000 }, async () => {
  const dir = folder();
  const file = join(dir, 'doc.md');
  const doc = '# T\n\n## Step\n\n```bash\necho hi\n```\n';
  writeFileSync(file, doc);
  const gone = await writeNote(file, outcome('renamed'));
  assert.ok(!gone.written && /step "renamed" is no longer in/.test(gone.reason));
  const missing = await writeNote(join(dir, 'nope.md'), outcome('step'));
  assert.ok(!missing.written && /cannot read .*nope\.md: no such file or directory/.test(missing.reason));
  const thrown = await rewriteDoc(file, () => {
    throw new Error('no thanks');
  });
  assert.deepEqual(thrown, { written: false, reason: 'no thanks' });
  assert.equal(readFileSync(file, 'utf8'), doc);
  assert.deepEqual(readdirSync(dir), ['doc.md'], 'the lock is released after a refusal too');
});

test('history.jsonl: 10 processes appending 8 KB lines at once never interleave or lose a line', { timeout: 60_000 }, async () => {
  const root = folder();
  const writers = Array.from({ length: 10 }, (_, i) => child(['history', root, '30', String.fromCharCode(97 + i)]));
  await Promise.all(writers.map((w) => w.waitFor('ready')));
  for (const w of writers) w.proc.stdin.end('go\n');
  const codes = await Promise.all(writers.map((w) => w.exited));
  writers.forEach((w, i) => assert.equal(codes[i], 0, w.errors()));
  const lines = readFileSync(join(root, '.opsdoc', 'history.jsonl'), 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'the file ends with a line ending');
  assert.equal(lines.length, 300);
  const seen = new Set<string>();
  for (const line of lines) {
    const entry = JSON.parse(line) as Outcome;
    const [prefix, n] = entry.tail!.split(':');
    assert.equal(entry.tail, `${prefix}:${n}:`.padEnd(8192, prefix![0]));
    seen.add(entry.step);
  }
  assert.equal(seen.size, 300);
});
