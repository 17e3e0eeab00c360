// Notes survive the real prettier: after `prettier --write` they parse to the same outcomes,
// the next write replaces rather than duplicates, and on a doc prettier already formatted the
// notes themselves are left exactly as written (so formatting and notes never fight).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as prettier from 'prettier';
import { applyEdit, parseNotes, upsertNote, type NoteMode } from '../../../../src/core/notes/notes';
import { allDocs, outcomeFor, parse } from './support';

const format = (text: string, name: string) => prettier.format(text, { parser: name.endsWith('.mdx') ? 'mdx' : 'markdown' });

/** The doc with a note after every closed step: `local` passed, `staging` failed. */
function withNotes(text: string, name: string, mode: NoteMode): string {
  const count = parse(text, name).steps.length;
  for (let i = 0; i < count; i++) {
    let rb = parse(text, name);
    if (!rb.steps[i]!.closed) continue;
    text = applyEdit(text, upsertNote(text, rb, i, outcomeFor(rb.steps[i]!), { mode }).edit);
    rb = parse(text, name);
    text = applyEdit(text, upsertNote(text, rb, i, outcomeFor(rb.steps[i]!, { profile: 'staging', status: 'failed', exitCode: 1, by: 'bob_the_builder', reason: 'exit 1 <see log> *retry*' })).edit);
  }
  return text;
}

const essence = (text: string, name: string) =>
  parseNotes(text, { flavor: name.endsWith('.mdx') ? 'mdx' : 'markdown' }).map((n) => ({ step: n.step, mode: n.mode, outcomes: n.outcomes }));

for (const doc of allDocs()) {
  for (const mode of ['inline', 'comment'] as NoteMode[]) {
    for (const eol of ['lf', 'crlf'] as const) {
      test(`${doc.name} (${mode}, ${eol}): notes still parse after prettier, and the next write replaces them`, async () => {
        const source = eol === 'crlf' ? doc.text.replace(/\r?\n/g, '\r\n') : doc.text;
        const noted = withNotes(source, doc.name, mode);
        const expected = essence(noted, doc.name);
        assert.ok(expected.length > 0);
        const formatted = await format(noted, doc.name);
        assert.deepEqual(essence(formatted, doc.name), expected);

        // Write again on the formatted doc: one note per step still, with the new outcome.
        let text = formatted;
        const count = parse(text, doc.name).steps.length;
        for (let i = 0; i < count; i++) {
          const rb = parse(text, doc.name);
          if (!rb.steps[i]!.closed) continue;
          text = applyEdit(text, upsertNote(text, rb, i, outcomeFor(rb.steps[i]!, { durationMs: 5, at: '2027-01-01T00:00:00.000Z' })).edit);
        }
        const rewritten = essence(text, doc.name);
        assert.equal(rewritten.length, expected.length);
        for (const note of rewritten) {
          assert.deepEqual(note.outcomes.map((o) => [o.profile, o.durationMs]), [['local', 5], ['staging', 1234]]);
        }
      });
    }

    test(`${doc.name} (${mode}): on a prettier-formatted doc, prettier leaves the notes exactly as written`, async () => {
      // Prettier does not always reach its own fixed point in one pass (a table right after
      // a quote's first line moves on the second), so start from one.
      let base = await format(doc.text, doc.name);
      for (let again = await format(base, doc.name), n = 0; again !== base && n < 5; again = await format(base, doc.name), n++) base = again;
      const noted = withNotes(base, doc.name, mode);
      assert.equal(await format(noted, doc.name), noted);
    });
  }
}

test('notes in tight and loose lists and in quotes are left alone by prettier', async () => {
  const docs = [
    '1. Stop it:\n   ```bash\n   systemctl stop app\n   ```\n2. Start it:\n   ```bash\n   systemctl start app\n   ```\n3. Done\n',
    '- Stop it:\n\n  ```bash\n  systemctl stop app\n  ```\n\n- Then start it.\n',
    '- ```sh\n  ls\n  ```\n- next\n',
    '> Run:\n>\n> ```sh\n> ls\n> ```\n>\n> Then.\n',
  ];
  for (const doc of docs) {
    assert.equal(await format(doc, 'doc.md'), doc, 'the base doc is prettier-formatted');
    for (const mode of ['inline', 'comment'] as NoteMode[]) {
      const noted = withNotes(doc, 'doc.md', mode);
      assert.notEqual(noted, doc);
      assert.equal(await format(noted, 'doc.md'), noted, noted);
    }
  }
});
