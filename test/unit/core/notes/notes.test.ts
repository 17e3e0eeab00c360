// The note format, containers, the ends of files, and what upsert must refuse or leave alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit, findNote, NoteError, parseNotes, removeNote, renderNote, upsertNote, type NoteMode } from '../../../../src/core/notes/notes';
import { hashCode, type Outcome } from '../../../../src/core/outcome/outcome';
import { outlineWithoutNotes, outcomeFor, parse } from './support';
import { remarkTree } from '../../../../src/core/markdown/reference';

/** Writes outcomes into step `index` one after another, checking each write only splices the note. */
function write(text: string, index: number, outcomes: Partial<Outcome>[], options: { path?: string; mode?: NoteMode } = {}): string {
  const path = options.path ?? 'doc.md';
  for (const over of outcomes) {
    const rb = parse(text, path);
    const { edit } = upsertNote(text, rb, index, outcomeFor(rb.steps[index]!, over), options.mode ? { mode: options.mode } : {});
    const next = applyEdit(text, edit);
    assert.equal(next.slice(0, edit.start), text.slice(0, edit.start));
    assert.equal(next.slice(edit.start + edit.newText.length), text.slice(edit.end));
    text = next;
  }
  return text;
}

const removeAll = (text: string, path = 'doc.md'): string => {
  const rb = parse(text, path);
  for (let i = rb.steps.length - 1; i >= 0; i--) {
    const { edit } = removeNote(text, parse(text, path), i);
    if (edit) text = applyEdit(text, edit);
  }
  return text;
};

test('the format, exactly (inline)', () => {
  const doc = '# Deploy\n\n```bash {"name":"run-migrations"}\nnpm run migrate\n```\n\nDone.\n';
  const text = write(doc, 0, [
    { at: '2026-11-25T10:00:00.000Z', durationMs: 1234 },
    { profile: 'staging', status: 'failed', exitCode: 3, durationMs: 400, at: '2026-11-25T10:05:00.000Z', by: 'bob', reason: 'psql: connection refused' },
  ]);
  const hash = hashCode('npm run migrate');
  assert.equal(text, [
    '# Deploy',
    '',
    '```bash {"name":"run-migrations"}',
    'npm run migrate',
    '```',
    '',
    `<!-- opsdoc:note step=run-migrations @local=passed,0,1234,2026-11-25T10:00:00.000Z,${hash},alice @staging=failed,3,400,2026-11-25T10:05:00.000Z,${hash},bob,reason:psql:%20connection%20refused -->`,
    '',
    '> - ✅ **passed** on `local` · 1.2 s · 2026-11-25 10:00 UTC · alice',
    '> - ❌ **failed** on `staging` · exit 3 · 400 ms · psql: connection refused · 2026-11-25 10:05 UTC · bob',
    '',
    '<!-- /opsdoc:note -->',
    '',
    'Done.',
    '',
  ].join('\n'));
});

test('the format, exactly (comment mode, and MDX)', () => {
  const doc = '```sh\nmake\n```\n';
  const hash = hashCode('make');
  const comment = write(doc, 0, [{ status: 'timed-out', exitCode: null, durationMs: 30_000, reason: 'timed out after 30 s' }], { mode: 'comment' });
  assert.equal(comment, [
    '```sh', 'make', '```', '',
    `<!-- opsdoc:note step=step @local=timed-out,,30000,2026-11-25T10:00:00.000Z,${hash},alice,reason:timed%20out%20after%2030%20s -->`,
    '<!-- ⏱️ timed out on local · 30.0 s · timed out after 30 s · 2026-11-25 10:00 UTC · alice -->',
    '<!-- /opsdoc:note -->', '',
  ].join('\n'));
  const mdx = write(doc, 0, [{}], { path: 'doc.mdx' });
  assert.match(mdx, /^\{\/\* opsdoc:note step=step @local=passed,0,.* \*\/\}$/m);
  assert.match(mdx, /^> - ✅ \*\*passed\*\* on `local` · [^{]*$/m);
  assert.match(mdx, /^\{\/\* \/opsdoc:note \*\/\}$/m);
  assert.doesNotMatch(mdx, /<!--/);
});

test('renderNote is what upsert writes', () => {
  const doc = '```sh\nls\n```\n';
  const rb = parse(doc, 'doc.md');
  const outcome = outcomeFor(rb.steps[0]!);
  const { edit } = upsertNote(doc, rb, 0, outcome);
  assert.equal(edit.newText, renderNote(rb.steps[0]!.name, [outcome]));
});

test('every field comes back exactly, whatever it holds', () => {
  const odd: Outcome[] = [
    { status: 'failed', exitCode: -1, durationMs: 12.6, profile: 'prod eu--1 *x* `y` <z>', at: '2026-02-03T04:05:06.789+01:00', by: 'Zoë Ünal <zoe@example.com> --> */', codeHash: 'deadbeef', step: 'x', reason: 'line one\nline two --> */ {x} <!-- y' },
    { status: 'cancelled', exitCode: null, durationMs: 0, profile: 'a=b c%20d', at: 'not a time', by: '', codeHash: '', step: 'x' },
    { status: 'skipped', exitCode: null, durationMs: 0, profile: '日本', at: '2026-01-01T00:00:00Z', by: 'x_y_', codeHash: 'h', step: 'x', reason: 'unresolved placeholders: <manager-ip>' },
  ];
  for (const path of ['doc.md', 'doc.mdx']) {
    for (const mode of ['inline', 'comment'] as NoteMode[]) {
      let text = '# T\n\n```sh {"name":"x"}\nls\n```\n';
      for (const o of odd) text = applyEdit(text, upsertNote(text, parse(text, path), 0, o, { mode }).edit);
      const [note] = parseNotes(text, { flavor: path.endsWith('.mdx') ? 'mdx' : 'markdown' });
      assert.ok(note, `${path} ${mode}`);
      assert.deepEqual(note.outcomes, [
        { ...odd[0]!, durationMs: 13, reason: 'line one line two --> */ {x} <!-- y' },
        odd[1]!,
        odd[2]!,
      ]);
      // The odd values stay inside their comments: nothing of them renders or breaks MDX.
      assert.equal(parse(text, path).diagnostics.some((d) => d.code === 'mdx-invalid'), false);
      assert.equal(outlineWithoutNotes(text, path.endsWith('.mdx') ? 'mdx' : 'markdown'), outlineWithoutNotes('# T\n\n```sh {"name":"x"}\nls\n```\n', path.endsWith('.mdx') ? 'mdx' : 'markdown'));
    }
  }
});

test('the reason is redacted again and kept to one line; the tail never reaches the doc', () => {
  const text = write('```sh\nls\n```\n', 0, [{ reason: 'failed: postgres://app:hunter2@db/app ' + 'x'.repeat(500), tail: 'TAIL-MARKER secret output' }]);
  assert.doesNotMatch(text, /hunter2|TAIL-MARKER/);
  const [note] = parseNotes(text);
  assert.ok(note!.outcomes[0]!.reason!.length <= 200);
  assert.match(note!.outcomes[0]!.reason!, /^failed: postgres:\/\/app:••••••@db\/app x+…$/);
});

test('a fence inside a blockquote: the note carries the quote prefix and stays in it', () => {
  const doc = '> Run this:\n>\n> ```bash\n> echo hi\n> ```\n>\n> Then this.\n\nAfter.\n';
  for (const mode of ['inline', 'comment'] as NoteMode[]) {
    const text = write(doc, 0, [{}, { profile: 'staging' }], { mode });
    const noteLines = text.split('\n').slice(5, text.split('\n').indexOf('> Then this.') - 1);
    assert.ok(noteLines.length >= 4);
    for (const l of noteLines) assert.match(l, /^>( |$)/, `every note line is quoted: ${JSON.stringify(l)}`);
    assert.equal(outlineWithoutNotes(text, 'markdown'), outlineWithoutNotes(doc, 'markdown'));
    assert.equal(removeAll(text), doc);
  }
  // The outline comparison does catch a note that breaks out of the quote.
  const broken = doc.replace('> ```\n', '> ```\n\n<!-- opsdoc:note step=run-this -->\n<!-- /opsdoc:note -->\n');
  assert.notEqual(outlineWithoutNotes(broken, 'markdown'), outlineWithoutNotes(doc, 'markdown'));
});

test('a quote whose last line is the fence, with a paragraph straight after it, keeps that paragraph outside', () => {
  const doc = '> ```sh\n> ls\n> ```\nNot quoted.\n';
  for (const mode of ['inline', 'comment'] as NoteMode[]) {
    const text = write(doc, 0, [{}], { mode });
    assert.equal(outlineWithoutNotes(text, 'markdown'), outlineWithoutNotes(doc, 'markdown'));
    assert.match(text, /^> <!-- \/opsdoc:note -->\nNot quoted\.\n$/m);
  }
});

test('list items: indentation keeps the note in the item; a tight list stays tight', () => {
  const docs = [
    // tight, numbered, fence right under the item's text
    '1. Stop it:\n   ```bash\n   systemctl stop app\n   ```\n2. Start it:\n   ```bash\n   systemctl start app\n   ```\n3. Done\n',
    // loose
    '- Stop it:\n\n  ```bash\n  systemctl stop app\n  ```\n\n- Then start it.\n',
    // the fence opens the item
    '- ```sh\n  ls\n  ```\n- next\n',
    // a list in a quote
    '> - item\n>   ```sh\n>   ls\n>   ```\n> - next\n',
    // a tab-indented item, four backticks, tildes
    '-\tfirst\n\t````sh\n\tls\n\t````\n- ~~~sh\n  pwd\n  ~~~\n',
  ];
  for (const doc of docs) {
    for (const mode of ['inline', 'comment'] as NoteMode[]) {
      let text = doc;
      const count = parse(doc, 'doc.md').steps.length;
      assert.ok(count > 0);
      for (let i = 0; i < count; i++) text = write(text, i, [{}, { profile: 'staging' }, { durationMs: 1 }], { mode });
      assert.equal(parseNotes(text).length, count, text);
      assert.equal(outlineWithoutNotes(text, 'markdown'), outlineWithoutNotes(doc, 'markdown'), text);
      assert.deepEqual(parse(text, 'doc.md').steps.map((s) => [s.name, s.code]), parse(doc, 'doc.md').steps.map((s) => [s.name, s.code]));
      assert.equal(removeAll(text), doc);
    }
  }
});

test('a step at the very end of the file, with and without a final newline, and with CR line endings', () => {
  for (const doc of ['```sh\nls\n```\n', '```sh\nls\n```', '```sh\r\nls\r\n```', '```sh\rls\r```\r', '# T\n\n```sh\nls\n```\n\n\n']) {
    const text = write(doc, 0, [{}, { profile: 'b' }, { profile: 'b', status: 'failed', exitCode: 1 }]);
    const eol = doc.includes('\r\n') ? '\r\n' : doc.includes('\r') ? '\r' : '\n';
    assert.equal(text.endsWith(eol), doc.endsWith(eol), 'a final line ending stays as it was');
    if (eol !== '\n') assert.equal(/(?<!\r)\n/.test(text) || (eol === '\r' && text.includes('\n')), false);
    const [note] = parseNotes(text);
    assert.deepEqual(note!.outcomes.map((o) => [o.profile, o.status]), [['local', 'passed'], ['b', 'failed']]);
    assert.equal(removeAll(text), doc);
  }
});

test('mixed line endings: every line keeps its own; the note takes the ending of the line it follows', () => {
  // Mostly LF, with CRLF fence lines and a lone CR: the dominant ending (LF) must not leak
  // onto the CRLF fence line, and no other line may change.
  const doc = '# Mixed\r\n\n## A\n```sh\r\nls\n```\r\nafter a\n\n## B\n```sh\nls\n```\n\n## C\n```sh\nls\r```\rthe end\n';
  let text = doc;
  for (let i = 0; i < 3; i++) text = write(text, i, [{}, { profile: 'b' }, { profile: 'b', status: 'failed', exitCode: 1 }]);
  assert.equal(parseNotes(text).length, 3);
  // Outside the notes (each inserted from the fence line's ending to its end marker), every byte as it was.
  assert.equal(text.replace(/(?:\r\n|\r|\n){2}<!-- opsdoc:note[^]*?<!-- \/opsdoc:note -->/g, ''), doc);
  // Each note's lines use the ending of its fence line.
  assert.match(text, /```\r\n\r\n<!-- opsdoc:note step=a [^\r\n]* -->\r\n/);
  assert.match(text, /```\n\n<!-- opsdoc:note step=b [^\r\n]* -->\n/);
  assert.match(text, /```\r\r<!-- opsdoc:note step=c [^\r\n]* -->\r/);
  // Removing the notes (a whole note, and one profile's line) gives back the doc byte for byte.
  assert.equal(removeAll(text), doc);
  const rb = parse(text, 'doc.md');
  const { edit } = removeNote(text, rb, 0, { profile: 'b' });
  const oneLess = applyEdit(text, edit!);
  assert.match(oneLess, /```\r\n\r\n<!-- opsdoc:note step=a @[^\r\n]* -->\r\n/);
  assert.equal(removeAll(oneLess), doc);
});

test('adjacent steps each get their own note', () => {
  const doc = '```sh\na\n```\n```sh\nb\n```\n~~~sh\nc\n~~~';
  let text = doc;
  for (let i = 0; i < 3; i++) text = write(text, i, [{}, { profile: 'p2' }]);
  const rb = parse(text, 'doc.md');
  assert.deepEqual(rb.steps.map((s) => s.code), ['a', 'b', 'c']);
  assert.deepEqual(parseNotes(text).map((n) => [n.step, n.outcomes.length]), rb.steps.map((s) => [s.name, 2]));
  for (let i = 0; i < 3; i++) assert.equal(findNote(text, rb, i)?.step, rb.steps[i]!.name);
  assert.equal(removeAll(text), doc);
});

test('an unclosed fence is refused: a note after it would become code', () => {
  const doc = '# T\n```bash\necho a\n';
  const rb = parse(doc, 'doc.md');
  assert.throws(() => upsertNote(doc, rb, 0, outcomeFor(rb.steps[0]!)), (e: unknown) => e instanceof NoteError && e.code === 'fence-unclosed' && /no closing fence/.test(e.message));
  assert.equal(removeNote(doc, rb, 0).edit, null);
  assert.equal(findNote(doc, rb, 0), undefined);
  // Unclosed inside a quote (closed by the quote's end): refused as well.
  const quoted = '> ```sh\n> ls\n\nafter\n';
  const qrb = parse(quoted, 'doc.md');
  assert.equal(qrb.steps[0]!.closed, false);
  assert.throws(() => upsertNote(quoted, qrb, 0, outcomeFor(qrb.steps[0]!)), NoteError);
});

test('wrong step, stale runbook, another step\'s outcome: refused', () => {
  const doc = '```sh {"name":"a"}\nls\n```\n\n```sh {"name":"b"}\npwd\n```\n';
  const rb = parse(doc, 'doc.md');
  assert.throws(() => upsertNote(doc, rb, 5, outcomeFor(rb.steps[0]!)), (e: unknown) => e instanceof NoteError && e.code === 'no-such-step');
  assert.throws(() => upsertNote(doc, rb, 1, outcomeFor(rb.steps[0]!)), (e: unknown) => e instanceof NoteError && e.code === 'step-mismatch');
  assert.throws(() => upsertNote(doc, rb, 0, outcomeFor(rb.steps[0]!, { profile: '' })), (e: unknown) => e instanceof NoteError && e.code === 'invalid-outcome');
  assert.throws(() => upsertNote(doc, rb, 0, outcomeFor(rb.steps[0]!, { status: 'exploded' as never })), (e: unknown) => e instanceof NoteError && e.code === 'invalid-outcome');
  // Odd numbers are normalised rather than written unreadably.
  const odd = applyEdit(doc, upsertNote(doc, rb, 0, outcomeFor(rb.steps[0]!, { exitCode: 1.5, durationMs: Number.NaN })).edit);
  assert.deepEqual(parseNotes(odd)[0]!.outcomes.map((o) => [o.exitCode, o.durationMs]), [[null, 0]]);
  const edited = 'Intro line.\n' + doc;
  assert.throws(() => upsertNote(edited, rb, 0, outcomeFor(rb.steps[0]!)), (e: unknown) => e instanceof NoteError && e.code === 'runbook-stale');
});

test("a note that belongs to another step name is not clobbered: the step's own note goes in front", () => {
  const doc = '```sh {"name":"deploy-api"}\nmake deploy\n```\n';
  const old = write('```sh {"name":"deploy"}\nmake deploy\n```\n', 0, [{ profile: 'prod' }]);
  const oldNote = old.slice(old.indexOf('\n<!-- opsdoc'));
  const renamed = doc.trimEnd() + oldNote;
  const text = write(renamed, 0, [{}, { profile: 'staging' }]);
  assert.ok(text.endsWith(oldNote), 'the old note is byte for byte where it was');
  assert.deepEqual(parseNotes(text).map((n) => n.step), ['deploy-api', 'deploy']);
  assert.equal(findNote(text, parse(text, 'doc.md'), 0)?.outcomes.length, 2);
  // Removing the step's note leaves the other one alone too.
  const { edit } = removeNote(text, parse(text, 'doc.md'), 0);
  assert.equal(applyEdit(text, edit!), renamed);
});

test('damaged notes and notes shown in code are not notes, and are never rewritten', () => {
  const sample = '<!-- opsdoc:note step=a -->\n<!-- ✅ passed · opsdoc:outcome profile=local status=passed -->\n<!-- /opsdoc:note -->';
  const shown = '# Format\n\n```markdown\n' + sample + '\n```\n\n    ' + sample.replace(/\n/g, '\n    ') + '\n';
  assert.deepEqual(parseNotes(shown), []);
  assert.equal(parseNotes(sample).length, 1);
  for (const damage of [
    (s: string) => s.replace('<!-- /opsdoc:note -->', ''), // no end marker
    (s: string) => s.replace('<!-- /opsdoc:note -->', 'someone wrote here\n<!-- /opsdoc:note -->'), // foreign line
    (s: string) => s.replace('status=passed', 'status=exploded'), // unknown status
    (s: string) => s.replace('profile=local', 'profile=%E0%A4%A'), // bad encoding
  ]) {
    assert.deepEqual(parseNotes(damage(sample)), []);
    const doc = '```sh {"name":"a"}\nls\n```\n' + damage(sample) + '\n';
    const text = write(doc, 0, [{}]);
    assert.ok(text.endsWith('```\n' + damage(sample) + '\n') === false && text.includes(damage(sample)), 'the damaged note is kept as it was');
    assert.equal(parseNotes(text).length, 1);
  }
});

test('idempotent; one line per profile; the other profiles keep their order', () => {
  const doc = '```sh\nls\n```\n';
  const once = write(doc, 0, [{ profile: 'a' }, { profile: 'b' }, { profile: 'c' }]);
  const again = write(once, 0, [{ profile: 'c' }]);
  assert.equal(again, once);
  const updated = write(once, 0, [{ profile: 'b', status: 'failed', exitCode: 2 }]);
  assert.deepEqual(parseNotes(updated)[0]!.outcomes.map((o) => [o.profile, o.status]), [['a', 'passed'], ['b', 'failed'], ['c', 'passed']]);
  const rb = parse(once, 'doc.md');
  const { changed } = upsertNote(once, rb, 0, outcomeFor(rb.steps[0]!, { profile: 'a' }));
  assert.equal(changed, false);
});

/** A note as the first shape wrote it: each outcome's data on its own line. */
function firstShape(lines: string[]): string {
  return ['```sh', 'ls', '```', '', '<!-- opsdoc:note step=step -->', '', ...lines, '', '<!-- /opsdoc:note -->', 'after', ''].join('\n');
}
const OLD_A = '> - ✅ **passed** on `a` · exit 0 · 1.2 s · code `00000000` <!-- opsdoc:outcome profile=a status=passed exit=0 ms=1234 at=2026-11-25T10:00:00.000Z by=alice code=0000000000000000 -->';
const OLD_B = '> - ❌ **failed** on `b` · exit 3 <!-- opsdoc:outcome profile=b status=failed exit=3 ms=400 at=2026-11-25T10:05:00.000Z by=bob%20b code=0000000000000000 reason=psql:%20refused%2C%20twice -->';

test('notes in the first shape (data on each line) are read, and rewritten in the current shape on the next write', () => {
  const old = firstShape([OLD_A, OLD_B]);
  const [note] = parseNotes(old);
  assert.deepEqual(note!.outcomes.map((o) => [o.profile, o.status, o.exitCode, o.durationMs, o.by, o.reason]), [
    ['a', 'passed', 0, 1234, 'alice', undefined],
    ['b', 'failed', 3, 400, 'bob b', 'psql: refused, twice'],
  ]);
  assert.deepEqual(note!.outcomeLines, [6, 7]);
  const rewritten = write(old, 0, [{ profile: 'c' }]);
  assert.doesNotMatch(rewritten, /opsdoc:outcome/);
  assert.match(rewritten, /^<!-- opsdoc:note step=step @a=passed,0,1234,[^ ]+ @b=failed,3,400,[^ ]+,bob%20b,reason:psql:%20refused%2C%20twice @c=passed,/m);
  const [again] = parseNotes(rewritten);
  assert.deepEqual(again!.outcomes.map((o) => o.profile), ['a', 'b', 'c']);
  assert.deepEqual(again!.outcomes[1], { ...note!.outcomes[1]!, step: 'step' });
  assert.ok(rewritten.endsWith('<!-- /opsdoc:note -->\nafter\n'));
});

test('a hand-duplicated profile line collapses into one on the next write', () => {
  const duplicated = firstShape([OLD_A, OLD_B, OLD_A]);
  assert.equal(parseNotes(duplicated)[0]!.outcomes.length, 3);
  const fixed = write(duplicated, 0, [{ profile: 'a', durationMs: 1 }]);
  assert.deepEqual(parseNotes(fixed)[0]!.outcomes.map((o) => [o.profile, o.durationMs]), [['a', 1], ['b', 400]]);
  // In the current shape the data is one record per profile; a pasted second record reads as one.
  const current = write('```sh\nls\n```\n', 0, [{ profile: 'a' }]);
  const record = /@a=[^ ]+/.exec(current)![0];
  assert.equal(parseNotes(current.replace(record, `${record} ${record}`))[0]!.outcomes.length, 1);
});

test('the human lines are text only: each outcome is one short line; a line that is neither human text nor a marker makes the note damaged', () => {
  const text = write('```sh\nls\n```\n', 0, [{ profile: 'production', by: 'Alice Example' }, { profile: 'staging', status: 'failed', exitCode: 1, reason: 'line 3: psql: could not connect to server' }]);
  const human = text.split('\n').filter((l) => l.startsWith('> - '));
  assert.equal(human.length, 2);
  // What is not the reason fits in a narrow editor.
  for (const line of human) assert.ok(line.replace(' · line 3: psql: could not connect to server', '').length <= 80, `${line.length}: ${line}`);
  assert.equal(parseNotes(text.replace('> - ✅', '> - ✔️'))[0]!.outcomes.length, 2);
  assert.equal(parseNotes(text.replace('> - ✅', 'stray text'))!.length, 0);
  assert.equal(parseNotes(text.replace(/@staging=failed,1,/, '@staging=exploded,1,')).length, 0);
});

test('hostile values stay one value in the data: separators, comment closers, non-ASCII', () => {
  const nasty = 'a,b=c @x=passed,0 --> */} ü\n`x`';
  const text = write('```sh\nls\n```\n', 0, [{ profile: nasty, by: nasty, status: 'failed', exitCode: 1, reason: nasty }]);
  const marker = text.split('\n').find((l) => l.includes('opsdoc:note step'))!;
  assert.doesNotMatch(marker.slice(4, -3), /-->|--|\s@x=/);
  const [note] = parseNotes(text);
  assert.equal(note!.outcomes.length, 1);
  assert.equal(note!.outcomes[0]!.profile, nasty);
  assert.equal(note!.outcomes[0]!.by, nasty);
  assert.equal(note!.outcomes[0]!.reason, 'a,b=c @x=passed,0 --> */} ü `x`');
});

test('the mode: kept from the existing note unless asked; switching rewrites the whole note', () => {
  const doc = '```sh\nls\n```\n';
  const comment = write(doc, 0, [{ profile: 'a' }], { mode: 'comment' });
  const kept = write(comment, 0, [{ profile: 'b' }]);
  assert.equal(parseNotes(kept)[0]!.mode, 'comment');
  const inline = write(kept, 0, [{ profile: 'b' }], { mode: 'inline' });
  const [note] = parseNotes(inline);
  assert.equal(note!.mode, 'inline');
  assert.deepEqual(note!.outcomes.map((o) => o.profile), ['a', 'b']);
  assert.equal(removeAll(inline), doc);
});

test('removeNote: one profile, then the last one takes the whole note', () => {
  const doc = '# T\n\n```sh\nls\n```\n\nNext.\n';
  const text = write(doc, 0, [{ profile: 'a' }, { profile: 'b' }]);
  let rb = parse(text, 'doc.md');
  assert.equal(removeNote(text, rb, 0, { profile: 'zzz' }).edit, null);
  const onlyB = applyEdit(text, removeNote(text, rb, 0, { profile: 'a' }).edit!);
  assert.deepEqual(parseNotes(onlyB)[0]!.outcomes.map((o) => o.profile), ['b']);
  rb = parse(onlyB, 'doc.md');
  assert.equal(applyEdit(onlyB, removeNote(onlyB, rb, 0, { profile: 'b' }).edit!), doc);
  assert.equal(removeNote(doc, parse(doc, 'doc.md'), 0).edit, null);
});

test('notes are never steps, and leave the names and code of the steps around them alone', () => {
  const doc = '# Ops\n\n## Deploy\n\n```bash\nmake deploy\n```\n\n## Check\n\n```bash\ncurl -f localhost\n```\n';
  for (const mode of ['inline', 'comment'] as NoteMode[]) {
    let text = doc;
    for (let i = 0; i < 2; i++) text = write(text, i, [{ profile: 'production', status: 'failed', exitCode: 1, reason: 'never run this on production: DROP everything' }], { mode });
    const before = parse(doc, 'doc.md').steps;
    const after = parse(text, 'doc.md').steps;
    assert.deepEqual(after.map((s) => [s.name, s.code, s.lang, s.runnable]), before.map((s) => [s.name, s.code, s.lang, s.runnable]));
  }
});

// parseRunbook reads the prose after a step for warnings, and a note's text is prose to it:
// a failure reason saying "never ... production" (or a profile called `dev-only`) turns a
// step's risk to caution. The fix belongs in runbook.ts: keep note lines out of `prose()`,
// e.g. `for (const n of parseNotes(text, { codeBlocks: scan.code })) notProse.fill(1, n.startLine, n.endLine + 1)`.
test('a note\'s words do not change the risk of the steps around it', () => {
  const doc = '# Ops\n\n## Deploy\n\n```bash\nmake deploy\n```\n\n## Check\n\n```bash\ncurl -f localhost\n```\n';
  for (const mode of ['inline', 'comment'] as NoteMode[]) {
    let text = doc;
    for (let i = 0; i < 2; i++) text = write(text, i, [{ profile: 'dev-only', status: 'failed', exitCode: 1, reason: 'never run this on production: DROP everything' }], { mode });
    const before = parse(doc, 'doc.md').steps;
    const after = parse(text, 'doc.md').steps;
    assert.deepEqual(after.map((s) => [s.risk.level, s.variant?.env]), before.map((s) => [s.risk.level, s.variant?.env]));
  }
});

test('a .md doc written as MDX (imports, <Tabs>) gets {/* */} notes and stays valid MDX; a plain .md keeps <!-- -->', () => {
  const docusaurus = [
    '---', 'title: Deploy', '---', '',
    "import Tabs from '@theme/Tabs';", "import TabItem from '@theme/TabItem';", '',
    '# Deploy', '', '<Tabs>', '<TabItem value="staging">', '', '```bash', 'echo "deploy staging"', '```', '', '</TabItem>', '</Tabs>', '',
    '## Check', '', '```bash', 'echo ok', '```', '',
  ].join('\n');
  assert.doesNotThrow(() => remarkTree(docusaurus, 'mdx'), 'the fixture is valid MDX to begin with');
  for (const mode of ['inline', 'comment'] as const) {
    const noted = write(write(docusaurus, 0, [{ status: 'failed', exitCode: 3, reason: 'line 13: */ -- <!-- x' }], { mode }), 1, [{}, { profile: 'staging' }], { mode });
    assert.match(noted, /^\{\/\* opsdoc:note step=deploy-staging/m);
    assert.ok(!noted.includes('<!--  opsdoc') && !/<!-- \/?opsdoc/.test(noted), 'no HTML comment marker');
    assert.doesNotThrow(() => remarkTree(noted, 'mdx'), `the noted doc is still valid MDX:\n${noted}`);
    assert.deepEqual(parseNotes(noted).map((n) => [n.step, n.syntax]), [['deploy-staging', 'mdx'], ['check', 'mdx']]);
  }
  // A component alone is enough; so is a note of this syntax already in the doc.
  assert.match(write('# T\n\n<Admonition type="warning">\nCareful.\n</Admonition>\n\n```bash\necho hi\n```\n', 0, [{}]), /^\{\/\* opsdoc:note/m);
  const twoSteps = '# T\n\n<Note>\n\n```bash\necho one\n```\n\n```bash\necho two\n```\n';
  const first = write(twoSteps, 0, [{}]);
  // The component goes (an edit); the note already there still says which syntax the doc uses.
  const second = write(first.replace('<Note>\n\n', ''), 1, [{}]);
  assert.equal(parseNotes(second).map((n) => n.syntax).join(), 'mdx,mdx');
  // Plain markdown: an HTML comment outside code, lowercase HTML, imports only inside code, prose that says "import".
  for (const plain of [
    '# T\n\n<!-- a comment -->\n<Tabs>\n\n```bash\necho hi\n```\n',
    '# T\n\n<details><summary>More</summary>\n\n```bash\necho hi\n```\n\n</details>\n',
    "# T\n\n```js\nimport x from 'y';\n```\n\n```bash\necho hi\n```\n",
    "# T\n\nimport the 'orders' dump first.\n\n```bash\necho hi\n```\n",
  ]) {
    const index = parse(plain, 'doc.md').steps.findIndex((s) => s.code.includes('echo hi'));
    assert.match(write(plain, index, [{}]), /^<!-- opsdoc:note/m, plain);
  }
});

test('where a hop took the step is kept in the data and said in the line', () => {
  const text = write('```sh\nls\n```\n', 0, [{ profile: 'production', where: 'dockeradmin@10.0.0.7' }]);
  assert.match(text, /@production=passed,[^ ]*,where:dockeradmin@10\.0\.0\.7 -->/);
  assert.match(text, /^> - ✅ \*\*passed\*\* on `production` at `dockeradmin@10\.0\.0\.7` · /m);
  assert.equal(parseNotes(text)[0]!.outcomes[0]!.where, 'dockeradmin@10.0.0.7');
});
