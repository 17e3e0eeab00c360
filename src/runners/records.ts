/**
 * Recording outcomes: the note in the doc (only the note's own bytes change) and the
 * `.opsdoc/history.jsonl` log. The note is written under the doc's lock (`docFile`): the doc is
 * read again there, so a doc edited while the step ran, or written by another run meanwhile,
 * still gets its note after the right step, found by name, and keeps everyone else's.
 */
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { applyEdit, upsertNote, type NoteMode } from '../core/notes';
import type { Outcome } from '../core/outcome';
import { redact } from '../core/secrets';
import { parseRunbook } from '../core/model';
import { DocWriteError, rewriteDoc, type DocEdit } from './docFile';

/** What happened to a note. */
export type NoteWrite = { written: true } | { written: false; reason: string };

/**
 * The edit that puts `outcome`'s note into a doc's current text (for `rewriteDoc`): the step is
 * looked up by name in that text; a step that is gone throws `DocWriteError` saying so.
 */
export function noteEdit(path: string, outcome: Outcome, mode: NoteMode = 'inline'): DocEdit {
  return (text) => {
    const runbook = parseRunbook(text, { path });
    const step = runbook.steps.find((s) => s.name === outcome.step);
    if (!step) throw new DocWriteError(`step "${outcome.step}" is no longer in ${path}`);
    const { edit, changed } = upsertNote(text, runbook, step.index, outcome, { mode });
    return changed ? applyEdit(text, edit) : null;
  };
}

/**
 * Writes `outcome`'s note after the step named `outcome.step` in the file at `path`, under the
 * doc's lock, replacing the file whole (see `docFile`). Resolves to the reason when nothing was
 * written (a step that is gone, a doc that is not UTF-8, a lock that could not be had, …).
 */
export async function writeNote(path: string, outcome: Outcome, mode: NoteMode = 'inline'): Promise<NoteWrite> {
  const result = await rewriteDoc(path, noteEdit(path, outcome, mode));
  return result.written ? { written: true } : result;
}

/**
 * Appends one redacted line per outcome to `<root>/.opsdoc/history.jsonl`, and creates
 * `.opsdoc/.gitignore` listing it when that file does not exist yet.
 */
export function appendHistory(root: string, docPath: string, outcome: Outcome, secrets: readonly string[] = []): void {
  const file = join(root, '.opsdoc', 'history.jsonl');
  mkdirSync(dirname(file), { recursive: true });
  // The history is one person's record, not the team's: keep it out of git unless the team
  // already decided otherwise in its own .opsdoc/.gitignore.
  const ignore = join(root, '.opsdoc', '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '# Written by Opsdoc: the run history stays on this machine.\nhistory.jsonl\n');
  const entry = { ...outcome, doc: relative(root, docPath) };
  // Several runs append at once: one write of the whole line to a file opened with O_APPEND
  // lands whole at the end, never interleaved with another's (test/unit/runners/records.test.ts).
  appendFileSync(file, redact(JSON.stringify(entry), secrets) + '\n');
}
