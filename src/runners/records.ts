/**
 * Recording outcomes: the note in the doc (only the note's own bytes change) and the
 * `.opsdoc/history.jsonl` log. The doc is read again just before writing, so a doc edited
 * while the step ran still gets its note after the right step, found by name.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { applyEdit, upsertNote, type NoteMode } from '../core/notes';
import type { Outcome } from '../core/outcome';
import { redact } from '../core/redact';
import { parseRunbook } from '../core/runbook';

/** What happened to a note. */
export type NoteWrite = { written: true } | { written: false; reason: string };

/** Writes `outcome`'s note after the step named `outcome.step` in the file at `path`. */
export function writeNote(path: string, outcome: Outcome, mode: NoteMode = 'inline'): NoteWrite {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { written: false, reason: `cannot read ${path}: ${(error as Error).message}` };
  }
  const runbook = parseRunbook(text, { path });
  const step = runbook.steps.find((s) => s.name === outcome.step);
  if (!step) return { written: false, reason: `step "${outcome.step}" is no longer in ${path}` };
  try {
    const { edit, changed } = upsertNote(text, runbook, step.index, outcome, { mode });
    if (changed) writeFileSync(path, applyEdit(text, edit));
    return { written: true };
  } catch (error) {
    return { written: false, reason: (error as Error).message };
  }
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
  appendFileSync(file, redact(JSON.stringify(entry), secrets) + '\n');
}
