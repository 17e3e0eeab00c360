/**
 * The notes of a cached runbook, by step, computed once per document version (the lenses and
 * the diagnostics both read them). Docs without notes cost one `includes`.
 */
import type * as vscode from 'vscode';
import type { Runbook } from '../core/model';
import { notesOfSteps, type StepNotes } from '../core/notes';

const memo = new WeakMap<Runbook, StepNotes>();

/** The notes of `runbook`, which must be the model of `document` at its current version. */
export function stepNotes(runbook: Runbook, document: vscode.TextDocument): StepNotes {
  let notes = memo.get(runbook);
  if (!notes) {
    notes = notesOfSteps(document.getText(), runbook);
    memo.set(runbook, notes);
  }
  return notes;
}
