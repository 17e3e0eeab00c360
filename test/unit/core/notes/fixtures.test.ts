// Notes written into every real runbook and example, LF and CRLF, in both modes: each write
// touches only the note's own lines, the steps stay the same steps, and writing is idempotent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { remarkBlocks } from '../../../../src/core/markdown/reference';
import { applyEdit, NoteError, parseNotes, removeNote, upsertNote, type NoteMode } from '../../../../src/core/notes/notes';
import { parseRunbook, type Runbook } from '../../../../src/core/model/runbook';
import { allDocs, lineEndingVariants, outlineWithoutNotes, outcomeFor, parse } from './support';

const docs = allDocs();

test('the fixtures are all there', () => {
  assert.ok(docs.length >= 7, docs.map((d) => d.name).join(', '));
  assert.ok(docs.some((d) => d.name.endsWith('.mdx')));
});

/** What must not change about a step when notes are written around it. */
function shape(rb: Runbook, shift: (i: number) => number) {
  return rb.steps.map((s, i) => ({
    name: s.name,
    lang: s.lang,
    runnable: s.runnable,
    code: s.code,
    line: s.line - shift(i),
    endLine: s.endLine - shift(i),
    closed: s.closed,
    section: s.section,
    placeholders: s.placeholders.map((p) => p.token),
    risk: s.risk.level,
    riskKinds: [...new Set(s.risk.reasons.map((r) => r.kind))].sort(),
    variant: s.variant?.env ?? null,
  }));
}

for (const doc of docs) {
  for (const { eol, text: original } of lineEndingVariants(doc.text)) {
    for (const mode of ['inline', 'comment'] as NoteMode[]) {
      test(`${doc.name} (${eol}, ${mode}): a note after every step, two profiles, one updated; only the note's lines change`, () => {
        const rb0 = parse(original, doc.name);
        assert.ok(rb0.steps.length > 0);
        let text = original;
        const added: number[] = rb0.steps.map(() => 0);
        const closed = rb0.steps.filter((s) => s.closed).length;

        rb0.steps.forEach((_, i) => {
          let rb = parse(text, doc.name);
          const step = rb.steps[i]!;
          assert.equal(step.name, rb0.steps[i]!.name);
          if (!step.closed) {
            assert.throws(() => upsertNote(text, rb, i, outcomeFor(step)), (e: unknown) => e instanceof NoteError && e.code === 'fence-unclosed');
            return;
          }
          const before = text;

          // 1. A new note: an insertion of whole lines right after the fence line.
          const first = upsertNote(text, rb, i, outcomeFor(step), { mode });
          assert.equal(first.edit.start, first.edit.end);
          assert.equal(first.changed, true);
          assert.ok(first.edit.newText.startsWith(rb.lineEnding));
          const fenceLineEnd = (rb.lineStarts[step.endLine + 1] ?? text.length + rb.lineEnding.length) - rb.lineEnding.length;
          assert.equal(first.edit.start, fenceLineEnd, 'the note starts where the fence line ends');
          text = applyEdit(text, first.edit);
          assert.equal(text.slice(0, first.edit.start) + text.slice(first.edit.start + first.edit.newText.length), before, 'removing the note lines gives the original back');
          added[i] = first.edit.newText.split(rb.lineEnding).length - 1;

          // 2. A second profile: a replacement within the note's own range.
          rb = parse(text, doc.name);
          const second = upsertNote(text, rb, i, outcomeFor(rb.steps[i]!, { profile: 'staging', status: 'failed', exitCode: 3, durationMs: 61_500, by: 'bob', reason: 'psql: connection refused' }));
          assert.equal(second.edit.start, first.edit.start);
          assert.equal(second.edit.end, first.edit.start + first.edit.newText.length);
          text = applyEdit(text, second.edit);

          // 3. The first profile again, later: its line is replaced, the other is kept.
          rb = parse(text, doc.name);
          const later = outcomeFor(rb.steps[i]!, { durationMs: 87, at: '2026-11-26T08:30:00.000Z' });
          const third = upsertNote(text, rb, i, later);
          text = applyEdit(text, third.edit);
          added[i] = third.edit.newText.split(rb.lineEnding).length - 1;

          // 4. Same outcome twice: same text.
          rb = parse(text, doc.name);
          const again = upsertNote(text, rb, i, later);
          assert.equal(again.changed, false);
          assert.equal(applyEdit(text, again.edit), text);

          // Removing the note gives back the text from before it, byte for byte.
          const removed = removeNote(text, rb, i);
          assert.ok(removed.edit);
          assert.equal(applyEdit(text, removed.edit), before);
        });

        // The steps are the same steps, shifted down by the lines of the notes above them.
        const shiftBefore = (i: number) => added.slice(0, i).reduce((a, b) => a + b, 0);
        const after = parse(text, doc.name);
        assert.deepEqual(shape(after, shiftBefore), shape(rb0, () => 0));
        // ... and remark agrees with the fast scanner on the noted doc.
        const viaRemark = parseRunbook(text, { path: doc.name, blocks: remarkBlocks });
        assert.deepEqual(shape(viaRemark, shiftBefore), shape(after, shiftBefore));
        assert.equal(viaRemark.diagnostics.some((d) => d.code === 'mdx-invalid'), false, 'the notes are valid MDX');

        // remark sees the same document around the notes: no container broken, no list loosened.
        assert.equal(outlineWithoutNotes(text, after.flavor), outlineWithoutNotes(original, after.flavor));

        // One note per closed step, with both profiles, in the order they were first written.
        const notes = parseNotes(text, { flavor: after.flavor });
        assert.equal(notes.length, closed);
        for (const note of notes) {
          assert.equal(note.mode, mode);
          assert.equal(note.syntax, doc.name.endsWith('.mdx') ? 'mdx' : 'html');
          assert.deepEqual(note.outcomes.map((o) => [o.profile, o.status, o.exitCode, o.durationMs, o.at]), [
            ['local', 'passed', 0, 87, '2026-11-26T08:30:00.000Z'],
            ['staging', 'failed', 3, 61_500, '2026-11-25T10:00:00.000Z'],
          ]);
        }
        assert.deepEqual(notes.map((n) => n.step), after.steps.filter((s) => s.closed).map((s) => s.name));

        if (eol === 'crlf') assert.equal(/(?<!\r)\n/.test(text), false, 'CRLF docs get CRLF notes');

        // Removing every note (last first) gives the original bytes back.
        let cleaned = text;
        for (let i = after.steps.length - 1; i >= 0; i--) {
          const { edit } = removeNote(cleaned, parse(cleaned, doc.name), i);
          if (edit) cleaned = applyEdit(cleaned, edit);
        }
        assert.equal(cleaned, original);
      });
    }
  }
}
