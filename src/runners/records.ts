/**
 * Recording outcomes: the note in the doc (only the note's own bytes change) and the
 * `.opsdoc/history.jsonl` log. The doc is read again just before writing, so a doc edited
 * while the step ran still gets its note after the right step, found by name.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

/** Appends one redacted line per outcome to `<root>/.opsdoc/history.jsonl`. */
export function appendHistory(root: string, docPath: string, outcome: Outcome, secrets: readonly string[] = []): void {
  const file = join(root, '.opsdoc', 'history.jsonl');
  mkdirSync(dirname(file), { recursive: true });
  const entry = { ...outcome, doc: relative(root, docPath) };
  appendFileSync(file, redact(JSON.stringify(entry), secrets) + '\n');
}
